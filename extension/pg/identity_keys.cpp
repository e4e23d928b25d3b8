// Datums to core::identity_keys.
#include "pg/identity_keys.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>

#include "core/dedupe_hash.h"
#include "pg/settings.h"

namespace lead_router::pg::identity_keys {
namespace {

void store(Key& out, const std::optional<std::string>& hex) {
    out.present = hex.has_value();
    if (!out.present) return;
    std::memcpy(out.hex, hex->data(), 64);
    out.hex[64] = '\0';
}

core::EmailCanonicalization canonicalization(bool use_settings) {
    return use_settings ? static_cast<core::EmailCanonicalization>(settings::email_canonicalization)
                        : core::EmailCanonicalization::none;
}

std::string_view default_region(bool use_settings) {
    return use_settings && settings::default_phone_region ? settings::default_phone_region : "";
}

}  // namespace

Keys compute(const Input& input) {
    std::string region;
    if (const std::optional<std::string> country = core::phone_region(input.country)) {
        region = *country;
    } else if (!input.workspace_region.empty()) {
        region = std::string(input.workspace_region);
    } else {
        region = std::string(default_region(input.use_settings));
    }
    const core::IdentityKeys keys = core::identity_keys(
        core::IdentityInput{input.email, input.phone, input.company, region, canonicalization(input.use_settings)});
    Keys out{};
    store(out.email, keys.email_key);
    store(out.phone, keys.phone_key);
    store(out.combined, keys.combined);
    out.version = current_version();
    return out;
}

int32 current_version() {
    // Computed once per setting: the version describes ICU's and libphonenumber's versions.
    static int cached_mode = -1;
    static char cached_region[8] = "";
    static int32 cached_version = 0;
    const std::string_view region = default_region(true);
    if (cached_mode != settings::email_canonicalization || region != cached_region) {
        cached_version = core::identity_version(canonicalization(true), region).number;
        cached_mode = settings::email_canonicalization;
        const std::size_t n = std::min(region.size(), sizeof cached_region - 1);
        std::memcpy(cached_region, region.data(), n);
        cached_region[n] = '\0';
    }
    return cached_version;
}

}  // namespace lead_router::pg::identity_keys
