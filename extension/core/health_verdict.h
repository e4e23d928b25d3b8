// The routing health verdict (SPEC.md "Honest health").  It is decided by system failures
// only: routing errors, stuck locks, a due backlog, a worker that stopped while retries are
// due, a maintenance job that failed or has not succeeded for twice its period, latency.
// Business outcomes (no rule matched, deferred for capacity, duplicates) are reported beside
// it, never in it, and a rate counts only over a minimum sample.  Pure C++, unit-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lead_router::core {

// Attempts a rate needs before it counts; latency samples a percentile needs.
inline constexpr long long kMinRateSample = 20;
inline constexpr long long kMinLatencySample = 5;

enum class WorkerState {
    unknown,      // the library is not preloaded: there is no worker to judge
    running,      // a worker stamped a round recently
    disabled,     // lead_router.worker_enabled = off
    not_running,  // no worker, or none that stamped a round recently
};

// A maintenance job as pg_cron last recorded it.
struct JobRecord {
    std::string name;
    std::int64_t period_s = 0;                    // how often it is scheduled to run
    std::optional<std::int64_t> since_success_s;  // since its last success; empty: never
    bool last_run_failed = false;
    std::string last_error;  // its message, when it failed
    bool ever_ran = false;
};

struct HealthFigures {
    long long succeeded = 0;    // routed or duplicate, in the window
    long long errors = 0;       // attempts that failed for a system reason, in the window
    long long due_queue = 0;    // retry-queue rows due now
    long long stale_locks = 0;  // routing locks older than lead_router.lock_timeout
    long long latency_samples = 0;
    std::optional<double> p95_ms;
    WorkerState worker = WorkerState::unknown;
    std::vector<JobRecord> jobs;
};

enum class Verdict { healthy, degraded, critical };

struct HealthAssessment {
    Verdict verdict = Verdict::healthy;
    std::vector<std::string> reasons;    // one per failure found, e.g. "error rate 12.0 % > 10 %"
    std::optional<double> success_rate;  // succeeded / (succeeded + errors), from the minimum sample
};

// healthy: none of the below.
// degraded: error rate > 5 %, due queue >= 100, a stale lock, the worker disabled while
//   retries are due, a maintenance job failed or overdue, p95 >= 2 s.
// critical: error rate > 10 %, no worker running while retries are due, p95 > 5 s.
HealthAssessment assess_health(const HealthFigures& figures);

const char* verdict_name(Verdict verdict);

// How often a pg_cron schedule runs, in seconds, for the forms lead_router's jobs use
// ("* * * * *", "*/N * * * *", "M * * * *", "M H * * *"); a day for anything else.
std::int64_t cron_period_seconds(const std::string& schedule);

}  // namespace lead_router::core
