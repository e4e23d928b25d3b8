// Exactness of distribution under concurrency (issue 12 item 3, SPEC.md "Distribution: pools,
// weights, capacity and hours"): one source workspace, one rule that distributes over the
// pool {A:5, B:1, C:1}, 5,000 leads routed by 8 sessions at once -- 4 call route_lead on the
// leads newest first, shuffled within blocks (retrying a lead that comes back 'locked' until
// it is decided), 4 call route_pending_leads(50), which takes the oldest due leads.  A has a daily cap of 1,000 (and a
// weekly one that never binds), B accepts leads only on a weekday that is not today in its time zone, C is always
// eligible (B and C have daily caps far above the run, so every partner's counter is
// checked).  The partners' time zone is chosen so that their local time is near noon when
// the run starts: no window of a cap and no opening of B can change during the run, whatever
// the wall clock.  The run happens once per test binary (distribution_exactness_run.cpp);
// distribution_exactness_test.cpp checks it, one property per test case.
#pragma once

#include <string>
#include <vector>

#include "router_sessions.h"
#include "routing_fixture.h"
#include "test_database.h"

namespace lrtest::distribution {

constexpr int kLeads = 5000;
constexpr int kCapA = 1000;  // A's daily cap
constexpr int kWeightA = 5, kWeightB = 1, kWeightC = 1;
constexpr int kLeadSessions = 4;   // route_lead, one lead per call
constexpr int kBatchSessions = 4;  // route_pending_leads(kBatchSize)
constexpr int kBatchSize = 50;
constexpr unsigned kSeed = 20261203;

// One answer of route_lead or one row of route_pending_leads: the run records the status,
// the destination and the error (duplicate_lead and duplicate_key stay empty).
using sessions::Report;
using sessions::RunStats;

struct Run {
    TestDatabase db{"distribution_exactness"};
    Fixture fixture;                    // workspaces: the source, then A, B, C
    std::string source, a, b, c, rule;  // ids
    std::string time_zone;              // the partners' (an Etc/GMT zone: no DST)
    int b_open_weekday = 0;             // the one ISO weekday B accepts leads on (09:00-17:00)
    std::string started_at, ended_at;   // the server's clock around the run (timestamptz text)
    std::vector<Report> reports;
    std::vector<std::string> errors;  // statement errors and deadline misses of the sessions
    RunStats stats;
};

// The run, executed on first use (fixture inserted, leads routed, figures printed).  Throws if
// setting it up failed; later calls rethrow without running again.
const Run& distribution_run();
// Drops the run's database, at the end of the test run (a listener in
// distribution_exactness_test.cpp).
void release_distribution_run();

}  // namespace lrtest::distribution
