// Conversions between SQL arguments / datums and what the C++ code works with.
#pragma once

#include "pg/postgres_headers.h"

#include <string_view>

namespace lead_router::pg {

// Error texts stored in leads.routing_error, routing_queue.last_error and routing_logs are
// cut to this many bytes (at a character boundary): a caller's 1 MB message must not be
// copied into three tables on every retry.
constexpr int kMaxStoredErrorBytes = 1000;

// Raises 22004 (null_value_not_allowed) naming the argument when argument `n` is NULL.
void require_not_null(FunctionCallInfo fcinfo, int n, const char* name);

// Bytes of a possibly-NULL text argument, detoasted; NULL reads as empty.
std::string_view text_arg_bytes(FunctionCallInfo fcinfo, int n);

// Bytes of a text datum, detoasted.
std::string_view text_bytes(Datum value);

// A text datum cut to at most `max_bytes` bytes, at a character boundary.
Datum clipped_text(Datum value, int max_bytes);

// A uuid datum formatted for messages (palloc'd in the current context).
const char* uuid_to_cstring(Datum uuid);

}  // namespace lead_router::pg
