// Conversions between SQL arguments / datums and what the C++ code works with.
#pragma once

#include "pg/postgres_headers.h"

#include <string_view>

namespace lead_router::pg {

// Limits shared by the SQL functions.
constexpr int32 kMaxAttemptsLimit = 100;  // max_attempts of route_lead and fail_routing
constexpr int32 kMaxBatchSize = 10000;    // route_pending_leads, process_retry_queue

// Error texts stored in leads.routing_error, routing_queue.last_error and routing_logs are
// cut to this many bytes (at a character boundary): a caller's 1 MB message must not be
// copied into three tables on every retry.
constexpr int kMaxStoredErrorBytes = 1000;

// The row type of a function returning one row of `columns` columns, blessed for
// heap_form_tuple.  A row type of another width means the library is newer (or older) than
// the installed SQL: 55000, with ALTER EXTENSION ... UPDATE as the hint.
TupleDesc result_row(FunctionCallInfo fcinfo, int columns);

// The materialized result set of a set-returning function of `columns` columns, checked the
// same way.
ReturnSetInfo* result_set(FunctionCallInfo fcinfo, int columns);

// Raises 22004 (null_value_not_allowed) naming the argument when argument `n` is NULL.
void require_not_null(FunctionCallInfo fcinfo, int n, const char* name);

// Integer argument `n`, required (22004) and within [low, high] (22023 naming it).
int32 int32_arg_in_range(FunctionCallInfo fcinfo, int n, const char* name, int32 low, int32 high);

// Interval argument `n`, required (22004) and within [low, high] as PostgreSQL compares
// intervals (a month counts 30 days), else 22023 naming it; bounds are interval literals.
// Checked before any arithmetic, so a huge value is reported instead of overflowing.
Interval* interval_arg_in_range(FunctionCallInfo fcinfo, int n, const char* name, const char* low, const char* high);

// A one-dimensional array of `n` elements of `element_type`; `nulls` may be nullptr.
Datum make_array(const Datum* elems, const bool* nulls, int n, Oid element_type);

// `text` for a message: at most `max_bytes` bytes (whole characters), "..." when cut.
const char* clipped_for_message(const char* text, int max_bytes);

// Bytes of a possibly-NULL text argument, detoasted; NULL reads as empty.
std::string_view text_arg_bytes(FunctionCallInfo fcinfo, int n);

// Bytes of a text datum, detoasted.
std::string_view text_bytes(Datum value);

// A text datum cut to at most `max_bytes` bytes, at a character boundary.
Datum clipped_text(Datum value, int max_bytes);

// Runs a type's input function on `text`: false, with nothing raised, when the text is not a
// valid value of the type (SQLSTATE 22P02); any other error propagates.
bool parse_input(PGFunction input, const char* text, Datum* result);

// Whether column `attnum` (from 1) holds the same value in both versions of a row, as a
// trigger's slots hold them (two NULLs are the same; values compare as stored, byte for byte).
bool same_column_value(TupleTableSlot* a, TupleTableSlot* b, int attnum);

// A uuid datum holding a palloc'd copy of `value`.
Datum uuid_datum(const pg_uuid_t& value);

// A uuid datum formatted for messages (palloc'd in the current context).
const char* uuid_to_cstring(Datum uuid);

}  // namespace lead_router::pg
