// Concurrent routing sessions shared by the scenarios that route one set of leads from several
// connections at once (identity_concurrency_run.cpp, distribution_exactness_run.cpp): route_lead
// sessions that take the leads in a given order and retry a lead that comes back 'locked' until
// it is decided, and route_pending_leads batch sessions that stop once nothing is due.  Also the
// run-once slot that the scenarios (and concurrent_routing_run.cpp) keep their run in.  The
// session threads use no Catch2 macros (Catch2 v2 assertions are not thread-safe): they record
// every answer and error, and the test cases assert on the main thread.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_database.h"

namespace lrtest::sessions {

// Due leads: the ones route_pending_leads would take.
constexpr const char* kDueSql =
    "SELECT count(*) FROM lead_router.leads WHERE routing_status = 'pending' AND routing_due_at <= "
    "pg_catalog.now()";

// One answer of route_lead or one row of route_pending_leads.  Besides the status and the
// destination, a run records what its Config asks for (the other fields stay empty).
struct Report {
    std::string lead_id;
    std::string status;
    std::optional<std::string> destination, duplicate_lead, duplicate_key;
    std::optional<std::string> error;  // why, when not routed (e.g. what held a 'locked' lead)
    bool batch = false;                // from route_pending_leads
};

// What a Report records besides the status and the destination (a column of both functions).
enum class Field { duplicate_lead, duplicate_key, error };

struct RunStats {
    double insert_s = 0;
    double wall_s = 0;  // from the start signal until every session stopped
    long lead_calls = 0;
    long batch_calls = 0;
    long locked_answers = 0;  // 'locked' from either function (each was decided later)
    long locked_retries = 0;  // route_lead calls that retried a lead that had come back locked
};

struct Config {
    std::string name_prefix;  // of the sessions' application_name: <prefix>route_lead_<i>, ...
    int lead_sessions = 0;    // route_lead, one lead per call
    int batch_sessions = 0;   // route_pending_leads(batch_size)
    int batch_size = 0;
    std::vector<Field> fields;  // what each report records
};

// A session of a run.  It commits without waiting for the WAL flush: what the checks are about
// (who sees which commit, who holds which lock) is the same either way, and waiting for the
// disk on each single-lead transaction of route_lead would only make the run slow on a busy
// machine; durability is not under test here.
pqxx::connection session(const TestDatabase& db, const std::string& name);

// Runs the sessions of `config` on `db`: the route_lead sessions call the leads of `order` in
// that order (each lead once, shared among them, plus the retries of 'locked' ones), the batch
// sessions route the due leads until nothing is due and the route_lead sessions are done.  All
// start together; `at_start` runs once every session is connected, just before the start
// signal, `at_end` once every session stopped.  Appends every report and every error (statement
// errors and deadline misses) and fills the figures of `stats` but insert_s.
void run_sessions(const Config& config, const TestDatabase& db, std::vector<std::string> order,
                  std::vector<Report>& reports, std::vector<std::string>& errors, RunStats& stats,
                  const std::function<void()>& at_start = {}, const std::function<void()>& at_end = {});

// The leads some answer decided (any status but 'locked'), and the ones a batch decided.
struct Decided {
    std::set<std::string> all, by_batch;
    long by_route_lead() const { return static_cast<long>(all.size() - by_batch.size()); }
};
Decided decided_leads(const std::vector<Report>& reports);

// A run made once per test binary, on first use, and kept until released.  A run whose setup
// failed is not tried again: later calls rethrow.
template <typename Run>
class RunOnce {
public:
    // `what` names the run in the error of a failed one ("the <what> run failed: ...").
    const Run& get(const char* what, const std::function<std::unique_ptr<Run>()>& execute) {
        std::lock_guard<std::mutex> guard(mutex_);
        if (run_) return *run_;
        if (!failure_.empty()) throw std::runtime_error(std::string("the ") + what + " run failed: " + failure_);
        try {
            run_ = execute();
        } catch (const pqxx::sql_error& e) {
            failure_ = describe(e);
            throw;
        } catch (const std::exception& e) {
            failure_ = e.what();
            throw;
        }
        return *run_;
    }
    void release() {
        std::lock_guard<std::mutex> guard(mutex_);
        run_.reset();
    }

private:
    std::mutex mutex_;
    std::unique_ptr<Run> run_;
    std::string failure_;
};

}  // namespace lrtest::sessions
