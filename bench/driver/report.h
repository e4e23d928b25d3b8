// The results: bench/results/<timestamp>.json (shape documented in bench/README.md, "Results
// JSON"), the Markdown summary on stdout, and the EXPLAIN plans as Markdown.
//
// The bars of issue 6 are computed here, each with a verdict pass / miss / n/a.  A missed bar
// is reported, never an error: CI never asserts timings.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/json_document.h"
#include "stats.h"

namespace bench {

struct Bar {
    int issue = 6;            // the issue that set it (6, 11, 15)
    std::string id;           // stable key, e.g. route_lead_vs_seed_flow_8
    std::string description;  // what is compared
    std::string comparison;   // ">=" or "<="
    double target = 0;
    std::string unit;  // "x", "leads/s", "ms", "rows/s"
    std::optional<double> measured;
    std::string verdict;  // pass, miss, n/a
    std::string detail;
};

// A statement lead_router ran in the plan capture (plan_capture.h), per caller.
struct ExplainPlan {
    std::string name;                               // "<caller> #<n>", n in the order the caller first ran them
    std::string caller;                             // the lead_router function the client called (route_lead, ...)
    std::string statement;                          // its text, as the server ran it
    std::string summary;                            // what it does: "UPDATE leads, INSERT routing_logs", ...
    long calls = 0;                                 // executions captured
    double mean_ms = 0, median_ms = 0, max_ms = 0;  // auto_explain's durations
    std::vector<std::string> access_paths;          // indexes used, "Seq Scan on x"
    std::string plan;                               // EXPLAIN (ANALYZE, BUFFERS) text of the median execution
};

struct RunInfo {
    std::string started_at, finished_at;  // UTC, ISO 8601
    double wall_s = 0;
    std::string git_commit;
    bool git_dirty = false;
    std::string server_version, server_version_full, extension_version;
    std::vector<std::pair<std::string, std::string>> settings;  // name, current_setting()
    int nproc = 0;
    long long memory_mb = 0;
    std::string cpu_model, kernel;
    std::string loadavg;  // /proc/loadavg's 1, 5, 15 minute figures when the run started
    lead_router::core::Json parameters = lead_router::core::Json::object();  // the options
    std::vector<Measurement> measurements;
    std::vector<Bar> bars;
    std::vector<ExplainPlan> explains;
    std::vector<std::string> explain_problems;  // non-empty: the capture failed (exit 1)
    long long explain_table_leads = 0;
    long long explain_notices = 0;  // plans auto_explain sent, kept or not
    bool generic_plans = true;

    std::string role = "main";  // "baseline": the 0.5.0 pass of a --compare-050 run
    using Json = lead_router::core::Json;
    Json library = Json::object();    // the lead_router library the server mapped, its sha256
    Json identity = nullptr;          // the identity scenario's verdicts
    Json sustained = nullptr;         // the sustained scenario's minutes, tables, vacuum
    Json pool = nullptr;              // the pool scenario's ratios, lock waits, shares
    Json arrival = nullptr;           // arrival latency per rate and mode, backlog
    Json drain = nullptr;             // drain throughput per lead_router.workers
    Json wal_splits = Json::array();  // pg_waldump splits of selected measurements
    Json profiles = Json::array();    // perf profiles (or why there are none)
    Json normalize = nullptr;         // bench/micro/normalize_bench's document
    Json baseline = nullptr;          // the 0.5.0 pass's results document
    Json paired = nullptr;            // route_lead against 0.5.0 in alternating pairs (paired.h)
};

std::vector<Bar> compute_bars(const RunInfo& run, int bar_clients);

// This version ÷ 0.5.0 for every measurement of the baseline pass that this run also made (same
// scenario, variant, clients, table size): leads/s, p95 and WAL per lead of both, ratios.
lead_router::core::Json versus_baseline(const RunInfo& run);

std::string to_json(const RunInfo& run);
std::string to_markdown(const RunInfo& run);
std::string explain_markdown(const RunInfo& run);

// One row of the Markdown table, also printed as progress while the run goes.
std::string markdown_row(const Measurement& m);
std::string markdown_header();

}  // namespace bench
