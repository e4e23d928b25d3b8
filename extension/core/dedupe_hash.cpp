// Dedupe hash: normalise, frame, SHA-256, hex.
#include "core/dedupe_hash.h"

#include <openssl/sha.h>

#include <new>

#include "core/identity_normalizer.h"

namespace lead_router::core {

std::string sha256_hex(std::string_view bytes) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    if (SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest) ==
        nullptr) {
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

std::string canonical_identity(std::string_view email, std::string_view phone,
                               std::string_view company) {
    std::string text = normalize_email(email);
    text.push_back('\x1f');
    text += normalize_phone(phone);
    text.push_back('\x1f');
    text += normalize_company(company);
    return text;
}

std::optional<std::string> dedupe_hash(std::string_view email, std::string_view phone,
                                       std::string_view company) {
    const std::string text = canonical_identity(email, phone, company);
    if (text.size() == 2) return std::nullopt;  // only the two separators: nothing to identify
    return sha256_hex(text);
}

}  // namespace lead_router::core
