// Runs one measurement: N client threads, one libpqxx connection each, timed together.
//
// Every thread connects and prepares its statements first; the clock starts only when all are
// ready (connection setup is not what is measured).  Each operation is timed on the client
// with std::chrono::steady_clock (or, for a flow that times one part of its operation itself,
// that part: Flow::timed_ms).  The measurement ends at the deadline, as soon as a client finds
// no work left, or when a lead budget runs out; its duration is from the common start to the
// last client's last operation.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "flows.h"
#include "stats.h"

namespace bench {

// One operation on the timeline of a measurement (RunOptions::timeline).
struct TimelineEntry {
    float end_s;       // seconds from the common start to the operation's end
    float latency_ms;  // as in Tally::latency_ms
    int leads;         // leads it decided
};

struct RunOptions {
    // Called once every client is connected and prepared, just before the clock starts, with
    // their backends' process ids (a profiler attaches to them).
    std::function<void(const std::vector<int>& backend_pids)> on_ready;
    // Called once every client has done its last operation, while all their connections are
    // still open, with the same process ids (their CPU time can still be read).
    std::function<void(const std::vector<int>& backend_pids)> on_finished;
    // Record every operation's end time (RunResult::timeline).
    bool timeline = false;
    // When set: the measurement ends once this many leads (shared by all clients) are decided.
    std::atomic<long>* lead_budget = nullptr;
    // Statements each connection runs before it prepares (SET ...).
    std::vector<std::string> session_setup;
};

struct RunResult {
    Tally tally;
    double duration_s = 0;
    bool exhausted = false;
    std::vector<TimelineEntry> timeline;  // with RunOptions::timeline, in no particular order
};

RunResult run_clients(const std::string& conninfo, int clients, double duration_s,
                      const std::function<std::unique_ptr<Flow>()>& make_flow, const RunOptions& options = {});

}  // namespace bench
