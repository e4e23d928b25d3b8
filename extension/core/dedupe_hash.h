// SHA-256 dedupe hash of a normalised identity (email, phone, company).
// Pure C++ over OpenSSL's libcrypto; used by generate_dedupe_hash() and the leads trigger.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lead_router::core {

// Lower-case hex SHA-256 (64 characters) of arbitrary bytes.
std::string sha256_hex(std::string_view bytes);

// The text that is hashed: the three normalised parts joined with U+001F, a character
// normalisation removes from every part, so distinct identities never collide by framing.
std::string canonical_identity(std::string_view email, std::string_view phone,
                               std::string_view company);

// Hash of the normalised identity; std::nullopt when all three parts normalise to "".
// A NULL part is passed as an empty view: NULL and "" mean the same (no value).
std::optional<std::string> dedupe_hash(std::string_view email, std::string_view phone,
                                       std::string_view company);

}  // namespace lead_router::core
