// What one measurement counted, and the figures the report derives from it.  Each client
// thread fills its own Tally (no sharing while timing); the runner merges them at the end.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bench {

struct Tally {
    long ops = 0;          // operations: calls (one lead, one batch, one pgbench transaction)
    long items = 0;        // leads or queue rows the operations handled, locked ones included
    long leads = 0;        // leads whose routing was decided: routed, duplicate, queued, failed
    long succeeded = 0;    // items routed or routed as a duplicate
    long lock_failed = 0;  // items not routed because another session held them
    long errors = 0;       // operations that raised an SQL error
    std::string first_error;
    std::map<std::string, long> outcomes;  // items per status (routed, locked, ...)
    std::vector<double> latency_ms;        // one per operation, client-side

    void count(const std::string& status, long n = 1) { outcomes[status] += n; }
    void error(const std::string& message) {
        ++errors;
        if (first_error.empty()) first_error = message;
    }
    void merge(const Tally& other);
};

struct Measurement {
    std::string scenario;  // sequential, concurrent, duplicate, retry, batch, scale_10000, ...
    std::string variant;   // route_lead, seed_flow, plpgsql, route_pending_leads, pgbench_N, ...
    int clients = 0;
    long long leads_in_table = 0;  // rows in lead_router.leads when the measurement started
    long long working_set = 0;     // pending leads (or due queue rows) prepared for it
    long long scale_size = 0;      // scale scenario: the nominal table size (10,000, 1,000,000)
    double duration_s = 0;
    Tally tally;
    bool exhausted = false;         // ended before the duration: the working set ran out
    bool lock_rate_applies = true;  // false where nothing is locked (pgbench, the retry drain)
    long long wal_bytes = 0;        // WAL the server wrote during the measurement
    long long checkpoints = 0;      // checkpoints that finished during it (0 is the plan)
    long long wal_syncs = 0;        // WAL flushes to disk during it (commits share them)
    std::vector<std::pair<std::string, std::string>> wal_ranges;  // LSNs from, to (per slice)
    std::string skipped;                                          // non-empty: not measured, and why
    std::string note;

    // Derived figures (set by finalize()).
    double throughput_ops_s = 0;
    double throughput_leads_s = 0;  // leads (or queue rows) decided per second
    double p50_ms = 0, p95_ms = 0, p99_ms = 0, mean_ms = 0, max_ms = 0;
    std::optional<double> success_rate;
    std::optional<double> lock_acquisition_rate;

    void finalize();
};

// Nearest-rank percentile (p in 0..100) of an unsorted sample; 0 when empty.
double percentile(std::vector<double>& sample, double p);

}  // namespace bench
