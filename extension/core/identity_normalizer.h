// Normalisation of a lead's identity (email, phone, company) on the field's own libraries:
// ICU for text (core/unicode_text.h), libphonenumber for phones.  Pure C++: no PostgreSQL
// headers, so the rules are unit-tested without a server, and the SQL functions and the
// leads trigger share one implementation.
//
// Text that is not valid UTF-8 (only a SQL_ASCII database can hold it) is refused:
// UserError 22021 naming the field.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lead_router::core {

// lead_router.email_canonicalization.
enum class EmailCanonicalization {
    none,      // the address as written, normalised
    provider,  // also: Gmail/Googlemail ignore dots and +tags in the local part (and
               // googlemail.com is gmail.com); Outlook, iCloud, Fastmail and Proton +tags
};

// Email: NFKC case folding (so "JOSÉ@X.COM", "jose\u0301@x.com" and full-width letters agree),
// surrounding white space trimmed, control characters dropped; inner white space is kept.
// "  John.Doe@Example.COM " -> "john.doe@example.com".
std::string normalize_email(std::string_view raw, EmailCanonicalization canonicalization = EmailCanonicalization::none);

// Company: as email, with inner runs of white space collapsed to one space.  Punctuation is
// kept: "Acme Inc" and "Acme, Inc." differ.
std::string normalize_company(std::string_view raw);

// A phone number in the form it is compared in.
struct NormalizedPhone {
    enum class Form {
        none,    // no digits at all
        e164,    // parsed by libphonenumber as a possible number: "+15550100199"
        digits,  // anything else: the digits rule (phone_digits)
    };
    Form form = Form::none;
    std::string text;
};

// Phone: libphonenumber's E.164 when it parses as a possible number in `region` (an ISO
// 3166-1 alpha-2 code from phone_region(), or empty for none: then only numbers written
// with their country code, or the "00" international prefix, parse); extensions are
// dropped.  Otherwise the digits rule.
NormalizedPhone normalize_phone(std::string_view raw, std::string_view region);

// The digits rule for phones that do not parse: the digits only (any script's decimal
// digits), a leading "+" or "00" international prefix dropped and the country code kept, a
// national trunk "(0)" after a country code dropped, an extension after "#", "ext" or an
// "x" that follows a digit dropped.
std::string phone_digits(std::string_view raw);

// The region libphonenumber knows by this name ("us", " GB " -> "US", "GB"), or nothing.
std::optional<std::string> phone_region(std::string_view text);

// libphonenumber's version as built against (its metadata decides what parses).
const char* phonenumber_version();

}  // namespace lead_router::core
