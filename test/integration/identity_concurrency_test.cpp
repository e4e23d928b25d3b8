// Exactly once across identity keys (issue 11, SPEC.md "Identity"): the run of
// identity_concurrency_run.h -- 20,000 leads with overlapping emails and phones routed by 8
// sessions mixing route_lead and route_pending_leads -- checked one property per test case:
// no email key and no phone key is owned by two partners; every lead is accounted for exactly
// once; a duplicate points to an original that shares the key it names and was routed no
// later; the hot person is sold once; and owners are the rules' (by the tests' oracle).
#include <catch2/catch.hpp>

#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "identity_concurrency_run.h"
#include "sql_checks.h"

using namespace lrtest;
using namespace lrtest::identity;

namespace {

// Routed originals by key kind: at most one partner, indeed one lead, may hold each key.
std::string owners_by_key(const char* key, bool distinct_partners) {
    return std::string("SELECT l.") + key + ", count(DISTINCT l.workspace_id), count(*)" +
           " FROM lead_router.leads l JOIN lead_router.workspaces w"
           "   ON w.id = l.workspace_id AND w.workspace_type = 'partner'"
           " WHERE l.routing_status = 'routed' AND l.duplicate_of IS NULL AND l." +
           key + " IS NOT NULL GROUP BY l." + key + " HAVING " +
           (distinct_partners ? "count(DISTINCT l.workspace_id) > 1" : "count(*) > 1");
}

// Each lead's final state: its class (see the test case "accounted for exactly once") and
// what the class is about.
constexpr const char* kFinalStateSql = R"sql(
SELECT l.id, l.routing_status::text, l.workspace_id, l.duplicate_of, a.duplicate_key,
       CASE WHEN l.routing_status = 'routed' AND l.duplicate_of IS NULL
                 AND w.workspace_type = 'partner'
                 AND a.success = 1 AND a.duplicate = 0 AND a.failed = 0 AND q.open = 0
            THEN 'original'
            WHEN l.routing_status = 'routed' AND l.duplicate_of IS NOT NULL
                 AND l.workspace_id = l.source_workspace_id
                 AND a.duplicate = 1 AND a.duplicate_key IS NOT NULL
                 AND a.success = 0 AND a.failed = 0 AND q.open = 0
            THEN 'duplicate'
            WHEN l.routing_status = 'pending' AND l.duplicate_of IS NULL AND q.open = 1
                 AND a.success + a.duplicate + a.failed = 0
            THEN 'pending'
            WHEN l.routing_status = 'failed' AND l.duplicate_of IS NULL AND q.open = 0
                 AND a.failed = 1 AND a.success + a.duplicate = 0
            THEN 'failed'
            ELSE 'unaccounted' END AS class,
       a.success, a.duplicate, a.failed, q.open
  FROM lead_router.leads l
  JOIN lead_router.workspaces w ON w.id = l.workspace_id
 CROSS JOIN LATERAL (
       SELECT count(*) FILTER (WHERE g.routing_result = 'success') AS success,
              count(*) FILTER (WHERE g.routing_result = 'duplicate') AS duplicate,
              count(*) FILTER (WHERE g.routing_result = 'failed') AS failed,
              max(g.duplicate_key) FILTER (WHERE g.routing_result = 'duplicate') AS duplicate_key
         FROM lead_router.routing_logs g
        WHERE g.lead_id = l.id) a
 CROSS JOIN LATERAL (
       SELECT count(*) AS open FROM lead_router.routing_queue q
        WHERE q.lead_id = l.id AND q.processed_at IS NULL) q)sql";

struct Final {
    std::string status, owner, cls;
    std::optional<std::string> duplicate_of, duplicate_key;
};

std::map<std::string, Final> final_states(pqxx::connection& conn) {
    std::map<std::string, Final> out;
    for (const pqxx::row& row : exec(conn, kFinalStateSql)) {
        Final& f = out[row[0].c_str()];
        f.status = row[1].c_str();
        f.owner = row[2].c_str();
        f.duplicate_of = nullable(row[3]);
        f.duplicate_key = nullable(row[4]);
        f.cls = row[5].c_str();
    }
    return out;
}

}  // namespace

TEST_CASE("identity keys: 8 sessions decide all 20,000 leads, retrying 'locked' ones", "[identity-keys]") {
    const Run& run = identity_run();
    INFO("errors: " << examples(run.errors, 10));
    CHECK(run.errors.empty());
    pqxx::connection conn = run.db.connect();
    // nothing is due any more: every pending lead waits for its retry
    CHECK(scalar_int(conn, sessions::kDueSql) == 0);
    // every lead got an answer other than 'locked'; both functions decided leads (a batch
    // takes only leads still to decide, route_lead answers a decided one its recorded
    // outcome).  How many each decides depends on scheduling -- a batch decides 50 leads per
    // turn, route_lead one -- so the floor is 1 % each: enough to show both paths routed
    // concurrently, never a timing bar.
    const sessions::Decided d = sessions::decided_leads(run.reports);
    const std::set<std::string>& decided = d.all;
    const std::set<std::string>& by_batch = d.by_batch;
    const long by_route_lead = d.by_route_lead();
    std::printf("identity keys: route_pending_leads decided %zu leads, route_lead %ld\n", by_batch.size(),
                by_route_lead);
    INFO("route_pending_leads decided " << by_batch.size() << " leads, route_lead " << by_route_lead);
    CHECK(decided.size() == static_cast<std::size_t>(kLeads));
    CHECK(static_cast<long>(by_batch.size()) >= kLeads / 100);
    CHECK(by_route_lead >= kLeads / 100);
    // the sessions did meet: some leads came back 'locked' and were decided later
    CHECK(run.stats.locked_answers > 0);
    CHECK(run.stats.locked_retries > 0);
}

TEST_CASE("identity keys: the fixture plants overlapping emails and phones in every form", "[identity-keys]") {
    const Run& run = identity_run();
    const Fixture& f = run.fixture;
    REQUIRE(f.leads.size() == static_cast<std::size_t>(kLeads));
    REQUIRE(run.planted.size() == f.leads.size());
    pqxx::connection conn = run.db.connect();
    std::map<std::string, std::pair<std::optional<std::string>, std::optional<std::string>>> keys;
    for (const pqxx::row& row : exec(conn, "SELECT id, email_key, phone_key FROM lead_router.leads")) {
        keys[row[0].c_str()] = {nullable(row[1]), nullable(row[2])};
    }
    REQUIRE(keys.size() == f.leads.size());

    // A planted person has exactly one key, and no other person has it.
    std::vector<std::string> split, merged, missing;
    const auto check_kind = [&](const char* kind, auto person_of, auto key_of) {
        std::map<int, std::set<std::string>> keys_of_person;
        std::map<std::string, std::set<int>> persons_of_key;
        for (std::size_t i = 0; i < f.leads.size(); ++i) {
            const int person = person_of(run.planted[i]);
            const std::optional<std::string>& key = key_of(keys.at(f.leads[i].id));
            if ((person >= 0) != key.has_value()) {
                missing.push_back(std::string(kind) + " of " + f.leads[i].id + ": planted " + std::to_string(person) +
                                  ", key " + key.value_or("NULL"));
                continue;
            }
            if (person < 0) continue;
            keys_of_person[person].insert(*key);
            persons_of_key[*key].insert(person);
        }
        for (const auto& [person, ks] : keys_of_person) {
            if (ks.size() > 1) {
                split.push_back(std::string(kind) + " person " + std::to_string(person));
            }
        }
        for (const auto& [key, persons] : persons_of_key) {
            if (persons.size() > 1) merged.push_back(std::string(kind) + " key " + key);
        }
    };
    check_kind(
        "email", [](const Planted& p) { return p.email_person; },
        [](const auto& k) -> const std::optional<std::string>& { return k.first; });
    check_kind(
        "phone", [](const Planted& p) { return p.phone_person; },
        [](const auto& k) -> const std::optional<std::string>& { return k.second; });
    INFO("keys missing or unexpected: " << examples(missing));
    CHECK(missing.empty());
    INFO("persons whose variants got different keys: " << examples(split));
    CHECK(split.empty());
    INFO("keys shared by different persons: " << examples(merged));
    CHECK(merged.empty());

    // the groups and forms the scenario is about
    std::map<Group, std::set<int>> groups;
    std::map<PhoneForm, int> forms;
    std::set<int> hot_sources, hot_partners;
    std::map<int, std::vector<const rules::Rule*>> order;
    for (const int s : f.sources) order[s] = rules::evaluation_order(f.rules, s);
    for (std::size_t i = 0; i < f.leads.size(); ++i) {
        const Planted& p = run.planted[i];
        groups[p.group].insert(p.group_id);
        ++forms[p.phone_form];
        if (p.group != Group::hot) continue;
        hot_sources.insert(f.leads[i].source);
        const rules::Rule* rule = rules::expected_rule(order[f.leads[i].source], f.leads[i].inputs);
        if (rule != nullptr) hot_partners.insert(rule->destination);
    }
    std::string summary;
    for (const auto& [g, ids] : groups) {
        summary += std::string(" ") + group_name(g) + " " + std::to_string(ids.size());
    }
    summary += "; phones";
    for (const auto& [form, n] : forms) {
        summary += std::string(" ") + phone_form_name(form) + " " + std::to_string(n);
    }
    std::printf("identity keys: fixture groups%s\n", summary.c_str());
    INFO(summary);
    CHECK(groups[Group::hot].size() == 1u);
    CHECK(groups[Group::both].size() == 1200u);
    CHECK(groups[Group::email_only].size() == 1500u);
    CHECK(groups[Group::phone_only].size() == 1500u);
    CHECK(groups[Group::chain].size() == 500u);
    CHECK(forms[PhoneForm::plus] >= 3000);
    CHECK(forms[PhoneForm::double_zero] >= 3000);
    CHECK(forms[PhoneForm::national] >= 3000);
    // the hot person arrives in every source workspace, whose rules route to different partners
    CHECK(hot_sources.size() == static_cast<std::size_t>(kSources));
    CHECK(hot_partners.size() >= 4u);
}

TEST_CASE("identity keys: no email key and no phone key is owned by two partners", "[identity-keys]") {
    const Run& run = identity_run();
    pqxx::connection conn = run.db.connect();
    CHECK_NO_ROWS(conn, "email keys owned by two partner workspaces", owners_by_key("email_key", true));
    CHECK_NO_ROWS(conn, "phone keys owned by two partner workspaces", owners_by_key("phone_key", true));
    // stronger: the second lead with a key is a duplicate even when the same partner would have
    // bought it again
    CHECK_NO_ROWS(conn, "email keys of two routed originals", owners_by_key("email_key", false));
    CHECK_NO_ROWS(conn, "phone keys of two routed originals", owners_by_key("phone_key", false));
    CHECK_NO_ROWS(conn, "routed originals owned by a workspace that is not a partner", R"sql(
        SELECT l.id FROM lead_router.leads l
          JOIN lead_router.workspaces w ON w.id = l.workspace_id
         WHERE l.routing_status = 'routed' AND l.duplicate_of IS NULL
           AND w.workspace_type <> 'partner')sql");
}

TEST_CASE("identity keys: every lead is accounted for exactly once", "[identity-keys]") {
    const Run& run = identity_run();
    pqxx::connection conn = run.db.connect();
    // original: routed, owned by a partner, one success audit row; duplicate: routed, kept
    // in its source, one duplicate audit row naming the key; pending: an open queue row and no
    // terminal audit row; failed: one failed audit row.  Anything else is unaccounted.
    CHECK_NO_ROWS(conn,
                  "leads in none of the four classes (id/status/owner/duplicate_of/key/"
                  "class/success/duplicate/failed/open queue rows)",
                  std::string("SELECT * FROM (") + kFinalStateSql + ") s WHERE class = 'unaccounted'");
    CHECK_NO_ROWS(conn, "leads still holding a routing lock", R"sql(
        SELECT id FROM lead_router.leads
         WHERE routing_locked_by IS NOT NULL OR routing_locked_at IS NOT NULL)sql");
    const std::map<std::string, Final> final = final_states(conn);
    std::map<std::string, long> by_class;
    for (const auto& [id, f] : final) ++by_class[f.cls];
    std::map<std::string, long> duplicates_by_key;
    for (const pqxx::row& row : exec(conn,
                                     "SELECT duplicate_key, count(*) FROM lead_router.routing_logs "
                                     "WHERE routing_result = 'duplicate' GROUP BY 1")) {
        duplicates_by_key[row[0].is_null() ? "NULL" : row[0].c_str()] = row[1].as<long>();
    }

    // what the calls answered agrees with the tables
    std::set<std::string> reported_routed, reported_duplicate, reported_failed;
    long queued_answers = 0;
    std::vector<std::string> disagree, unknown;
    for (const Report& r : run.reports) {
        const auto found = final.find(r.lead_id);
        if (found == final.end()) {
            disagree.push_back(r.lead_id + ": not a lead");
            continue;
        }
        const Final& f = found->second;
        if (r.status == "routed") {
            reported_routed.insert(r.lead_id);
            if (f.cls != "original" || r.destination != f.owner) {
                disagree.push_back(r.lead_id + ": answered routed to " + r.destination.value_or("NULL") +
                                   ", table says " + f.cls + " in " + f.owner);
            }
        } else if (r.status == "duplicate") {
            reported_duplicate.insert(r.lead_id);
            if (f.cls != "duplicate" || r.duplicate_lead != f.duplicate_of || r.duplicate_key != f.duplicate_key) {
                disagree.push_back(r.lead_id + ": answered duplicate of " + r.duplicate_lead.value_or("NULL") + " by " +
                                   r.duplicate_key.value_or("NULL") + ", table says " + f.cls + " of " +
                                   f.duplicate_of.value_or("NULL") + " by " + f.duplicate_key.value_or("NULL"));
            }
        } else if (r.status == "queued") {
            ++queued_answers;
        } else if (r.status == "failed") {
            reported_failed.insert(r.lead_id);
            if (f.cls != "failed") {
                disagree.push_back(r.lead_id + ": answered failed, table says " + f.cls);
            }
        } else if (r.status != "locked") {
            unknown.push_back(r.lead_id + ": " + r.status);
        }
    }
    const long long requeue_audits = scalar_int(conn,
                                                "SELECT count(*) FROM lead_router.routing_logs "
                                                "WHERE routing_result IN ('no_match', 'retry')");

    std::printf(
        "identity keys: %ld originals, %ld duplicates (email %ld, phone %ld), %ld pending (no rule "
        "matches), %ld failed, %ld unaccounted; %ld 'locked' answers, %ld route_lead retries; "
        "routing took %.2f s\n",
        by_class["original"], by_class["duplicate"], duplicates_by_key["email"], duplicates_by_key["phone"],
        by_class["pending"], by_class["failed"], by_class["unaccounted"], run.stats.locked_answers,
        run.stats.locked_retries, run.stats.wall_s);
    std::fflush(stdout);
    CHECK(final.size() == static_cast<std::size_t>(kLeads));
    CHECK(by_class["original"] + by_class["duplicate"] + by_class["pending"] + by_class["failed"] == kLeads);
    CHECK(duplicates_by_key["email"] + duplicates_by_key["phone"] == by_class["duplicate"]);
    CHECK(static_cast<long>(reported_routed.size()) == by_class["original"]);
    CHECK(static_cast<long>(reported_duplicate.size()) == by_class["duplicate"]);
    CHECK(static_cast<long>(reported_failed.size()) == by_class["failed"]);
    CHECK(queued_answers == requeue_audits);
    INFO("answers that disagree with the tables: " << examples(disagree));
    CHECK(disagree.empty());
    INFO("unexpected statuses: " << examples(unknown));
    CHECK(unknown.empty());
}

TEST_CASE("identity keys: a duplicate points to an original that shares its key, routed no later", "[identity-keys]") {
    const Run& run = identity_run();
    pqxx::connection conn = run.db.connect();
    // The key named is the first listed key (email, then phone) that the original shares.
    CHECK_NO_ROWS(conn,
                  "duplicates whose original is not a routed partner lead sharing the named key, "
                  "routed no later (id/original/key)",
                  R"sql(
        SELECT d.id, d.duplicate_of, g.duplicate_key
          FROM lead_router.leads d
          JOIN lead_router.routing_logs g ON g.lead_id = d.id AND g.routing_result = 'duplicate'
          LEFT JOIN lead_router.leads o ON o.id = d.duplicate_of
          LEFT JOIN lead_router.workspaces w ON w.id = o.workspace_id
         WHERE NOT COALESCE(
               o.routing_status = 'routed' AND o.duplicate_of IS NULL
               AND w.workspace_type = 'partner'
               AND g.duplicate_key = CASE WHEN o.email_key = d.email_key THEN 'email'
                                          WHEN o.phone_key = d.phone_key THEN 'phone' END
               AND o.routed_at <= d.routed_at, false))sql");
    CHECK_NO_ROWS(conn, "duplicate audit rows naming another source or owner than the lead's",
                  R"sql(
        SELECT d.id FROM lead_router.leads d
          JOIN lead_router.leads o ON o.id = d.duplicate_of
          JOIN lead_router.routing_logs g ON g.lead_id = d.id AND g.routing_result = 'duplicate'
         WHERE g.source_workspace_id IS DISTINCT FROM d.source_workspace_id
            OR g.duplicate_owner_workspace_id IS DISTINCT FROM o.workspace_id)sql");
    // Both kinds of key found duplicates: leads sharing only a phone were told apart by it.
    CHECK(scalar_int(conn,
                     "SELECT count(*) FROM lead_router.routing_logs "
                     "WHERE routing_result = 'duplicate' AND duplicate_key = 'email'") > 0);
    CHECK(scalar_int(conn,
                     "SELECT count(*) FROM lead_router.routing_logs "
                     "WHERE routing_result = 'duplicate' AND duplicate_key = 'phone'") > 0);
}

TEST_CASE("identity keys: the hot person's 40 variants are sold once", "[identity-keys]") {
    const Run& run = identity_run();
    const Fixture& f = run.fixture;
    pqxx::connection conn = run.db.connect();
    const std::map<std::string, Final> final = final_states(conn);
    std::vector<std::string> originals;
    std::set<std::string> originals_pointed_to;
    int duplicates = 0;
    for (std::size_t i = 0; i < f.leads.size(); ++i) {
        if (run.planted[i].group != Group::hot) continue;
        const Final& s = final.at(f.leads[i].id);
        if (s.cls == "original") originals.push_back(f.leads[i].id + " in " + s.owner);
        if (s.cls == "duplicate") {
            ++duplicates;
            originals_pointed_to.insert(*s.duplicate_of);
        }
    }
    INFO("routed originals among the variants: " << examples(originals));
    REQUIRE(originals.size() == 1u);
    CHECK(duplicates == kHotVariants - 1);
    CHECK(originals_pointed_to.size() == 1u);
    CHECK(originals_pointed_to.count(originals[0].substr(0, originals[0].find(' '))) == 1u);
}

TEST_CASE("identity keys: each routed original's owner is the reference evaluator's first rule", "[identity-keys]") {
    const Run& run = identity_run();
    const Fixture& f = run.fixture;
    pqxx::connection conn = run.db.connect();
    const std::map<std::string, Final> final = final_states(conn);
    std::map<std::string, std::optional<std::string>> rule_of;  // success audit rows
    for (const pqxx::row& row : exec(conn,
                                     "SELECT lead_id, matched_rule_id "
                                     "FROM lead_router.routing_logs WHERE routing_result = 'success'")) {
        rule_of[row[0].c_str()] = nullable(row[1]);
    }
    std::map<int, std::vector<const rules::Rule*>> order;
    for (const int s : f.sources) order[s] = rules::evaluation_order(f.rules, s);
    std::vector<std::string> wrong, unmatched_routed, matched_pending;
    int originals = 0;
    for (const GeneratedLead& l : f.leads) {
        const Final& s = final.at(l.id);
        const rules::Rule* expected = rules::expected_rule(order[l.source], l.inputs);
        if (s.cls == "original") {
            ++originals;
            if (expected == nullptr) {
                unmatched_routed.push_back(l.id + " -> " + s.owner);
                continue;
            }
            const std::string& want = f.workspaces.at(static_cast<std::size_t>(expected->destination)).id;
            if (s.owner != want || rule_of[l.id] != expected->id) {
                wrong.push_back(l.id + ": owner " + s.owner + " by rule " + rule_of[l.id].value_or("NULL") +
                                ", expected " + want + " by '" + expected->name + "'");
            }
        } else if (s.cls == "pending" && expected != nullptr) {
            matched_pending.push_back(l.id + ": rule '" + expected->name + "' matches");
        }
    }
    INFO("routed originals checked: " << originals);
    CHECK(originals > kLeads / 4);
    INFO("owner or rule differs from the reference evaluator: " << examples(wrong));
    CHECK(wrong.empty());
    INFO("routed although no rule matches: " << examples(unmatched_routed));
    CHECK(unmatched_routed.empty());
    INFO("left pending although a rule matches: " << examples(matched_pending));
    CHECK(matched_pending.empty());
}
