// See identity_hash.h.
#include "pg/identity_hash.h"

#include <cstring>

#include "core/dedupe_hash.h"

namespace lead_router::pg {

bool identity_hash(std::string_view email, std::string_view phone, std::string_view company,
                   char hex[65]) {
    const std::optional<std::string> hash = core::dedupe_hash(email, phone, company);
    if (!hash) return false;
    std::memcpy(hex, hash->data(), 64);
    hex[64] = '\0';
    return true;
}

}  // namespace lead_router::pg
