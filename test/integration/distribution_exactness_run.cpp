// Sets up the scenario of distribution_exactness_run.h and runs it with the sessions of
// router_sessions.h.
#include "distribution_exactness_run.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <utility>

namespace lrtest::distribution {
namespace {

using Clock = std::chrono::steady_clock;

// The Etc/GMT zone (no DST) whose local time is closest to noon now: every cap window starts
// at a local midnight, and B's hours change only at local midnights too, so a run of a few
// minutes starting near local noon stays inside one window and one day, whatever the wall
// clock.  (Etc/GMT-k is UTC+k.)
std::string noon_zone(pqxx::connection& conn) {
    const long long utc_hour = scalar_int(conn, "SELECT extract(hour FROM pg_catalog.now() AT TIME ZONE 'UTC')::int");
    const long long k = 12 - utc_hour;  // -11 .. 12
    if (k == 0) return "Etc/GMT";
    return k > 0 ? "Etc/GMT-" + std::to_string(k) : "Etc/GMT+" + std::to_string(-k);
}

void make_fixture(Run& run) {
    Fixture& f = run.fixture;
    add_workspaces(f, 1, 3);
    run.source = f.workspaces[static_cast<std::size_t>(f.sources[0])].id;
    run.a = f.workspaces[static_cast<std::size_t>(f.partners[0])].id;
    run.b = f.workspaces[static_cast<std::size_t>(f.partners[1])].id;
    run.c = f.workspaces[static_cast<std::size_t>(f.partners[2])].id;
    f.workspaces[static_cast<std::size_t>(f.partners[0])].name = "Partner A (weight 5, 1,000 a day)";
    f.workspaces[static_cast<std::size_t>(f.partners[1])].name = "Partner B (weight 1, closed today)";
    f.workspaces[static_cast<std::size_t>(f.partners[2])].name = "Partner C (weight 1)";
    run.rule = test_uuid(0x5e1ed157u, 1);
    // Leads of people of their own (no two share an email, and none has a phone): every lead
    // is an original, so each one takes a unit of its partner's capacity.
    std::mt19937_64 rng(kSeed);
    for (int n = 0; n < kLeads; ++n) {
        GeneratedLead l;
        l.id = test_uuid(0xd1570000u, static_cast<unsigned long long>(n + 1));
        l.source = f.sources[0];
        l.identity = n;
        l.created_offset_ms = n;  // arrival order: route_pending_leads takes the oldest first
        l.inputs.email = "buyer" + std::to_string(n) + "@distribution" + std::to_string(n % 41) + ".example";
        l.inputs.company_name = "Company " + std::to_string(n);
        l.inputs.company_size = static_cast<int>(std::uniform_int_distribution<int>(1, 5000)(rng));
        f.leads.push_back(std::move(l));
    }
}

void insert_distribution(pqxx::connection& conn, Run& run) {
    run.time_zone = noon_zone(conn);
    pqxx::work tx{conn};
    insert_workspaces(tx, run.fixture);
    exec(tx, "UPDATE lead_router.workspaces SET time_zone = $1 WHERE id = ANY (ARRAY[$2, $3, $4]::uuid[])",
         run.time_zone, run.a, run.b, run.c);
    // The rule distributes over its pool: no single destination; the pool rows follow in the
    // same transaction (the check that a pool rule has members runs at commit).
    exec(tx,
         "INSERT INTO lead_router.routing_rules "
         "(id, workspace_id, name, priority, is_active, conditions, destination_workspace_id) "
         "VALUES ($1, $2, 'every lead: pool A:5 B:1 C:1', 10, true, '{}'::jsonb, NULL)",
         run.rule, run.source);
    exec(tx,
         "INSERT INTO lead_router.routing_rule_destinations (rule_id, destination_workspace_id, weight) "
         "VALUES ($1, $2, $5), ($1, $3, $6), ($1, $4, $7)",
         run.rule, run.a, run.b, run.c, kWeightA, kWeightB, kWeightC);
    exec(tx,
         "INSERT INTO lead_router.partner_caps (workspace_id, period, max_leads) "
         "VALUES ($1, 'day', $4), ($1, 'week', 1000000), ($2, 'day', 100000), ($3, 'day', 100000)",
         run.a, run.b, run.c, kCapA);
    // B accepts leads only on the weekday three days from today, in its own zone: closed all
    // day today (and tomorrow), whatever the time.
    const long long today =
        scalar_int(tx, "SELECT extract(isodow FROM pg_catalog.now() AT TIME ZONE $1)::int", run.time_zone);
    run.b_open_weekday = static_cast<int>((today + 2) % 7 + 1);
    exec(tx,
         "INSERT INTO lead_router.partner_hours (workspace_id, iso_weekday, opens, closes) "
         "VALUES ($1, $2, '09:00', '17:00')",
         run.b, run.b_open_weekday);
    insert_leads(tx, run.fixture);
    tx.commit();
}

std::unique_ptr<Run> execute() {
    auto run = std::make_unique<Run>();
    make_fixture(*run);
    pqxx::connection setup = sessions::session(run->db, "lead_router_it_dist_setup");
    {
        const auto started = Clock::now();
        insert_distribution(setup, *run);
        exec(setup, "ANALYZE lead_router.leads");
        run->stats.insert_s = std::chrono::duration<double>(Clock::now() - started).count();
    }

    // route_lead takes the leads newest first (shuffled within blocks of kBlock), while the
    // batches take the oldest due first: both kinds route from the first moment on, so the
    // pool row is contended by both from the start (a random order would have route_lead meet
    // mostly leads a batch had already decided, as a batch routes 50 at a time), and they meet
    // in the middle, where the leads one holds come back 'locked' to the other.
    constexpr std::size_t kBlock = 100;
    std::vector<std::string> order;
    for (auto l = run->fixture.leads.rbegin(); l != run->fixture.leads.rend(); ++l) order.push_back(l->id);
    std::mt19937_64 order_rng(kSeed + 1);
    for (std::size_t at = 0; at < order.size(); at += kBlock) {
        const auto first = order.begin() + static_cast<std::ptrdiff_t>(at);
        const auto last = order.begin() + static_cast<std::ptrdiff_t>(std::min(at + kBlock, order.size()));
        std::shuffle(first, last, order_rng);
    }

    const sessions::Config config{
        "lead_router_it_dist_", kLeadSessions, kBatchSessions, kBatchSize, {sessions::Field::error}};
    const auto clock_text = [&] { return scalar(setup, "SELECT pg_catalog.clock_timestamp()::text"); };
    sessions::run_sessions(
        config, run->db, std::move(order), run->reports, run->errors, run->stats,
        [&] { run->started_at = clock_text(); }, [&] { run->ended_at = clock_text(); });
    // the credits and counters of shared memory into routing_pool_state and partner_cap_usage,
    // which the test cases read
    exec(setup, "SELECT lead_router.save_distribution_state()");
    const RunStats& st = run->stats;
    std::printf(
        "distribution exactness: %zu leads inserted in %.2f s (partners in %s, B open on ISO "
        "weekday %d only); %d route_lead + %d route_pending_leads(%d) sessions decided them in "
        "%.2f s (%.0f leads/s): %ld route_lead calls (%ld retries of 'locked' leads), %ld "
        "route_pending_leads calls, %ld 'locked' answers, %zu errors\n",
        run->fixture.leads.size(), st.insert_s, run->time_zone.c_str(), run->b_open_weekday, kLeadSessions,
        kBatchSessions, kBatchSize, st.wall_s, static_cast<double>(run->fixture.leads.size()) / st.wall_s,
        st.lead_calls, st.locked_retries, st.batch_calls, st.locked_answers, run->errors.size());
    std::fflush(stdout);
    return run;
}

// The run, once made; released by release_distribution_run().
sessions::RunOnce<Run>& slot() {
    static sessions::RunOnce<Run> s;
    return s;
}

}  // namespace

const Run& distribution_run() { return slot().get("distribution exactness", execute); }

void release_distribution_run() { slot().release(); }

}  // namespace lrtest::distribution
