// The identity keys of a lead: SHA-256 (OpenSSL) of its normalised email, of its normalised
// phone, and of the three parts together (dedupe_hash).  Pure C++; used by the leads trigger
// and the SQL functions alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/identity_normalizer.h"

namespace lead_router::core {

// Lower-case hex SHA-256 (64 characters) of arbitrary bytes.
std::string sha256_hex(std::string_view bytes);

// What the keys are computed from.  A NULL part is passed as an empty view.
struct IdentityInput {
    std::string_view email;
    std::string_view phone;
    std::string_view company;
    std::string_view phone_region;  // from phone_region(), or empty
    EmailCanonicalization canonicalization = EmailCanonicalization::none;
};

struct IdentityKeys {
    std::optional<std::string> email_key;  // of the normalised email; none when empty
    std::optional<std::string> phone_key;  // of the E.164 text ("+15550100199") or the digits
    std::optional<std::string> combined;   // dedupe_hash; none when all three parts are empty
};
IdentityKeys identity_keys(const IdentityInput& input);

// The text `combined` hashes: the three normalised parts joined with U+001F, a character
// normalisation removes from every part, so distinct identities never collide by framing.
std::string canonical_identity(const IdentityInput& input);

// generate_dedupe_hash(): the combined key.
std::optional<std::string> dedupe_hash(const IdentityInput& input);

// The identity version: a number that changes whenever the keys of the same input could
// change (this code's rules, ICU, libphonenumber, the canonicalisation, the default region),
// with the description it is computed from.
struct IdentityVersion {
    std::int32_t number;
    std::string description;
};
IdentityVersion identity_version(EmailCanonicalization canonicalization, std::string_view default_phone_region);

}  // namespace lead_router::core
