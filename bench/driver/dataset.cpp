#include "dataset.h"

#include <chrono>
#include <cstdio>
#include <thread>

namespace bench {
namespace {

constexpr long kHistoryChunk = 200000;
const char* const kRetryWorkspace = "30000000-0000-4000-8000-000000000001";

}  // namespace

void Dataset::grow_history(long long target) {
    long long h = history();
    while (h < target) {
        h = count("SELECT bench.grow_history($1::bigint, $2::integer)", target, kHistoryChunk);
        std::fprintf(stderr, "  history: %lld leads\n", h);
    }
    settle();
}

// No CHECKPOINT here, on purpose: after a checkpoint the first change of every page writes a
// full-page image to the WAL, which would charge the next measurement (and most the one on the
// largest table, whose index pages are the most numerous) for the checkpoint instead of for
// routing.  The server's checkpoint_timeout / max_wal_size keep checkpoints out of the run;
// the runner notes any that happens during a measurement anyway.
void Dataset::settle() {
    exec("VACUUM (ANALYZE) lead_router.leads");
    exec("VACUUM (ANALYZE) lead_router.routing_queue");
}

WorkingSet Dataset::prepare(long n, double dup_share, double nomatch_share, const std::string& source_workspace) {
    const char* source = source_workspace.empty() ? nullptr : source_workspace.c_str();  // NULL
    exec("SELECT bench.new_working_set($1::integer, $2::float8, $3::float8, $4::uuid)", n, dup_share, nomatch_share,
         source);
    settle();
    WorkingSet ws;
    const pqxx::result ids = exec("SELECT * FROM bench.working_set_ids()");
    ws.ids.reserve(ids.size());
    for (const pqxx::row& row : ids) ws.ids.push_back(row[0].c_str());
    ws.leads_in_table = leads_in_table();
    return ws;
}

WorkingSet Dataset::prepare_identity(long n, double variant_share, double near_share, double nomatch_share) {
    exec("SELECT bench.new_identity_set($1::integer, $2::float8, $3::float8, $4::float8)", n, variant_share, near_share,
         nomatch_share);
    settle();
    WorkingSet ws;
    const pqxx::result ids = exec("SELECT * FROM bench.working_set_ids()");
    ws.ids.reserve(ids.size());
    for (const pqxx::row& row : ids) ws.ids.push_back(row[0].c_str());
    ws.leads_in_table = leads_in_table();
    return ws;
}

std::pair<WorkingSet, WorkingSet> Dataset::prepare_pool(long n, double nomatch_share) {
    exec("SELECT bench.new_pool_working_set($1::integer, $2::float8)", n, nomatch_share);
    settle();
    std::pair<WorkingSet, WorkingSet> sets;
    sets.first.leads_in_table = sets.second.leads_in_table = leads_in_table();
    for (const pqxx::row& row : exec("SELECT * FROM bench.working_set_ids_of(bench.single_workspace())")) {
        sets.first.ids.push_back(row[0].c_str());
    }
    for (const pqxx::row& row : exec("SELECT * FROM bench.working_set_ids_of(bench.pool_workspace())")) {
        sets.second.ids.push_back(row[0].c_str());
    }
    return sets;
}

long long Dataset::prepare_retry_queue(long n) {
    // Leads of the rule-less retry workspace: every routing attempt queues them.
    exec("SELECT bench.new_working_set($1::integer, 0, 1, $2::uuid)", n, kRetryWorkspace);
    while (count("SELECT count(*) FROM lead_router.route_pending_leads(1000)") > 0) {
    }
    exec(
        "INSERT INTO lead_router.routing_rules"
        "       (workspace_id, name, priority, conditions, destination_workspace_id)"
        " VALUES ($1::uuid, 'Retry catch-all', 1, '{}', (bench.partner_workspaces())[1])",
        kRetryWorkspace);
    exec(
        "UPDATE lead_router.routing_queue SET next_retry_at = now() - interval '1 second'"
        " WHERE processed_at IS NULL AND workspace_id = $1::uuid",
        kRetryWorkspace);
    exec(
        "UPDATE lead_router.leads SET routing_due_at = now() - interval '1 second'"
        " WHERE routing_status = 'pending' AND source_workspace_id = $1::uuid",
        kRetryWorkspace);
    settle();
    return due_retries();
}

long long Dataset::due_retries() {
    return count(
        "SELECT count(*) FROM lead_router.routing_queue"
        " WHERE processed_at IS NULL AND next_retry_at <= now() AND workspace_id = $1::uuid",
        kRetryWorkspace);
}

long long Dataset::routed_retries() {
    return count(
        "SELECT count(*) FROM lead_router.leads"
        " WHERE source_workspace_id = $1::uuid AND routing_status = 'routed'",
        kRetryWorkspace);
}

bool Dataset::worker_serves_this_database() {
    if (!exec("SELECT current_setting('lead_router.database', true) = current_database()")[0][0].as<bool>(false)) {
        return false;
    }
    // The bench database is created after the server started: the postmaster restarts the
    // worker that found no database within a few seconds.
    for (int i = 0; i < 60; ++i) {
        if (exec("SELECT EXISTS (SELECT 1 FROM pg_stat_activity"
                 "                WHERE backend_type = 'lead_router worker' AND datname = current_database())")[0][0]
                .as<bool>(false)) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return false;
}

void Dataset::enable_worker(bool on) {
    exec(on ? "ALTER SYSTEM SET lead_router.worker_enabled = on" : "ALTER SYSTEM RESET lead_router.worker_enabled");
    exec("SELECT pg_reload_conf()");
}

void Dataset::drop_retry_rule() {
    exec("DELETE FROM lead_router.routing_rules WHERE workspace_id = $1::uuid", kRetryWorkspace);
}

bool Dataset::has_setting(const std::string& name) {
    return exec("SELECT EXISTS (SELECT 1 FROM pg_settings WHERE name = $1)", name)[0][0].as<bool>();
}

void Dataset::clear_working_sets() {
    exec("SELECT bench.clear_working_sets()");
    settle();
}

bool Dataset::has_table(const std::string& name) {
    return exec("SELECT to_regclass($1) IS NOT NULL", name)[0][0].as<bool>();
}

bool Dataset::has_function(const std::string& signature) {
    return exec("SELECT to_regprocedure($1) IS NOT NULL", signature)[0][0].as<bool>();
}

}  // namespace bench
