// The driver's side of bench/sql/dataset.sql: growing the history, preparing each
// measurement's working set, and setting up the retry queue.  Everything here happens before
// a measurement's clock starts.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

namespace bench {

struct WorkingSet {
    std::vector<std::string> ids;  // its pending leads, in arrival order
    long long leads_in_table = 0;  // rows in lead_router.leads, history included
};

class Dataset {
public:
    explicit Dataset(pqxx::connection& admin) : admin_(admin) {}

    long long history() { return count("SELECT history FROM bench.state"); }
    long long leads_in_table() { return count("SELECT count(*) FROM lead_router.leads"); }

    // Grows the history to `target` leads in chunks (each its own transaction), then VACUUM
    // ANALYZE: what a table that has been in production looks like to the planner.
    void grow_history(long long target);

    // Deletes the previous working set and creates a fresh one of n pending leads, then
    // vacuums, so that every measurement starts from the same clean state (no dead rows of
    // the previous measurement).
    WorkingSet prepare(long n, double dup_share, double nomatch_share, const std::string& source_workspace = "");

    // The identity scenario's working set (bench.new_identity_set in sql/dataset.sql): n
    // pending leads, variants and near misses of originals routed with them among them; then
    // vacuums.  bench.identity_plan tells which is which.
    WorkingSet prepare_identity(long n, double variant_share, double near_share, double nomatch_share);

    // The pool scenario's working set (bench.new_pool_working_set): n pending leads, half of
    // the single-destination workspace, half of the pool workspace, interleaved in arrival
    // order; then vacuums.  Returns {single, pool}.
    std::pair<WorkingSet, WorkingSet> prepare_pool(long n, double nomatch_share);

    // Retry queue: n leads that match no rule are routed (and so queued), then a rule that
    // matches them is added and their retries are made due now.  Returns the due queue rows.
    long long prepare_retry_queue(long n);
    long long due_retries();     // open, due queue rows of the retry workspace
    long long routed_retries();  // leads of the retry workspace routed so far
    void drop_retry_rule();

    // The background worker drains this database's queue when lead_router.database names it
    // and lead_router.worker_enabled is on (toggled with ALTER SYSTEM and a reload).
    bool worker_serves_this_database();
    void enable_worker(bool on);

    // Deletes every working set (leads created after the epoch), then vacuums.
    void clear_working_sets();

    bool has_function(const std::string& signature);
    bool has_table(const std::string& name);
    bool has_setting(const std::string& name);

    template <typename... Args>
    long long query_count(const std::string& sql, Args&&... args) {
        return count(sql, std::forward<Args>(args)...);
    }
    // Every statement on the admin connection goes through these.
    template <typename... Args>
    pqxx::result query(const std::string& sql, Args&&... args) {
        return exec(sql, std::forward<Args>(args)...);
    }

private:
    void settle();  // VACUUM (ANALYZE)

    // One statement on the admin connection, in its own transaction (autocommit), its values
    // as parameters.
    template <typename... Args>
    pqxx::result exec(const std::string& sql, Args&&... args) {
        pqxx::nontransaction tx{admin_};
        return tx.exec_params(sql, std::forward<Args>(args)...);
    }
    // The integer a one-row, one-column statement returns.
    template <typename... Args>
    long long count(const std::string& sql, Args&&... args) {
        pqxx::nontransaction tx{admin_};
        return tx.exec_params1(sql, std::forward<Args>(args)...)[0].template as<long long>();
    }

    pqxx::connection& admin_;
};

}  // namespace bench
