// The distribution step of a routing batch (SPEC.md "Distribution"): for the leads whose
// matched rules need it -- a pool, or a destination with caps or accepting hours -- it reads
// the pools' credits and the caps' counts once for the batch, asks core::Distributor lead by
// lead, and counts what it decided.  With the library preloaded that state is in shared
// memory (distribution_memory.h: read, decided and counted under one short lock); otherwise
// it is rows locked until the transaction ends (distribution_state.h).  Leads whose first
// matching rule goes to one unconstrained destination never come here.  Requires SPI_connect.
#pragma once

#include "pg/postgres_headers.h"

#include "core/capacity_window.h"
#include "core/routing_decision.h"
#include "core/rule_engine.h"

namespace lead_router::pg::route_distribution {

// A rule a lead matched, copied out of the rule cache (which a later statement may rebuild).
struct MatchedRule {
    pg_uuid_t rule;
    bool pool;
    int members;
    pg_uuid_t* destination;  // the single destination, or the pool's members
    int32* weight;
};
MatchedRule copy_rule(const core::RuleSpec& spec);

// Whether a rule can be routed by without the distributor: one destination, active, no caps
// and no accepting hours.
bool unconstrained(const MatchedRule& rule);

// One lead: the rules it matched, in evaluation order.
struct Request {
    int rules;
    MatchedRule* rule;
};

struct Result {
    enum class Kind { routed, deferred, unavailable } kind;
    pg_uuid_t destination;  // routed
    pg_uuid_t rule;         // routed
    TimestampTz due;        // deferred
    core::Reason reason;    // deferred: capacity or closed; unavailable: destination_inactive
    Datum reason_text;      // deferred: text for the audit row
    Datum skipped;          // jsonb, or 0 when nothing was passed over
};

// The batch's distribution state, between deciding and writing back (owned by the current
// memory context).
struct Session;

// Decides every request at the transaction's now(), in order.
Session* decide(const Request* requests, int n, Result* out);

// Writes the pool credits and cap counts back; moved[i] false for a routed result whose
// lead could not be moved after all (its count is given back).
void write_back(Session* session, const Result* results, const bool* moved, int n);

// With the counts in shared memory (the library preloaded): what a cap of `workspace` has
// used in `window` (0 for a window that neither contains `now` nor was counted).
int32 shared_used(const pg_uuid_t& workspace, core::CapPeriod period, const core::Window& window, core::Micros now);

// explain_route: for each rule the lead matched or not, each destination's eligibility now
// and the pick the next routing would make, without locking or changing anything.
struct Explained {
    bool eligible;
    Datum reason;    // text, or 0 when eligible
    bool next_pick;  // the destination the next routing of this lead would take
};
// out[r] has rules[r].members entries; `matched[r]` whether the lead matches rules[r].
void explain(const MatchedRule* rules, const bool* matched, int n, Explained** out);

}  // namespace lead_router::pg::route_distribution
