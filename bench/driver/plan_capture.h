// The plans of the statements lead_router's functions really run, captured as they run
// (bench/README.md, "EXPLAIN").
//
// A capture connection loads auto_explain into its session (LOAD 'auto_explain', superuser)
// with log_min_duration = 0, log_nested_statements, log_analyze, log_buffers, log_triggers
// and log_level = notice: the server sends the plan of every statement it executes for that
// session — the client's own and every one nested in it (the extension's saved SPI
// statements, the foreign-key checks their writes fire) — to the client as a NOTICE, which a
// libpqxx errorhandler receives.  Nothing is read from the server log and nothing is
// re-planned: each plan is the one the server ran (generic, as the extension prepares its
// statements with CURSOR_OPT_GENERIC_PLAN; custom with --custom-plans, which sets
// plan_cache_mode = force_custom_plan in these sessions only).  The measurements never run
// on such a connection.
//
// The plan of a nested statement arrives before the plan of the client's statement that ran
// it, so each nested plan is filed under the lead_router function that client statement
// called (its "caller").  Kept: nested statements whose text names a lead_router relation
// (lead_router.x or "lead_router"."x"); the client's own statements (the texts it prepared,
// read back from pg_prepared_statements) are not kept.  Per statement and caller: the number
// of executions, their mean and maximum duration (as auto_explain measured them, ANALYZE
// instrumentation included), its access paths, and the plan of the median execution.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "flows.h"
#include "report.h"

namespace bench {

class PlanCapture {
public:
    explicit PlanCapture(bool generic_plans) : generic_plans_(generic_plans) {}

    // `inner` on a capture connection: its prepare() prepares inner's statements, then loads
    // auto_explain into the session and registers the handler that files the plans here.
    std::unique_ptr<Flow> wrap(std::unique_ptr<Flow> inner);

    // Something that keeps the capture from being complete (the run then fails).
    void problem(const std::string& what);

    // The captured statements: callers in the order first called, a caller's statements in
    // the order first run.  Problems include "no lead_router statement was captured" and any
    // lead_router function called whose statements left no plan.
    std::vector<ExplainPlan> statements() const;
    std::vector<std::string> problems() const;
    long long notices() const;  // plans received, kept or not

    // Called by the handlers (each on its connection's thread).
    struct Execution {
        double ms;
        std::string plan;
    };
    struct Nested {
        std::string statement;
        Execution run;
    };
    void file(const std::string& caller, bool is_function, std::vector<Nested>&& nested);
    void count_notice();
    bool generic_plans() const { return generic_plans_; }

private:
    struct Group {
        std::string caller, statement;
        std::vector<Execution> runs;
    };
    mutable std::mutex mutex_;
    bool generic_plans_;
    std::vector<std::string> callers_;          // in the order first called
    std::map<std::string, long> caller_plans_;  // lead_router function -> nested plans kept
    std::vector<Group> groups_;                 // in the order first run
    std::map<std::pair<std::string, std::string>, std::size_t> index_;
    std::vector<std::string> problems_;
    long long notices_ = 0;
};

}  // namespace bench
