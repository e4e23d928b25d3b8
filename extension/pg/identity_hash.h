// Bridge from datums to core::dedupe_hash, shared by generate_dedupe_hash() and the leads
// trigger so that the two can never disagree.
#pragma once

#include "pg/postgres_headers.h"

#include <string_view>

namespace lead_router::pg {

// Fills `hex` (65 bytes, NUL-terminated) with the dedupe hash of the identity and returns
// true, or returns false when the identity is empty.  Calls no PostgreSQL function, so the
// C++ temporaries inside are destroyed normally; may throw std::bad_alloc.
bool identity_hash(std::string_view email, std::string_view phone, std::string_view company,
                   char hex[65]);

}  // namespace lead_router::pg
