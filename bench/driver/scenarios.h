// The plan of a run: which measurements, in which order, on which data (bench/README.md,
// "Scenarios").  The comparators of one scenario share a fresh working set and run in
// interleaved slices; the batch and retry measurements get a fresh working set each.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "pgbench.h"
#include "report.h"

namespace bench {

struct Options {
    std::string conninfo;                // the bench database
    PgbenchTarget pgbench;               // pgbench.pgbench empty: no ceiling measured
    long working_set = 120000;           // --leads: pending leads dealt out to a scenario's comparators
    std::vector<int> clients{1, 4, 8, 16};
    double duration_s = 8;               // per comparator, in `rounds` interleaved slices
    int rounds = 4;
    std::set<std::string> scenarios{"sequential", "concurrent", "duplicate", "retry", "batch", "scale"};
    int bar_clients = 8;                 // the client count of the bars (and duplicate, scale)
    std::vector<int> batch_clients{1, 8};
    long batch_working_set = 50000;
    long retry_rows = 20000;
    int retry_batch = 200;
    std::vector<long long> scale_sizes{10000, 1000000};
    long scale_working_set = 8000;
    double window_per_client = 32;       // hot window slots per client (contention)
    double nomatch_share = 0.1;          // leads that match no rule
    double dup_share = 0.3;              // duplicate scenario
    long capture_leads = 1000;           // the plan capture's working set
    long capture_retry_rows = 400;       // and its retry queue
};

// Runs the scenarios selected in `o`; each finished measurement is appended to `run` and
// passed to `progress`.  Ends with the plan capture (plan_capture.h) on the table the run
// leaves (after the largest scale table): fills run.explains and run.explain_problems.
void run_scenarios(const Options& o, pqxx::connection& admin, RunInfo& run,
                   const std::function<void(const Measurement&)>& progress);

}  // namespace bench
