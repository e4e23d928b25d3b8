// The issue's main requirement: 10,000 leads (10 % of them rewritten duplicates) over 3
// source workspaces with overlapping rules, drained by 8 connections calling
// route_pending_leads concurrently; afterwards every invariant of exactly-once routing is
// checked against the tables.  The run happens once (concurrent_routing_run.cpp); each test
// case below checks one property of it, so that a failure names the property.  The owner
// check against the test's own rule evaluator is in concurrent_owner_test.cpp.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "concurrent_routing_run.h"
#include "sql_checks.h"

using namespace lrtest;

TEST_CASE("concurrent: 8 connections drain every due lead without errors", "[concurrent]") {
    const ConcurrentRun& run = concurrent_run();
    INFO("errors: " << examples(run.errors, 10));
    CHECK(run.errors.empty());
    pqxx::connection conn = run.db.connect();
    CHECK(scalar_int(conn, kDuePendingSql) == 0);
    CHECK(run.stats.calls > 0);
    // every lead came back from some call with an outcome other than 'locked'
    std::set<std::string> settled;
    for (const RouteRow& row : run.rows) {
        if (row.status != "locked") settled.insert(row.lead_id);
    }
    CHECK(settled.size() == run.fixture.leads.size());
}

TEST_CASE("concurrent: the fixture has overlapping rules, unmatched leads and rewritten duplicates", "[concurrent]") {
    const ConcurrentRun& run = concurrent_run();
    const Fixture& f = run.fixture;
    std::map<int, std::vector<const rules::Rule*>> order;
    for (const int s : f.sources) order[s] = rules::evaluation_order(f.rules, s);
    int unmatched = 0, overlapping = 0, copies = 0, copies_elsewhere = 0;
    std::map<int, int> source_of_identity;
    for (const GeneratedLead& l : f.leads) {
        if (!l.rewritten_copy) source_of_identity[l.identity] = l.source;
    }
    for (const GeneratedLead& l : f.leads) {
        const auto& rules = order[l.source];
        if (rules::expected_rule(rules, l.inputs) == nullptr) ++unmatched;
        if (rules::matching_rules(rules, l.inputs) >= 2) ++overlapping;
        if (l.rewritten_copy) {
            ++copies;
            if (source_of_identity[l.identity] != l.source) ++copies_elsewhere;
        }
    }
    const double n = static_cast<double>(f.leads.size());
    INFO("unmatched " << unmatched << ", overlapping " << overlapping << ", copies " << copies << " ("
                      << copies_elsewhere << " in another source)");
    CHECK(f.leads.size() == static_cast<std::size_t>(kConcurrentLeads));
    CHECK(unmatched / n >= 0.08);
    CHECK(unmatched / n <= 0.18);
    CHECK(overlapping / n >= 0.25);
    CHECK(copies == static_cast<int>(kConcurrentLeads * kDuplicateShare));
    CHECK(copies_elsewhere >= copies / 5);
}

TEST_CASE("concurrent: rewritten identities share one dedupe_hash, others do not", "[concurrent]") {
    const ConcurrentRun& run = concurrent_run();
    pqxx::connection conn = run.db.connect();
    const pqxx::result r = exec(conn, "SELECT id, dedupe_hash FROM lead_router.leads");
    std::map<std::string, int> identity_of;
    for (const GeneratedLead& l : run.fixture.leads) identity_of[l.id] = l.identity;
    std::map<int, std::set<std::string>> hashes_of_identity;
    std::map<std::string, std::set<int>> identities_of_hash;
    int null_hashes = 0;
    for (const pqxx::row& row : r) {
        if (row[1].is_null()) {
            ++null_hashes;
            continue;
        }
        const int identity = identity_of.at(row[0].c_str());
        hashes_of_identity[identity].insert(row[1].c_str());
        identities_of_hash[row[1].c_str()].insert(identity);
    }
    std::vector<std::string> split, merged;
    for (const auto& [identity, hashes] : hashes_of_identity) {
        if (hashes.size() > 1) split.push_back("identity " + std::to_string(identity));
    }
    for (const auto& [hash, identities] : identities_of_hash) {
        if (identities.size() > 1) merged.push_back(hash);
    }
    CHECK(static_cast<int>(r.size()) == kConcurrentLeads);
    CHECK(null_hashes == 0);
    INFO("identities whose rewritten copies got another hash: " << examples(split));
    CHECK(split.empty());
    INFO("hashes shared by different identities: " << examples(merged));
    CHECK(merged.empty());
    CHECK(static_cast<int>(identities_of_hash.size()) == run.fixture.identities);
}

TEST_CASE("concurrent: every lead ends routed, or pending with an open queue row, or failed", "[concurrent]") {
    const ConcurrentRun& run = concurrent_run();
    pqxx::connection conn = run.db.connect();
    CHECK_NO_ROWS(conn, "leads left in routing or expired", R"sql(
        SELECT id, routing_status FROM lead_router.leads
         WHERE routing_status NOT IN ('routed', 'pending', 'failed'))sql");
    CHECK_NO_ROWS(conn, "pending leads without an open queue row", R"sql(
        SELECT l.id FROM lead_router.leads l
         WHERE l.routing_status = 'pending'
           AND NOT EXISTS (SELECT 1 FROM lead_router.routing_queue q
                            WHERE q.lead_id = l.id AND q.processed_at IS NULL))sql");
    CHECK_NO_ROWS(conn, "failed leads without a 'failed' audit row", R"sql(
        SELECT l.id FROM lead_router.leads l
         WHERE l.routing_status = 'failed'
           AND NOT EXISTS (SELECT 1 FROM lead_router.routing_logs g
                            WHERE g.lead_id = l.id AND g.routing_result = 'failed'))sql");
    CHECK_NO_ROWS(conn, "routed leads with an open queue row", R"sql(
        SELECT l.id FROM lead_router.leads l
          JOIN lead_router.routing_queue q ON q.lead_id = l.id AND q.processed_at IS NULL
         WHERE l.routing_status = 'routed')sql");
    CHECK_NO_ROWS(conn, "leads still holding a routing lock", R"sql(
        SELECT id FROM lead_router.leads
         WHERE routing_locked_by IS NOT NULL OR routing_locked_at IS NOT NULL)sql");
}

TEST_CASE("concurrent: one terminal audit row per routed or failed lead, none per pending lead", "[concurrent]") {
    const ConcurrentRun& run = concurrent_run();
    pqxx::connection conn = run.db.connect();
    // terminal: success (routed original), duplicate (routed duplicate), failed
    CHECK_NO_ROWS(conn, "routed/failed leads without exactly one terminal audit row of their kind",
                  R"sql(
        SELECT l.id, l.routing_status, t.results
          FROM lead_router.leads l
          LEFT JOIN LATERAL (
               SELECT pg_catalog.array_agg(g.routing_result ORDER BY g.id)::text AS results,
                      count(*) AS n
                 FROM lead_router.routing_logs g
                WHERE g.lead_id = l.id AND g.routing_result IN ('success', 'duplicate', 'failed')) t
            ON true
         WHERE l.routing_status IN ('routed', 'failed')
           AND (t.n <> 1
                OR t.results <> CASE WHEN l.routing_status = 'failed' THEN '{failed}'
                                     WHEN l.duplicate_of IS NOT NULL THEN '{duplicate}'
                                     ELSE '{success}' END))sql");
    CHECK_NO_ROWS(conn, "pending leads with a terminal audit row", R"sql(
        SELECT l.id FROM lead_router.leads l
         WHERE l.routing_status = 'pending'
           AND EXISTS (SELECT 1 FROM lead_router.routing_logs g
                        WHERE g.lead_id = l.id
                          AND g.routing_result IN ('success', 'duplicate', 'failed')))sql");
    CHECK_NO_ROWS(conn, "leads with two 'success' audit rows", R"sql(
        SELECT lead_id, count(*) FROM lead_router.routing_logs
         WHERE routing_result = 'success' GROUP BY lead_id HAVING count(*) > 1)sql");
    // The first retry is due 1 min (-10 % jitter) after a failed attempt: a lead routed
    // again sooner was picked although it was not due, and burnt one of its attempts.
    CHECK_NO_ROWS(conn, "leads attempted again before their retry was due", R"sql(
        SELECT lead_id, routing_result, created_at, next_attempt_at
          FROM (SELECT g.lead_id, g.routing_result, g.created_at,
                       pg_catalog.lead(g.created_at) OVER (PARTITION BY g.lead_id ORDER BY g.id)
                           AS next_attempt_at
                  FROM lead_router.routing_logs g
                 WHERE g.routing_result IN
                       ('success', 'duplicate', 'retry', 'failed', 'no_match')) a
         WHERE routing_result IN ('retry', 'no_match')
           AND next_attempt_at < created_at + interval '54 seconds')sql");
    CHECK_NO_ROWS(conn, "pending leads without the 'no_match' audit row of their attempt", R"sql(
        SELECT l.id FROM lead_router.leads l
         WHERE l.routing_status = 'pending'
           AND NOT EXISTS (SELECT 1 FROM lead_router.routing_logs g
                            WHERE g.lead_id = l.id AND g.routing_result = 'no_match'))sql");
}

TEST_CASE("concurrent: no identity is sold to two partners", "[concurrent]") {
    const ConcurrentRun& run = concurrent_run();
    pqxx::connection conn = run.db.connect();
    CHECK_NO_ROWS(conn, "dedupe hashes owned by two different partner workspaces", R"sql(
        SELECT l.dedupe_hash, count(DISTINCT l.workspace_id)
          FROM lead_router.leads l
          JOIN lead_router.workspaces w ON w.id = l.workspace_id AND w.workspace_type = 'partner'
         WHERE l.routing_status = 'routed' AND l.duplicate_of IS NULL
         GROUP BY l.dedupe_hash HAVING count(DISTINCT l.workspace_id) > 1)sql");
    // stronger: the second lead of an identity is a duplicate even when the same partner
    // would have bought it again
    CHECK_NO_ROWS(conn, "dedupe hashes routed as an original twice", R"sql(
        SELECT dedupe_hash, count(*) FROM lead_router.leads
         WHERE routing_status = 'routed' AND duplicate_of IS NULL
         GROUP BY dedupe_hash HAVING count(*) > 1)sql");
    CHECK_NO_ROWS(conn, "routed originals owned by a non-partner workspace", R"sql(
        SELECT l.id FROM lead_router.leads l
          JOIN lead_router.workspaces w ON w.id = l.workspace_id
         WHERE l.routing_status = 'routed' AND l.duplicate_of IS NULL
           AND w.workspace_type <> 'partner')sql");
}

TEST_CASE("concurrent: duplicates stay in their source and point to the partner-owned original", "[concurrent]") {
    const ConcurrentRun& run = concurrent_run();
    pqxx::connection conn = run.db.connect();
    CHECK_NO_ROWS(conn, "duplicates that moved, or whose original is not a routed partner lead with the same hash",
                  R"sql(
        SELECT d.id, d.duplicate_of
          FROM lead_router.leads d
          LEFT JOIN lead_router.leads o ON o.id = d.duplicate_of
          LEFT JOIN lead_router.workspaces w ON w.id = o.workspace_id
         WHERE d.duplicate_of IS NOT NULL
           AND NOT COALESCE(d.routing_status = 'routed'
                            AND d.workspace_id = d.source_workspace_id
                            AND o.routing_status = 'routed' AND o.duplicate_of IS NULL
                            AND w.workspace_type = 'partner'
                            AND o.dedupe_hash = d.dedupe_hash, false))sql");
    // copies arrive in shuffled order and 10 % of leads are copies: many must be marked
    const long long duplicates =
        scalar_int(conn, "SELECT count(*) FROM lead_router.leads WHERE duplicate_of IS NOT NULL");
    INFO("duplicates marked: " << duplicates);
    CHECK(duplicates > 0);
    CHECK_NO_ROWS(conn, "duplicate audit rows naming another source workspace", R"sql(
        SELECT l.id FROM lead_router.leads l
          JOIN lead_router.routing_logs g ON g.lead_id = l.id AND g.routing_result = 'duplicate'
         WHERE g.source_workspace_id <> l.source_workspace_id)sql");
}
