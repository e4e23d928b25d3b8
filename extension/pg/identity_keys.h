// The identity keys of a lead from datums: shared by the leads trigger and the SQL functions,
// so that a stored key and a computed one can never disagree.
#pragma once

#include "pg/postgres_headers.h"

#include <string_view>

namespace lead_router::pg::identity_keys {

// One key as 64 hex digits and a terminating NUL; `present` false when the part is empty.
struct Key {
    bool present;
    char hex[65];
};

struct Keys {
    Key email, phone, combined;
    int32 version;  // the identity version they were computed under
};

// What the keys are computed from.  `region` is the lead's country, which counts when it
// names a region libphonenumber knows; otherwise `workspace_region` (the source workspace's
// phone_region), then lead_router.default_phone_region.
struct Input {
    std::string_view email, phone, company, country, workspace_region;
    bool use_settings;  // false: no canonicalisation and no default region (the IMMUTABLE functions)
};

// Calls no PostgreSQL function, so its C++ temporaries die normally; throws core::UserError
// for text that is not valid UTF-8, or std::bad_alloc.
Keys compute(const Input& input);

// The identity version under the current settings, and its description (palloc'd by the
// caller's pg::call, see identity_functions).
int32 current_version();

}  // namespace lead_router::pg::identity_keys
