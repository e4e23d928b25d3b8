// The main scenario, run once per test binary and shared by the test cases that check it:
// a fresh database with 10,000 generated leads, drained by 8 connections (one thread each)
// calling lead_router.route_pending_leads(50) until nothing due is left.  Every result row
// of every call is kept, so that the checks can compare what the calls reported with the
// final table state.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "routing_fixture.h"
#include "test_database.h"

namespace lrtest {

constexpr int kConcurrentLeads = 10000;
constexpr double kDuplicateShare = 0.10;
constexpr int kRoutingConnections = 8;  // LEAD_ROUTER_IT_CONNECTIONS overrides (triage)
constexpr int kBatchSize = 50;
constexpr unsigned kFixtureSeed = 20240611;

// One row returned by route_pending_leads.
struct RouteRow {
    std::string lead_id;
    std::string status;
    std::optional<std::string> destination, rule, duplicate_lead, error;
    int attempt = 0;
    int connection = 0;
};

// One route_pending_leads call.
struct CallRecord {
    int connection = 0;
    int rows = 0;
    double seconds = 0;
    bool failed = false;
};

struct RunStats {
    int connections = 0;
    double wall_s = 0;   // from the start signal until every connection stopped
    double drain_s = 0;  // until the last call that returned rows
    long calls = 0;
    long empty_calls = 0;
    std::map<std::string, long> rows_by_status;
};

struct ConcurrentRun {
    TestDatabase db{"concurrent"};
    Fixture fixture;
    std::vector<RouteRow> rows;     // every result row of every call, all connections
    std::vector<CallRecord> calls;  // every call, all connections
    RunStats stats;
    std::vector<std::string> errors;  // statement errors seen by the routing connections
};

// The run, executed on first use (fixture inserted, connections drained, figures printed).
// Throws if setting it up failed; later calls rethrow without running again.
const ConcurrentRun& concurrent_run();
// Drops the run's database, at the end of the test run (catch_hooks.cpp): libpqxx must not be
// used from a static destructor at exit, when its own statics may be gone already.
void release_concurrent_run();

// Due pending leads: pending and not waiting for a retry scheduled in the future (the
// leads route_pending_leads would pick).
constexpr const char* kDuePendingSql = R"sql(
SELECT count(*) FROM lead_router.leads l
 WHERE l.routing_status = 'pending'
   AND NOT EXISTS (SELECT 1 FROM lead_router.routing_queue q
                    WHERE q.lead_id = l.id AND q.processed_at IS NULL
                      AND q.next_retry_at > pg_catalog.now()))sql";

}  // namespace lrtest
