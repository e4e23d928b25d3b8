// Exactness of distribution under concurrency (issue 12 item 3, SPEC.md "Distribution"): the
// run of distribution_exactness_run.h -- 5,000 leads, one rule distributing over the pool
// {A:5, B:1, C:1}, A capped at 1,000 a day, B closed all day, 8 sessions mixing route_lead and
// route_pending_leads -- checked one property per test case: every lead is decided; A has
// exactly 1,000, B none, C the rest, each lead routed once; every cap counter equals what was
// routed in its window (nothing counted twice); while A was eligible, A and C shared 5:1 to
// within one lead (the pool's credits are those of one sequence); B was closed throughout, and the
// audit says so when it names it.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "distribution_exactness_run.h"
#include "sql_checks.h"

using namespace lrtest;
using namespace lrtest::distribution;

namespace {

// The run's database is dropped when the test run ends (libpqxx's statics may be gone at exit).
struct ReleaseDistributionRun : Catch::TestEventListenerBase {
    using TestEventListenerBase::TestEventListenerBase;
    void testRunEnded(const Catch::TestRunStats& stats) override {
        release_distribution_run();
        TestEventListenerBase::testRunEnded(stats);
    }
};

// Each lead's final state.  routed: owned by a pool member, one success audit row, no
// duplicate or failure row, no open queue row.  deferred: pending with one open queue row, a
// deferred audit row with its reason, and no terminal row.  failed: one failed audit row and
// no success.  Anything else is unaccounted (lost, or counted twice).
constexpr const char* kFinalStateSql = R"sql(
SELECT l.id, l.routing_status::text, l.workspace_id,
       CASE WHEN l.routing_status = 'routed' AND l.duplicate_of IS NULL
                 AND l.workspace_id IN (SELECT destination_workspace_id
                                          FROM lead_router.routing_rule_destinations)
                 AND a.success = 1 AND a.duplicate = 0 AND a.failed = 0 AND q.open = 0
            THEN 'routed'
            WHEN l.routing_status = 'pending' AND l.duplicate_of IS NULL AND q.open = 1
                 AND a.deferred >= 1 AND a.deferred_without_reason = 0
                 AND a.success + a.duplicate + a.failed = 0
            THEN 'deferred'
            WHEN l.routing_status = 'failed' AND q.open = 0 AND a.failed = 1
                 AND a.success + a.duplicate = 0
            THEN 'failed'
            ELSE 'unaccounted' END AS class,
       a.success, a.duplicate, a.deferred, a.failed, q.open
  FROM lead_router.leads l
 CROSS JOIN LATERAL (
       SELECT count(*) FILTER (WHERE g.routing_result = 'success') AS success,
              count(*) FILTER (WHERE g.routing_result = 'duplicate') AS duplicate,
              count(*) FILTER (WHERE g.routing_result = 'deferred') AS deferred,
              count(*) FILTER (WHERE g.routing_result = 'deferred' AND g.error_message IS NULL)
                  AS deferred_without_reason,
              count(*) FILTER (WHERE g.routing_result = 'failed') AS failed
         FROM lead_router.routing_logs g
        WHERE g.lead_id = l.id) a
 CROSS JOIN LATERAL (
       SELECT count(*) AS open FROM lead_router.routing_queue q
        WHERE q.lead_id = l.id AND q.processed_at IS NULL) q)sql";

// Rows of a two-column query (text, integer) as a map.
std::map<std::string, long long> counts_by(pqxx::connection& conn, const std::string& sql) {
    std::map<std::string, long long> out;
    for (const pqxx::row& row : exec(conn, sql)) out[row[0].c_str()] = row[1].as<long long>();
    return out;
}

}  // namespace

// CHECK_NO_ROWS with parameters ($1, ...) for the query.
#define CHECK_NO_ROWS_WITH(conn, what, sql, ...)                                              \
    do {                                                                                      \
        const pqxx::result check_no_rows_result = ::lrtest::exec((conn), (sql), __VA_ARGS__); \
        INFO(what << ": " << check_no_rows_result.size() << " offending row(s), e.g. "        \
                  << ::lrtest::examples(check_no_rows_result));                               \
        CHECK(check_no_rows_result.size() == 0u);                                             \
    } while (false)

CATCH_REGISTER_LISTENER(ReleaseDistributionRun)

TEST_CASE("distribution exactness: 8 sessions decide all 5,000 leads, retrying 'locked' ones",
          "[distribution-exactness]") {
    const Run& run = distribution_run();
    INFO("errors: " << examples(run.errors, 10));
    CHECK(run.errors.empty());
    pqxx::connection conn = run.db.connect();
    CHECK(scalar_int(conn, sessions::kDueSql) == 0);
    // every lead got an answer other than 'locked'; both functions decided a fair share
    const sessions::Decided d = sessions::decided_leads(run.reports);
    const std::set<std::string>& decided = d.all;
    const std::set<std::string>& by_batch = d.by_batch;
    const long by_route_lead = d.by_route_lead();
    std::map<std::string, long> locked_why;
    for (const Report& r : run.reports) {
        if (r.status == "locked") {
            ++locked_why[(r.batch ? "route_pending_leads: " : "route_lead: ") + r.error.value_or("NULL")];
        }
    }
    std::string why;
    for (const auto& [text, count] : locked_why) {
        why += (why.empty() ? "" : "; ") + text + " x" + std::to_string(count);
    }
    std::printf("distribution exactness: 'locked' answers: %s\n", why.empty() ? "none" : why.c_str());
    std::printf("distribution exactness: route_pending_leads decided %zu leads, route_lead %ld\n", by_batch.size(),
                by_route_lead);
    INFO("route_pending_leads decided " << by_batch.size() << " leads, route_lead " << by_route_lead);
    CHECK(decided.size() == static_cast<std::size_t>(kLeads));
    // Both functions decided leads.  route_lead's share is smaller: a batch decides up to 50
    // leads in one turn on the pool where route_lead decides one.
    CHECK(static_cast<long>(by_batch.size()) >= kLeads / 2);
    CHECK(by_route_lead >= kLeads / 100);
    // the sessions did meet: some leads came back 'locked' and were decided later
    CHECK(run.stats.locked_answers > 0);
}

TEST_CASE("distribution exactness: A has exactly 1,000, B none, C the rest, each lead routed once",
          "[distribution-exactness]") {
    const Run& run = distribution_run();
    pqxx::connection conn = run.db.connect();
    std::map<std::string, long> by_class;
    std::map<std::string, long> owner_of_routed;
    std::map<std::string, std::string> owner;
    for (const pqxx::row& row : exec(conn, kFinalStateSql)) {
        ++by_class[row[3].c_str()];
        if (std::string(row[3].c_str()) == "routed") {
            ++owner_of_routed[row[2].c_str()];
            owner[row[0].c_str()] = row[2].c_str();
        }
    }
    CHECK_NO_ROWS(conn,
                  "leads neither routed once, deferred with a reason, nor failed "
                  "(id/status/owner/class/success/duplicate/deferred/failed/open queue)",
                  std::string("SELECT * FROM (") + kFinalStateSql + ") s WHERE class = 'unaccounted'");
    CHECK_NO_ROWS(conn, "leads with more than one success audit row (lead/rows)", R"sql(
        SELECT lead_id, count(*) FROM lead_router.routing_logs
         WHERE routing_result = 'success' GROUP BY lead_id HAVING count(*) > 1)sql");
    CHECK_NO_ROWS(conn, "success audit rows whose destination is not the lead's owner", R"sql(
        SELECT g.id, g.lead_id, g.destination_workspace_id, l.workspace_id
          FROM lead_router.routing_logs g JOIN lead_router.leads l ON l.id = g.lead_id
         WHERE g.routing_result = 'success'
           AND (g.destination_workspace_id IS DISTINCT FROM l.workspace_id
                OR g.matched_rule_id IS DISTINCT FROM
                   (SELECT id FROM lead_router.routing_rules LIMIT 1)))sql");
    CHECK_NO_ROWS(conn, "leads still holding a routing lock", R"sql(
        SELECT id FROM lead_router.leads
         WHERE routing_locked_by IS NOT NULL OR routing_locked_at IS NOT NULL)sql");
    const std::map<std::string, long long> audited =
        counts_by(conn,
                  "SELECT destination_workspace_id::text, count(*) FROM lead_router.routing_logs "
                  "WHERE routing_result = 'success' GROUP BY 1");
    const std::map<std::string, long long> results =
        counts_by(conn, "SELECT routing_result, count(*) FROM lead_router.routing_logs GROUP BY 1");
    const auto of = [](const auto& m, const std::string& k) {
        const auto it = m.find(k);
        return it == m.end() ? 0LL : static_cast<long long>(it->second);
    };

    // what the calls answered agrees with the tables
    std::vector<std::string> disagree;
    for (const Report& r : run.reports) {
        if (r.status == "routed") {
            const auto it = owner.find(r.lead_id);
            if (it == owner.end() || r.destination != it->second) {
                disagree.push_back(r.lead_id + ": answered routed to " + r.destination.value_or("NULL") +
                                   ", table says " + (it == owner.end() ? std::string("not routed") : it->second));
            }
        } else if (r.status != "locked") {
            disagree.push_back(r.lead_id + ": answered " + r.status);
        }
    }

    const long long a = of(owner_of_routed, run.a), b = of(owner_of_routed, run.b), c = of(owner_of_routed, run.c);
    std::printf(
        "distribution exactness: A %lld (daily cap %d), B %lld (closed), C %lld; %ld routed, %ld "
        "deferred, %ld failed, %ld unaccounted of %d leads; success audit rows A %lld, B %lld, "
        "C %lld (%lld in all, %lld duplicate, %lld deferred); %ld 'locked' answers, %ld "
        "route_lead retries; routing took %.2f s\n",
        a, kCapA, b, c, by_class["routed"], by_class["deferred"], by_class["failed"], by_class["unaccounted"], kLeads,
        of(audited, run.a), of(audited, run.b), of(audited, run.c), of(results, "success"), of(results, "duplicate"),
        of(results, "deferred"), run.stats.locked_answers, run.stats.locked_retries, run.stats.wall_s);
    std::fflush(stdout);

    CHECK(a == kCapA);
    CHECK(b == 0);
    CHECK(c == kLeads - kCapA);  // C is always eligible: it takes everything A cannot
    CHECK(by_class["routed"] == kLeads);
    CHECK(by_class["unaccounted"] == 0);
    CHECK(by_class["routed"] + by_class["deferred"] + by_class["failed"] == kLeads);
    // one success audit row per routed lead, to the lead's owner, per partner
    CHECK(of(audited, run.a) == a);
    CHECK(of(audited, run.b) == 0);
    CHECK(of(audited, run.c) == c);
    CHECK(of(results, "success") == kLeads);
    // all originals (no shared identities); C was always there, so nobody was deferred
    CHECK(of(results, "duplicate") == 0);
    CHECK(of(results, "deferred") == 0);
    INFO("answers that disagree with the tables: " << examples(disagree));
    CHECK(disagree.empty());
}

TEST_CASE("distribution exactness: every cap counter equals what was routed in its window",
          "[distribution-exactness]") {
    const Run& run = distribution_run();
    pqxx::connection conn = run.db.connect();
    // The run stayed in one local day (and week) of the partners' zone: every routing counted
    // in the window that contains the run.
    CHECK(scalar_int(conn,
                     "SELECT count(DISTINCT (l.routed_at AT TIME ZONE w.time_zone)::date) "
                     "FROM lead_router.leads l JOIN lead_router.workspaces w ON w.id = l.workspace_id "
                     "WHERE l.routing_status = 'routed'") == 1);
    CHECK(scalar(conn,
                 "SELECT ($1::timestamptz AT TIME ZONE $3)::date = ($2::timestamptz AT TIME "
                 "ZONE $3)::date",
                 run.started_at, run.ended_at, run.time_zone) == "t");

    // Each cap: its counter, the window it is for (local midnight / Monday 00:00 of the
    // partner's zone at the run), and the routed originals of the partner since then.
    const std::string caps = R"sql(
        SELECT c.workspace_id, c.period, c.max_leads, u.used, u.window_start,
               (pg_catalog.date_trunc(c.period, $1::timestamptz AT TIME ZONE w.time_zone)
                  AT TIME ZONE w.time_zone) AS expected_start,
               (SELECT count(*) FROM lead_router.leads l
                 WHERE l.workspace_id = c.workspace_id AND l.routing_status = 'routed'
                   AND l.duplicate_of IS NULL
                   AND l.routed_at >= pg_catalog.date_trunc(c.period, $1::timestamptz
                                        AT TIME ZONE w.time_zone) AT TIME ZONE w.time_zone)
                   AS routed_in_window
          FROM lead_router.partner_caps c
          JOIN lead_router.workspaces w ON w.id = c.workspace_id
          LEFT JOIN lead_router.partner_cap_usage u
            ON u.workspace_id = c.workspace_id AND u.period = c.period)sql";
    const pqxx::result rows = exec(conn, caps, run.started_at);
    REQUIRE(rows.size() == 4u);  // A day and week, B day, C day
    std::vector<std::string> wrong;
    long long day_used = 0;
    std::map<std::string, long long> used_of;
    for (const pqxx::row& row : rows) {
        const std::string ws = row[0].c_str(), period = row[1].c_str();
        const long long used = row[3].is_null() ? 0 : row[3].as<long long>();
        const long long routed = row[6].as<long long>();
        used_of[ws + " " + period] = used;
        if (period == "day") day_used += used;
        // a counter that counted nothing may still name an earlier window
        const bool window_ok = used == 0 || std::string(row[4].c_str()) == row[5].c_str();
        if (used != routed || !window_ok || used > row[2].as<long long>()) {
            wrong.push_back(ws + " " + period + ": used " + std::to_string(used) + " of " + row[2].c_str() + " from " +
                            (row[4].is_null() ? "NULL" : row[4].c_str()) + ", routed " + std::to_string(routed) +
                            " since " + row[5].c_str());
        }
    }
    INFO("counters that differ from the routed leads of their window: " << examples(wrong));
    CHECK(wrong.empty());
    CHECK(used_of[run.a + " day"] == kCapA);
    CHECK(used_of[run.a + " week"] == kCapA);
    CHECK(used_of[run.b + " day"] == 0);
    CHECK(used_of[run.c + " day"] == kLeads - kCapA);
    // every partner has a daily cap: their counters add up to the success audit rows
    CHECK(day_used == scalar_int(conn,
                                 "SELECT count(*) FROM lead_router.routing_logs "
                                 "WHERE routing_result = 'success'"));

    // The partner_capacity view reads the same, in the partner's own windows; A is full.
    CHECK_NO_ROWS(conn, "partner_capacity rows that differ from partner_cap_usage", R"sql(
        SELECT p.workspace_id, p.period, p.used, u.used, p.window_start, u.window_start
          FROM lead_router.partner_capacity p
          LEFT JOIN lead_router.partner_cap_usage u
            ON u.workspace_id = p.workspace_id AND u.period = p.period
         WHERE p.used <> COALESCE(u.used, 0)
            OR (p.used > 0 AND p.window_start IS DISTINCT FROM u.window_start)
            OR p.window_end <> p.window_start + CASE p.period WHEN 'day' THEN interval '1 day'
                                                             ELSE interval '7 days' END)sql");
    CHECK(scalar_int(conn, "SELECT count(*) FROM lead_router.partner_capacity") == 4);
    const pqxx::result avail =
        exec(conn, "SELECT workspace_id::text, capped_periods::text FROM lead_router.partner_availability()");
    std::map<std::string, std::string> capped;
    for (const pqxx::row& row : avail) capped[row[0].c_str()] = row[1].c_str();
    CHECK(capped[run.a] == "{day}");
    CHECK(capped[run.b] == "{}");
    CHECK(capped[run.c] == "{}");
}

// What is provable under concurrency.  The server preloads the library, so every routing
// reads the pool's credits and the caps' counts, decides all its leads and advances them in
// one critical section (an LWLock in shared memory); the routings' transactions then write and
// commit in any order, so audit ids and routed_at do not show the order of the decisions.
// What does show it is the pool's credits.  In smooth weighted round-robin each pick adds every
// eligible member's weight to its credit and takes the total weight from the chosen one, so
// after any sequence of picks over a fixed set of eligible members the credits are a function
// of the counts alone.  Here B is never eligible (closed): it must keep credit 0.  While A is
// below its cap the set is {A:5, C:1}: after n = a + c picks, credit(C) = n - 6c and
// credit(A) = 5n - 6a = -credit(C); once A is full only C is eligible, and a pick over {C}
// leaves every credit as it is.  So the final credit of C is 1000 + x - 6x = 1000 - 5x, where x
// is C's count at A's 1,000th pick, and smooth weighted round-robin keeps every credit within
// (-6, 6): credit(C) is one of -5, 0, 5, i.e. x is 201, 200 or 199 -- C had n/6 to within one
// lead when A reached its cap, as if one session had routed every lead.  A lost or a repeated
// step (two sessions deciding from the same credits) moves a credit by a weight: the credits
// would no longer add up to 0, or C's would leave {-5, 0, 5}.  The sequence property at every
// step is the core's (test/unit, smooth weighted round-robin sequences); this case shows the
// sessions' decisions compose into one such sequence.
TEST_CASE("distribution exactness: the pool's credits are those of one sequence over {A:5, C:1}",
          "[distribution-exactness]") {
    const Run& run = distribution_run();
    pqxx::connection conn = run.db.connect();
    const pqxx::result credits = exec(conn, R"sql(
        SELECT m.destination::text, m.credit
          FROM lead_router.routing_pool_state s, unnest(s.destinations, s.credits) AS m(destination, credit)
         WHERE s.rule_id = $1::uuid)sql",
                                      run.rule);
    std::map<std::string, long long> credit;
    for (const pqxx::row& row : credits) credit[row[0].c_str()] = row[1].as<long long>();
    REQUIRE(credit.size() == 3u);
    const long long a = credit[run.a], b = credit[run.b], c = credit[run.c];
    std::printf("distribution exactness: final credits A %lld, B %lld, C %lld: C had %.1f leads when A reached %d\n", a,
                b, c, static_cast<double>(kCapA - c) / (kWeightA * kWeightC), kCapA);
    std::fflush(stdout);
    CHECK(b == 0);
    CHECK(a + b + c == 0);
    CHECK((c == -5 || c == 0 || c == 5));
    // and A is full, B has none, C took everything else
    const std::map<std::string, long long> leads = counts_by(conn, R"sql(
        SELECT workspace_id::text, count(*) FROM lead_router.leads
         WHERE routing_status = 'routed' GROUP BY workspace_id)sql");
    CHECK(leads.count(run.a) == 1);
    CHECK(leads.count(run.b) == 0);
    if (leads.count(run.a) == 1) CHECK(leads.at(run.a) == kCapA);
    if (leads.count(run.c) == 1) CHECK(leads.at(run.c) == kLeads - kCapA);
    // the sessions did interleave their decisions: route_lead and batches both advanced the pool
    const sessions::Decided d = sessions::decided_leads(run.reports);
    CHECK(d.by_route_lead() > 0);
    CHECK(d.by_batch.size() > 0u);
}

TEST_CASE(
    "distribution exactness: B was closed throughout, and the audit says why when it "
    "names a member",
    "[distribution-exactness]") {
    const Run& run = distribution_run();
    pqxx::connection conn = run.db.connect();
    // closed at the start and at the end of the run; it opens only on its weekday, at 09:00
    const std::string availability = R"sql(
        SELECT a.is_active, a.is_open,
               extract(isodow FROM a.next_opening AT TIME ZONE w.time_zone)::int,
               (a.next_opening AT TIME ZONE w.time_zone)::time::text
          FROM lead_router.partner_availability($1::timestamptz) a
          JOIN lead_router.workspaces w ON w.id = a.workspace_id
         WHERE a.workspace_id = $2)sql";
    for (const std::string& at : {run.started_at, run.ended_at}) {
        INFO("at " << at);
        const pqxx::result b = exec(conn, availability, at, run.b);
        REQUIRE(b.size() == 1u);
        CHECK(b[0][0].as<bool>());
        CHECK_FALSE(b[0][1].as<bool>());
        CHECK(b[0][2].as<int>() == run.b_open_weekday);
        CHECK(std::string(b[0][3].c_str()) == "09:00:00");
        for (const std::string& open : {run.a, run.c}) {
            const pqxx::result r = exec(conn, availability, at, open);
            REQUIRE(r.size() == 1u);
            CHECK(r[0][1].as<bool>());
        }
    }
    // The members a routed lead's audit row names as passed over: only B (closed) and A once
    // full, each with its reason; never C, which was always eligible.
    CHECK_NO_ROWS_WITH(conn, "passed-over members named with a wrong reason (lead/member/reason)",
                       R"sql(
        SELECT g.lead_id, s->>'workspace_id', s->>'reason'
          FROM lead_router.routing_logs g,
               jsonb_array_elements(COALESCE(g.skipped_destinations, '[]')) s
         WHERE g.routing_result = 'success'
           AND NOT ((s->>'workspace_id' = $1 AND s->>'reason' LIKE 'closed until %')
                 OR (s->>'workspace_id' = $2 AND s->>'reason' LIKE 'capped day 1000/1000 until %')))sql",
                       run.b, run.a);
    // A is named as full exactly by the leads decided after its 1,000th: 5,000 - 1,000 - x of
    // them, where x (C's count at A's 1,000th pick) is what the pool's credits say (the test
    // case on the credits), and each of them went to C
    const long long credit_c = exec(conn, R"sql(
        SELECT m.credit FROM lead_router.routing_pool_state s,
               unnest(s.destinations, s.credits) AS m(destination, credit)
         WHERE m.destination = $1::text::uuid)sql",
                                    run.c)[0][0]
                                   .as<long long>();
    const long long c_at_cap = (kCapA - credit_c) / (kWeightA * kWeightC);
    const pqxx::result naming_a = exec(conn, R"sql(
        SELECT count(*), count(*) FILTER (WHERE g.destination_workspace_id <> $2::text::uuid)
          FROM lead_router.routing_logs g
         WHERE g.routing_result = 'success'
           AND g.skipped_destinations @> jsonb_build_array(jsonb_build_object('workspace_id', $1::text)))sql",
                                       run.a, run.c);
    CHECK(naming_a[0][0].as<long long>() == kLeads - kCapA - c_at_cap);
    CHECK(naming_a[0][1].as<long long>() == 0);
    const long long named = scalar_int(conn,
                                       "SELECT count(*) FROM lead_router.routing_logs g, "
                                       "jsonb_array_elements(COALESCE(g.skipped_destinations, '[]')) s "
                                       "WHERE g.routing_result = 'success'");
    std::printf("distribution exactness: %lld passed-over members named in success audit rows\n", named);
    std::fflush(stdout);
    // B never gained credit: an ineligible member neither gains nor loses
    CHECK_NO_ROWS_WITH(conn, "credit of B in the pool state (rule/credit)", R"sql(
        SELECT s.rule_id, m.credit FROM lead_router.routing_pool_state s,
               unnest(s.destinations, s.credits) AS m(destination, credit)
         WHERE m.destination = $1::text::uuid AND m.credit <> 0)sql",
                       run.b);
}
