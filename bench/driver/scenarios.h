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
    std::string conninfo;       // the bench database
    PgbenchTarget pgbench;      // pgbench.pgbench empty: no ceiling measured
    long working_set = 120000;  // --leads: pending leads dealt out to a scenario's comparators
    std::vector<int> clients{1, 4, 8, 16};
    double duration_s = 8;  // per comparator, in `rounds` interleaved slices
    int rounds = 4;
    std::set<std::string> scenarios{"sequential", "concurrent", "duplicate",  "identity",  "retry",   "batch",
                                    "pool",       "scale",      "queue_head", "sustained", "arrival", "drain"};
    int bar_clients = 8;  // the client count of the bars (and duplicate, scale)
    std::vector<int> batch_clients{1, 8};
    long batch_working_set = 50000;
    long retry_rows = 20000;
    int retry_batch = 200;
    std::vector<long long> scale_sizes{10000, 1000000};
    long scale_working_set = 8000;
    double window_per_client = 32;  // hot window slots per client (contention)
    double nomatch_share = 0.1;     // leads that match no rule
    double dup_share = 0.3;         // duplicate scenario
    long capture_leads = 1000;      // the plan capture's working set
    long capture_retry_rows = 400;  // and its retry queue
    bool explain = true;            // the plan capture at the end (off: --no-explain)

    // identity (issue 11): variants of routed people that differ in format only
    long identity_leads = 20000;
    double identity_variant_share = 0.3;
    double identity_near_share = 0.1;  // near misses: different people, must not be duplicates

    // queue_head (issue 15): route_pending_leads at the head of the due queue, no VACUUM between
    long long queue_table = 1000000;  // at least this many leads in the table
    long queue_leads = 300000;        // the due leads all its measurements share
    std::vector<int> queue_clients{1, 8, 16};
    std::vector<int> queue_batches{1, 100};
    double queue_duration_s = 8;
    long queue_batch_budget = 60000;  // leads a route_pending_leads(100) measurement may take
    double queue_dup_share = 0.1;
    double queue_nomatch_share = 0.15;

    // sustained (issue 15): inserting and routing at the maximum rate
    int sustained_clients = 8;
    double sustained_s = 600;  // after the warm-up
    double sustained_warmup_s = 30;
    double sustained_bucket_s = 60;  // "minutes"
    double sustained_dup_share = 0.1;
    double sustained_nomatch_share = 0.15;

    // pool (issue 12): a 4-member weighted pool, caps on two members, at bar_clients clients,
    // against the same rule pointed at one destination
    long pool_leads = 60000;        // route_lead's working set (both comparators)
    long pool_batch_leads = 30000;  // route_pending_leads(100)'s, per comparator
    double lock_sample_ms = 20;     // pg_stat_activity sampling period

    // arrival (issue 13): paced single-lead INSERTs, routed by the worker (route_on_arrival)
    // or by a client polling route_pending_leads every arrival_poll_s
    std::vector<double> arrival_rates{200, 1000};
    int arrival_clients = 8;
    double arrival_s = 60;
    double arrival_poll_s = 1;
    double backlog_sample_ms = 1000;

    // drain (issue 13): a backlog of drain_leads routed by lead_router.workers = each of
    // drain_workers; every setting is a server restart (restart_command)
    long drain_leads = 100000;
    std::vector<int> drain_workers{1, 2, 4};
    std::string restart_command;  // empty: drain skipped

    // route_lead against 0.5.0 in alternating slices on two servers up at once (paired.h)
    std::string paired_baseline;  // the 0.5.0 server's bench database; empty: no pairs
    int paired_pairs = 10;
    double paired_slice_s = 4;
    long paired_leads = 120000;  // each side's working set

    // where the time goes, and WAL per lead
    std::string perf;  // perf binary; empty: no profiles
    double profile_s = 10;
    std::string pg_waldump;  // pg_waldump binary; empty: no WAL split
    std::string scratch_dir = "/tmp/lead_router_bench_scratch";
};

// Runs the scenarios selected in `o`; each finished measurement is appended to `run` and
// passed to `progress`.  Ends with the plan capture (plan_capture.h) on the table the run
// leaves (after the largest scale table): fills run.explains and run.explain_problems.
void run_scenarios(const Options& o, pqxx::connection& admin, RunInfo& run,
                   const std::function<void(const Measurement&)>& progress);

}  // namespace bench
