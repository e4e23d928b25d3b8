// Identity keys: normalise, frame, SHA-256, hex.
#include "core/dedupe_hash.h"

#include <openssl/sha.h>

#include <new>

#include "core/unicode_text.h"

namespace lead_router::core {
namespace {

// Bumped whenever these rules change what a key is.
constexpr int kIdentityRules = 2;

struct Parts {
    std::string email, phone, company;
};

Parts normalized_parts(const IdentityInput& in) {
    return {normalize_email(in.email, in.canonicalization), normalize_phone(in.phone, in.phone_region).text,
            normalize_company(in.company)};
}

std::string joined(const Parts& p) { return p.email + '\x1f' + p.phone + '\x1f' + p.company; }

}  // namespace

std::string sha256_hex(std::string_view bytes) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    if (SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest) == nullptr) {
        throw std::bad_alloc();  // libcrypto fails only when it cannot allocate
    }
    static constexpr char hex[] = "0123456789abcdef";
    std::string out(2 * SHA256_DIGEST_LENGTH, '0');
    for (int i = 0; i < SHA256_DIGEST_LENGTH; ++i) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 0x0F];
    }
    return out;
}

std::string canonical_identity(const IdentityInput& input) { return joined(normalized_parts(input)); }

IdentityKeys identity_keys(const IdentityInput& input) {
    const Parts parts = normalized_parts(input);
    IdentityKeys keys;
    if (!parts.email.empty()) keys.email_key = sha256_hex(parts.email);
    if (!parts.phone.empty()) keys.phone_key = sha256_hex(parts.phone);
    if (!parts.email.empty() || !parts.phone.empty() || !parts.company.empty()) {
        keys.combined = sha256_hex(joined(parts));
    }
    return keys;
}

std::optional<std::string> dedupe_hash(const IdentityInput& input) { return identity_keys(input).combined; }

IdentityVersion identity_version(EmailCanonicalization canonicalization, std::string_view default_phone_region) {
    IdentityVersion v;
    v.description = "lead_router identity rules " + std::to_string(kIdentityRules) + "; " + unicode::versions() +
                    "; libphonenumber " + phonenumber_version() + "; email canonicalization " +
                    (canonicalization == EmailCanonicalization::provider ? "provider" : "none") +
                    "; default phone region " +
                    (default_phone_region.empty() ? std::string("(none)") : std::string(default_phone_region));
    // FNV-1a, folded to a positive int4.
    std::uint32_t h = 2166136261u;
    for (const unsigned char c : v.description) h = (h ^ c) * 16777619u;
    v.number = static_cast<std::int32_t>(h & 0x7FFFFFFF);
    return v;
}

}  // namespace lead_router::core
