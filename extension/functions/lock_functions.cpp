// SQL entry points of the lock-based primitives: acquire_routing_lock, complete_routing,
// fail_routing, release_stale_routing_locks.  Thin: check arguments, run the transition.
#include "pg/boundary.h"
#include "pg/datum_convert.h"
#include "pg/lead_transitions.h"
#include "pg/routing_stats.h"
#include "pg/settings.h"
#include "pg/spi_statement.h"

namespace pg = lead_router::pg;
namespace transitions = lead_router::pg::transitions;

namespace {

constexpr int32 kMaxAttemptsLimit = 100;
constexpr double kMaxStaleDays = 1000 * 365.25;

TimestampTz stale_lock_cutoff() {
    return GetCurrentTransactionStartTimestamp() -
           static_cast<TimestampTz>(lead_router::settings::lock_timeout_s) * USECS_PER_SEC;
}

}  // namespace

// acquire_routing_lock(lead_id uuid, lock_owner uuid) returns boolean
LEAD_ROUTER_FUNCTION(lr_acquire_routing_lock) {
    pg::require_not_null(fcinfo, 0, "lead_id");
    pg::require_not_null(fcinfo, 1, "lock_owner");
    const Datum lead_id = PG_GETARG_DATUM(0);

    pg::connect();
    bool acquired = transitions::acquire_lock(lead_id, PG_GETARG_DATUM(1), stale_lock_cutoff());
    if (!acquired && !transitions::diagnose(lead_id, 0, true).lead_exists) {
        transitions::raise_unknown_lead(lead_id);
    }
    pg::finish();
    lead_router::pg::routing_stats::record_lock_attempt(acquired);
    PG_RETURN_BOOL(acquired);
}

// complete_routing(lead_id, destination_workspace_id, matched_rule_id, lock_owner) returns boolean
LEAD_ROUTER_FUNCTION(lr_complete_routing) {
    pg::require_not_null(fcinfo, 0, "lead_id");
    pg::require_not_null(fcinfo, 1, "destination_workspace_id");
    pg::require_not_null(fcinfo, 3, "lock_owner");
    const Datum lead_id = PG_GETARG_DATUM(0);
    const Datum destination = PG_GETARG_DATUM(1);

    pg::connect();
    const bool completed = transitions::complete(lead_id, destination, PG_GETARG_DATUM(2),
                                                 PG_ARGISNULL(2), PG_GETARG_DATUM(3));
    if (!completed) {
        const transitions::Diagnosis why = transitions::diagnose(lead_id, destination, false);
        if (!why.lead_exists) transitions::raise_unknown_lead(lead_id);
        if (why.workspace_state != 2) {
            ereport(ERROR,
                    (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                     errmsg("destination workspace %s %s", pg::uuid_to_cstring(destination),
                            why.workspace_state == 0 ? "does not exist" : "is not active")));
        }
    }
    pg::finish();
    PG_RETURN_BOOL(completed);
}

// fail_routing(lead_id, error_message, lock_owner, max_attempts default 3) returns text
LEAD_ROUTER_FUNCTION(lr_fail_routing) {
    pg::require_not_null(fcinfo, 0, "lead_id");
    pg::require_not_null(fcinfo, 1, "error_message");
    pg::require_not_null(fcinfo, 2, "lock_owner");
    pg::require_not_null(fcinfo, 3, "max_attempts");
    const Datum lead_id = PG_GETARG_DATUM(0);
    const int32 max_attempts = PG_GETARG_INT32(3);
    if (max_attempts < 1 || max_attempts > kMaxAttemptsLimit) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("max_attempts must be between 1 and %d, not %d", kMaxAttemptsLimit,
                               max_attempts)));
    }

    pg::connect();
    const transitions::LockedLead lead = transitions::lock_for_failure(lead_id, PG_GETARG_DATUM(2));
    if (!lead.found) transitions::raise_unknown_lead(lead_id);
    if (!lead.routing || !lead.owned) {
        ereport(ERROR,
                (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                 errmsg("lead %s is not being routed by lock owner %s",
                        pg::uuid_to_cstring(lead_id), pg::uuid_to_cstring(PG_GETARG_DATUM(2))),
                 lead.routing ? errdetail("The routing lock is held by another owner.")
                              : errdetail("Its routing status is %s.", lead.status),
                 errhint("Only the owner of a routing lock taken with acquire_routing_lock() "
                         "can fail it.")));
    }
    const bool queued = transitions::record_failure(lead_id, PG_GETARG_DATUM(1), lead.attempts,
                                                    max_attempts, 0, "retry");
    pg::finish();
    PG_RETURN_TEXT_P(cstring_to_text(queued ? "queued" : "failed"));
}

// release_stale_routing_locks(older_than interval default null = lead_router.lock_timeout)
LEAD_ROUTER_FUNCTION(lr_release_stale_routing_locks) {
    TimestampTz cutoff;
    if (PG_ARGISNULL(0)) {
        cutoff = stale_lock_cutoff();
    } else {
        Interval* older_than = PG_GETARG_INTERVAL_P(0);
        const auto shown = [&] {
            return DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(older_than)));
        };
        // Bounded before the subtraction, so a huge value is named rather than overflowing.
        const double approx_days = older_than->month * double(DAYS_PER_MONTH) + older_than->day +
                                   older_than->time / double(USECS_PER_DAY);
        if (approx_days > kMaxStaleDays) {
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("older_than must be at most 1000 years, not \"%s\"", shown())));
        }
        const TimestampTz now = GetCurrentTransactionStartTimestamp();
        cutoff = DatumGetTimestampTz(DirectFunctionCall2(
            timestamptz_mi_interval, TimestampTzGetDatum(now), IntervalPGetDatum(older_than)));
        if (cutoff >= now) {
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("older_than must be a positive interval, not \"%s\"", shown())));
        }
    }
    pg::connect();
    const int64 released = transitions::release_stale(cutoff);
    pg::finish();
    PG_RETURN_INT32(static_cast<int32>(released));
}
