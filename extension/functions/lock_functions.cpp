// SQL entry points of the lock-based primitives: acquire_routing_lock, complete_routing,
// fail_routing, release_stale_routing_locks.  Thin: check arguments, run the transition.
#include "pg/access_control.h"
#include "pg/boundary.h"
#include "pg/datum_convert.h"
#include "pg/lead_transitions.h"
#include "pg/routing_counters.h"
#include "pg/spi_statement.h"

namespace pg = lead_router::pg;
namespace transitions = lead_router::pg::transitions;

// acquire_routing_lock(lead_id uuid, lock_owner uuid) returns boolean
LEAD_ROUTER_FUNCTION(lr_acquire_routing_lock) {
    pg::require_not_null(fcinfo, 0, "lead_id");
    pg::require_not_null(fcinfo, 1, "lock_owner");
    const Datum lead_id = PG_GETARG_DATUM(0);

    pg::connect();
    lead_router::pg::access_control::require_lead_access_by_id(lead_id);
    bool acquired = transitions::acquire_lock(lead_id, PG_GETARG_DATUM(1), transitions::stale_lock_cutoff());
    if (!acquired && !transitions::lead_exists(lead_id)) {
        transitions::raise_unknown_lead(lead_id);
    }
    pg::finish();
    lead_router::pg::routing_counters::record_lock_attempt(acquired);
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
    lead_router::pg::access_control::require_lead_access_by_id(lead_id);
    transitions::check_completion(lead_id, destination, PG_GETARG_DATUM(2), PG_ARGISNULL(2));
    transitions::Routed move{*DatumGetUUIDP(lead_id), *DatumGetUUIDP(destination), !PG_ARGISNULL(2), {}};
    if (move.has_rule) move.rule = *PG_GETARG_UUID_P(2);
    bool completed;
    int32 attempts;
    transitions::route_to(&move, 1, PG_GETARG_UUID_P(3), 0, &completed, &attempts);
    pg::finish();
    PG_RETURN_BOOL(completed);
}

// fail_routing(lead_id, error_message, lock_owner, max_attempts default 3) returns text
LEAD_ROUTER_FUNCTION(lr_fail_routing) {
    pg::require_not_null(fcinfo, 0, "lead_id");
    pg::require_not_null(fcinfo, 1, "error_message");
    pg::require_not_null(fcinfo, 2, "lock_owner");
    const Datum lead_id = PG_GETARG_DATUM(0);
    const int32 max_attempts = pg::int32_arg_in_range(fcinfo, 3, "max_attempts", 1, pg::kMaxAttemptsLimit);

    pg::connect();
    lead_router::pg::access_control::require_lead_access_by_id(lead_id);
    const transitions::LockedLead lead = transitions::lock_for_failure(lead_id, PG_GETARG_DATUM(2));
    if (!lead.found) transitions::raise_unknown_lead(lead_id);
    if (!lead.routing || !lead.owned) {
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("lead %s is not being routed by lock owner %s", pg::uuid_to_cstring(lead_id),
                               pg::uuid_to_cstring(PG_GETARG_DATUM(2))),
                        lead.routing ? errdetail("The routing lock is held by another owner.")
                                     : errdetail("Its routing status is %s.", lead.status),
                        errhint("Only the owner of a routing lock taken with acquire_routing_lock() "
                                "can fail it.")));
    }
    // acquire_routing_lock counted this attempt already: increment 0.
    const bool queued = lead.attempts < max_attempts;
    const transitions::Failure failure{*DatumGetUUIDP(lead_id), PG_GETARG_DATUM(1),
                                       transitions::next_retry_at(lead.attempts), max_attempts, "retry"};
    int32 attempts;
    if (queued) {
        transitions::requeue(&failure, 1, 0, &attempts);
    } else {
        transitions::fail(&failure, 1, 0, &attempts);
    }
    pg::finish();
    PG_RETURN_TEXT_P(cstring_to_text(queued ? "queued" : "failed"));
}

// release_stale_routing_locks(older_than interval default null = lead_router.lock_timeout)
LEAD_ROUTER_FUNCTION(lr_release_stale_routing_locks) {
    TimestampTz cutoff;
    if (PG_ARGISNULL(0)) {
        cutoff = transitions::stale_lock_cutoff();
    } else {
        Interval* older_than = pg::interval_arg_in_range(fcinfo, 0, "older_than", "1 microsecond", "1000 years");
        cutoff = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_mi_interval,
                                                         TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()),
                                                         IntervalPGetDatum(older_than)));
    }
    pg::connect();
    const int64 released = transitions::release_stale(cutoff);
    pg::finish();
    PG_RETURN_INT32(static_cast<int32>(released));
}
