// Normalisation of a lead's identity (email, phone, company) before hashing.
// Pure C++: no PostgreSQL headers, so the rules are unit-tested without a server and the
// SQL function and the dedupe_hash trigger share one implementation.
#pragma once

#include <string>
#include <string_view>

namespace lead_router::core {

// Email: surrounding whitespace removed, letters lower-cased (see fold_case), control
// characters dropped.  "  John.Doe@Example.COM " -> "john.doe@example.com".
std::string normalize_email(std::string_view raw);

// Phone: the digits only, with the international prefix handled so that "+1 555 010 0199",
// "001-555-010-0199" and "1 (555) 010-0199" agree: a leading "+" or "00" is dropped and the
// country code kept; an extension after "#", "ext", or an "x" that follows a digit is dropped
// (an "x" inside a word, as in "1-800-BOX-1234", is just a letter); letters and punctuation
// are ignored.  Fullwidth and Arabic-Indic digits count as digits.  No digits -> "".
std::string normalize_phone(std::string_view raw);

// Company: trimmed, lower-cased, inner runs of whitespace collapsed to one space, control
// characters dropped.  "  ACME   Corp\t" -> "acme corp".  Other characters (accents, CJK,
// emoji) are kept as they are.
std::string normalize_company(std::string_view raw);

// Bytes that are not valid UTF-8 (only a SQL_ASCII database can pass them) are kept, each
// as the private-use character U+F700 + byte, so the output is always valid UTF-8.

// Lower-cases one code point: ASCII, Latin-1 Supplement, Latin Extended-A, Greek and Cyrillic.
// Everything else maps to itself.  Independent of the server's locale, so the hash is IMMUTABLE.
char32_t fold_case(char32_t cp);

}  // namespace lead_router::core
