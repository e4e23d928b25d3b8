// The seed's "Atomic Routing Flow" (seeds/001, Phase 2: LeadRoutingService.routeLead) replayed
// against lead_router after migrate_from_seed_schema(), through lead_router_seed_compat.
//
// A Supabase project's seed schema (test/seed/seed_schema.sql and seed_data.sql, in public) is
// migrated, the seed's functions are dropped as the migration's report says, and the compat
// extension is installed in public.  The flow is then the service's, call by call, each in its
// own transaction as supabase.rpc() runs them, with the service's named arguments, as the
// service's BYPASSRLS role (service_role):
//   1. acquire_routing_lock(p_lead_id, p_lock_owner) with a fresh lock owner;
//   2. the lead's dedupe_hash -> check_cross_partner_duplicate(p_dedupe_hash,
//      p_source_workspace_id); a duplicate is completed to the partner that owns the person,
//      without a rule (seed A14);
//   3. the application's own rules (its lead_routing_rules table, in its own condition format)
//      evaluated here, as evaluateRules() did in TypeScript;
//   4. complete_routing(p_lead_id, p_destination_workspace_id, p_matched_rule_id, p_lock_owner),
//      or handleRoutingFailure: fail_routing(p_lead_id, p_error_message, p_lock_owner,
//      p_max_attempts).
// What changes for the application is where it reads leads (lead_router.leads) and inserts new
// ones; the RPCs are the seed's.  Its rules stay its configuration: a rule the migration could
// not map is not in lead_router, so completing with it is refused until the user supplies it
// (the report says so) -- the last test case shows that and the fix.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "sql_checks.h"
#include "test_database.h"

using namespace lrtest;
using json = nlohmann::json;

namespace {

// ---- the fixture files -------------------------------------------------------------------

// The repository root: LEAD_ROUTER_SOURCE_DIR, else three levels above this binary
// (test/integration/run_integration_tests).
std::string source_dir() {
    if (const char* dir = std::getenv("LEAD_ROUTER_SOURCE_DIR"); dir != nullptr && *dir != '\0') {
        return dir;
    }
    char buffer[4096];
    const ssize_t n = readlink("/proc/self/exe", buffer, sizeof buffer - 1);
    if (n <= 0) throw std::runtime_error("cannot find the test binary (set LEAD_ROUTER_SOURCE_DIR)");
    std::string path(buffer, static_cast<std::size_t>(n));
    for (int i = 0; i < 3; ++i) path = path.substr(0, path.find_last_of('/'));
    return path;
}

std::string read_file(const std::string& relative) {
    const std::string path = source_dir() + "/" + relative;
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// A script of several statements, as psql -f would send it (the fixture files are plain SQL:
// no psql variables or meta-commands).  Simple query protocol: one round trip, no parameters.
void run_script(pqxx::connection& conn, const std::string& relative) {
    const std::string sql = read_file(relative);
    try {
        pqxx::nontransaction tx{conn};
        tx.exec(sql);
    } catch (const pqxx::sql_error& e) {
        throw std::runtime_error(relative + ": " + e.what() + " [" + sqlstate(e) + "]");
    }
}

// ---- the seed's service --------------------------------------------------------------------

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// crypto.randomUUID()
std::string random_uuid(std::mt19937_64& rng) {
    static const char* hex = "0123456789abcdef";
    std::string out = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx";
    for (char& c : out) {
        const unsigned v = static_cast<unsigned>(rng() & 0xf);
        if (c == 'x') c = hex[v];
        if (c == 'y') c = hex[8 | (v & 3)];
    }
    return out;
}

// A lead as the service reads it before evaluating rules.
struct Lead {
    std::string id;
    std::string source_workspace_id;
    std::optional<std::string> dedupe_hash;
    std::optional<std::string> industry, location, domain, job_title;
    std::optional<double> size, lead_score;
};

Lead read_lead(pqxx::connection& conn, const std::string& id) {
    const pqxx::result r =
        exec(conn,
             "SELECT source_workspace_id, dedupe_hash, company_industry, company_location, "
             "       company_domain, attributes ->> 'job_title', company_size, attributes ->> 'lead_score'"
             "  FROM lead_router.leads WHERE id = $1",
             id);
    REQUIRE(r.size() == 1u);
    const pqxx::row row = r[0];
    Lead l;
    l.id = id;
    l.source_workspace_id = row[0].c_str();
    l.dedupe_hash = nullable(row[1]);
    l.industry = nullable(row[2]);
    l.location = nullable(row[3]);
    l.domain = nullable(row[4]);
    l.job_title = nullable(row[5]);
    if (!row[6].is_null()) l.size = row[6].as<double>();
    if (!row[7].is_null()) l.lead_score = row[7].as<double>();
    return l;
}

struct SeedRule {
    std::string id, destination;
    json conditions;
};

// getRoutingRules(workspaceId): the application's table, active rules, priority desc (000)
std::vector<SeedRule> seed_rules(pqxx::connection& conn, const std::string& workspace_id) {
    const pqxx::result r = exec(conn,
                                "SELECT id, destination_workspace_id, conditions::text FROM public.lead_routing_rules"
                                " WHERE workspace_id = $1 AND is_active ORDER BY priority DESC, created_at, id",
                                workspace_id);
    std::vector<SeedRule> rules;
    for (const pqxx::row& row : r) {
        rules.push_back({row[0].c_str(), row[1].c_str(), json::parse(row[2].c_str())});
    }
    return rules;
}

bool text_in(const std::optional<std::string>& value, const json& list) {
    if (!value) return false;
    const std::string v = lower(*value);
    if (list.is_string()) return lower(list.get<std::string>()) == v;
    for (const json& item : list) {
        if (item.is_string() && lower(item.get<std::string>()) == v) return true;
    }
    return false;
}

// evaluateRules(): every condition of the service's format must hold (seed_schema.sql, A16).
// A rule with a JavaScript `custom` condition cannot be evaluated here; it is skipped (no
// lead of this test is an .edu address, the one such rule of the fixture).
bool matches(const SeedRule& rule, const Lead& lead) {
    for (const auto& [key, value] : rule.conditions.items()) {
        if (key == "industry" || key == "industries") {
            if (!text_in(lead.industry, value)) return false;
        } else if (key == "location" || key == "locations") {
            if (!text_in(lead.location, value)) return false;
        } else if (key == "company_size") {
            if (!lead.size) return false;
            if (value.is_number() && *lead.size != value.get<double>()) return false;
            if (value.is_object()) {
                if (value.contains("min") && *lead.size < value["min"].get<double>()) return false;
                if (value.contains("max") && *lead.size > value["max"].get<double>()) return false;
            }
        } else if (key == "company_sizes") {
            bool any = false;
            for (const json& bucket : value) {
                const std::string b = bucket.get<std::string>();
                const auto dash = b.find('-');
                const double lo = std::stod(b);
                const double hi = dash == std::string::npos ? 1e18 : std::stod(b.substr(dash + 1));
                any = any || (lead.size && *lead.size >= lo && *lead.size <= hi);
            }
            if (!any) return false;
        } else if (key == "job_titles") {
            bool any = false;
            for (const json& pattern : value) {
                const std::regex re(pattern.get<std::string>(), std::regex::icase);
                any = any || (lead.job_title && std::regex_search(*lead.job_title, re));
            }
            if (!any) return false;
        } else if (key == "lead_score_min") {
            if (!lead.lead_score || *lead.lead_score < value.get<double>()) return false;
        } else if (key == "exclude_domains") {
            if (text_in(lead.domain, value)) return false;
        } else {
            return false;  // custom (JavaScript) and anything unknown
        }
    }
    return true;
}

// What routeLead() returns (RoutingResult), plus what the compat calls answered.
struct RoutingResult {
    bool success = false;
    bool is_duplicate = false;
    std::string destination, matched_rule, duplicate_lead, error;
    std::string fail_routing;  // queued / failed, when it failed
};

// LeadRoutingService.routeLead({ leadId, sourceWorkspaceId, maxRetries }) of seed 001.
RoutingResult route_lead(pqxx::connection& conn, const std::string& lead_id, int max_retries, std::mt19937_64& rng) {
    const std::string lock_owner = random_uuid(rng);
    RoutingResult out;
    // 1. Acquire lock atomically
    const bool locked =
        exec(conn, "SELECT public.acquire_routing_lock(p_lead_id => $1, p_lock_owner => $2)", lead_id, lock_owner)
            .at(0)[0]
            .as<bool>();
    if (!locked) {
        out.error = "Lock acquisition failed";
        return out;
    }
    const Lead lead = read_lead(conn, lead_id);
    // 2. Check cross-partner duplicates
    if (lead.dedupe_hash) {
        const pqxx::result duplicate = exec(conn,
                                            "SELECT id, workspace_id FROM public.check_cross_partner_duplicate("
                                            "p_dedupe_hash => $1, p_source_workspace_id => $2)",
                                            *lead.dedupe_hash, lead.source_workspace_id);
        if (!duplicate.empty()) {
            // Mark as routed but flag as duplicate
            exec(conn,
                 "SELECT public.complete_routing(p_lead_id => $1, "
                 "p_destination_workspace_id => $2, p_matched_rule_id => NULL, p_lock_owner => $3)",
                 lead_id, duplicate[0][1].c_str(), lock_owner);
            out.success = true;
            out.is_duplicate = true;
            out.duplicate_lead = duplicate[0][0].c_str();
            out.destination = duplicate[0][1].c_str();
            return out;
        }
    }
    // 3. Evaluate routing rules under lock
    const SeedRule* matched = nullptr;
    const std::vector<SeedRule> rules = seed_rules(conn, lead.source_workspace_id);
    for (const SeedRule& rule : rules) {
        if (matches(rule, lead)) {
            matched = &rule;
            break;
        }
    }
    // 4. Complete routing atomically OR queue for retry
    std::string failure = "No matching rule";
    if (matched != nullptr) {
        try {
            exec(conn,
                 "SELECT public.complete_routing(p_lead_id => $1, "
                 "p_destination_workspace_id => $2, p_matched_rule_id => $3, p_lock_owner => $4)",
                 lead_id, matched->destination, matched->id, lock_owner);
            out.success = true;
            out.destination = matched->destination;
            out.matched_rule = matched->id;
            return out;
        } catch (const pqxx::sql_error& e) {
            // the service's catch: the error goes to handleRoutingFailure
            failure = sqlstate(e) + " " + e.what();
        }
    }
    out.error = failure;
    out.fail_routing = scalar(conn,
                              "SELECT public.fail_routing(p_lead_id => $1, p_error_message => $2, "
                              "p_lock_owner => $3, p_max_attempts => $4)",
                              lead_id, failure.substr(0, 200), lock_owner, max_retries);
    return out;
}

// ---- the migrated database -------------------------------------------------------------------

std::string lead(int n) {
    char id[40];
    std::snprintf(id, sizeof id, "5eed1ead-0000-4000-8000-0000000000%02d", n);
    return id;
}
const std::string kInbound = "5eed0a00-0000-4000-8000-000000000001";
const std::string kNorthwind = "5eed0a00-0000-4000-8000-000000000003";
const std::string kGlobex = "5eed0a00-0000-4000-8000-000000000004";
const std::string kRuleSoftware = "5eed0c00-0000-4000-8000-000000000001";
const std::string kRuleFintech = "5eed0c00-0000-4000-8000-000000000004";
const std::string kRuleBulk = "5eed0c00-0000-4000-8000-000000000005";

// The seed database migrated, the compat extension in public, and a session acting as the
// service's role.  The role is the cluster's, so it gets a name of this process and goes
// away with the database.
class MigratedSeed {
public:
    MigratedSeed() : db_("seed"), role_("lr_it_service_role_" + std::to_string(getpid())), conn_(db_.connect()) {
        pqxx::connection admin{test_dsn()};
        exec(admin, "CREATE ROLE " + admin.quote_name(role_) + " NOLOGIN BYPASSRLS");
        run_script(conn_, "test/seed/seed_schema.sql");
        run_script(conn_, "test/seed/seed_data.sql");
    }
    ~MigratedSeed() {
        try {
            exec(conn_, "RESET ROLE");
            exec(conn_, "DROP OWNED BY " + conn_.quote_name(role_));
            pqxx::connection admin{test_dsn()};
            exec(admin, "DROP ROLE IF EXISTS " + admin.quote_name(role_));
        } catch (...) {
            // the runner's server is thrown away anyway
        }
    }
    pqxx::connection& conn() { return conn_; }
    const std::string& role() const { return role_; }

private:
    TestDatabase db_;
    std::string role_;
    pqxx::connection conn_;
};

// Migrates, drops the seed's functions with the statements the report gives, installs the
// compat extension in public and grants the service role what README "Security" says.
void migrate_and_install(MigratedSeed& seed) {
    pqxx::connection& conn = seed.conn();
    const pqxx::result report = exec(conn,
                                     "SELECT object, to_move, cannot_map, detail FROM "
                                     "lead_router.migrate_from_seed_schema('public', false)");
    int functions = 0;
    for (const pqxx::row& row : report) {
        const std::string object = row[0].c_str();
        if (object == "seed schema public") {
            INFO(row[3].c_str());
            CHECK(row[1].as<long long>() > 0);
            CHECK(row[2].as<long long>() == 0);
        }
        if (object.rfind("function ", 0) == 0) {
            // "... drop it (DROP FUNCTION public.x(...);) before CREATE EXTENSION ..."
            const std::string detail = row[3].c_str();
            const auto from = detail.find("DROP FUNCTION ");
            const auto to = detail.find(';', from);
            REQUIRE(from != std::string::npos);
            exec(conn, detail.substr(from, to - from));
            ++functions;
        }
    }
    CHECK(functions == 7);
    REQUIRE(scalar_int(conn,
                       "SELECT count(*) FROM pg_available_extensions "
                       "WHERE name = 'lead_router_seed_compat'") == 1);
    exec(conn, "CREATE EXTENSION lead_router_seed_compat SCHEMA public");
    const std::string role = conn.quote_name(seed.role());
    exec(conn, "GRANT USAGE ON SCHEMA lead_router TO " + role);
    exec(conn, "GRANT SELECT ON lead_router.leads, lead_router.routing_logs, lead_router.routing_queue TO " + role);
    exec(conn, "GRANT SELECT ON public.lead_routing_rules TO " + role);
    exec(conn,
         "GRANT EXECUTE ON FUNCTION lead_router.acquire_routing_lock(uuid, uuid), "
         "lead_router.complete_routing(uuid, uuid, uuid, uuid), "
         "lead_router.fail_routing(uuid, text, uuid, integer), "
         "lead_router.check_cross_partner_duplicate(text, uuid), "
         "public.acquire_routing_lock(uuid, uuid), public.complete_routing(uuid, uuid, uuid, uuid), "
         "public.fail_routing(uuid, text, uuid, integer), "
         "public.check_cross_partner_duplicate(text, uuid) TO " +
             role);
    exec(conn, "SET ROLE " + role);
}

std::string status_of(pqxx::connection& conn, const std::string& id) {
    return scalar(conn, "SELECT routing_status::text FROM lead_router.leads WHERE id = $1", id);
}
std::string owner_of(pqxx::connection& conn, const std::string& id) {
    return scalar(conn, "SELECT workspace_id::text FROM lead_router.leads WHERE id = $1", id);
}

}  // namespace

TEST_CASE("seed flow: the service's routeLead() through the compat functions after migration", "[seed]") {
    MigratedSeed seed;
    migrate_and_install(seed);
    pqxx::connection& conn = seed.conn();
    std::mt19937_64 rng(20260131);

    // Every pending lead of the migrated seed (migrated locks included), as the service's
    // processRetryQueue / triggerLeadRoutingRetry would take them, with maxRetries: 3.
    struct Expected {
        int lead;
        bool success;
        std::string status;  // the lead's routing_status afterwards
        std::string owner;   // its owner afterwards
        std::string rule;    // the matched rule, when routed by a rule
        bool duplicate;
        std::string fail_routing;  // queued / failed, when fail_routing was called
    };
    const std::vector<Expected> expected = {
        {11, false, "pending", kInbound, "", false, "queued"},   // software, 5 employees: no rule
        {12, false, "pending", kInbound, "", false, "queued"},   // retail: only an inactive rule
        {13, false, "failed", kInbound, "", false, "failed"},    // third attempt of three
        {14, true, "routed", kNorthwind, kRuleBulk, false, ""},  // bulk catch-all (migrated)
        {15, false, "failed", kInbound, "", false, "failed"},
        {16, false, "failed", kInbound, "", false, "failed"},    // 4th attempt, maxRetries 3
        {17, false, "expired", kInbound, "", false, ""},         // past its TTL: not lockable
        {18, true, "routed", kNorthwind, kRuleBulk, false, ""},  // overdue retry
        {23, false, "pending", kInbound, "", false, "queued"},   // lock released by the migration
        {24, true, "routed", kNorthwind, kRuleBulk, false, ""},  // stale lock released
        {25, true, "routed", kNorthwind, kRuleSoftware, false, ""},
        {27, false, "pending", kInbound, "", false, "queued"},  // legacy NULL status
        {29, false, "expired", "5eed0a00-0000-4000-8000-000000000003", "", false, ""},
        {30, false, "pending", "5eed0a00-0000-4000-8000-000000000006", "", false, "queued"},
        {32, true, "routed", kGlobex, "", true, ""},  // Globex has this person (02)
        {35, true, "routed", kGlobex, "", true, ""},  // ... and this one (03)
    };
    for (const Expected& e : expected) {
        INFO("lead " << e.lead);
        const RoutingResult r = route_lead(conn, lead(e.lead), 3, rng);
        INFO("error: " << r.error);
        CHECK(r.success == e.success);
        CHECK(r.is_duplicate == e.duplicate);
        CHECK(r.fail_routing == e.fail_routing);
        CHECK(r.matched_rule == e.rule);
        CHECK(status_of(conn, lead(e.lead)) == e.status);
        CHECK(owner_of(conn, lead(e.lead)) == e.owner);
        if (e.duplicate) {
            CHECK(r.duplicate_lead == lead(e.lead == 32 ? 2 : 3));
            CHECK(r.destination == kGlobex);
        }
    }

    // The seed's routeLead() on a lead it cannot lock: routed, or held by another session
    {
        const RoutingResult routed = route_lead(conn, lead(1), 3, rng);
        CHECK_FALSE(routed.success);
        CHECK(routed.error == "Lock acquisition failed");
        pqxx::connection other{dsn_for(scalar(conn, "SELECT current_database()"))};
        exec(other, "SET ROLE " + other.quote_name(seed.role()));
        pqxx::work holding{other};
        CHECK(exec(holding, "SELECT public.acquire_routing_lock(p_lead_id => $1, p_lock_owner => $2)", lead(11),
                   random_uuid(rng))
                  .at(0)[0]
                  .as<bool>());
        const RoutingResult held = route_lead(conn, lead(11), 3, rng);  // never waits
        CHECK(held.error == "Lock acquisition failed");
        holding.abort();  // ROLLBACK
    }

    // Afterwards every invariant the seed's fix was about holds (checked as the admin).
    exec(conn, "RESET ROLE");
    CHECK_NO_ROWS(conn, "no lead is left locked", "SELECT id FROM lead_router.leads WHERE routing_status = 'routing'");
    CHECK_NO_ROWS(conn, "open retries only for waiting leads, one each",
                  "SELECT q.lead_id FROM lead_router.routing_queue q "
                  "  JOIN lead_router.leads l ON l.id = q.lead_id "
                  " WHERE q.processed_at IS NULL AND l.routing_status <> 'pending' "
                  "UNION ALL SELECT lead_id FROM lead_router.routing_queue WHERE processed_at IS NULL "
                  " GROUP BY lead_id HAVING count(*) > 1");
    CHECK_NO_ROWS(conn, "every waiting lead that was tried has its retry",
                  "SELECT l.id FROM lead_router.leads l WHERE l.routing_status = 'pending' "
                  "   AND l.routing_attempts > 0 AND NOT EXISTS (SELECT 1 FROM lead_router.routing_queue q "
                  "        WHERE q.lead_id = l.id AND q.processed_at IS NULL) "
                  "");
    // a person is owned by one partner, except the double sale from before the seed's fix
    // (leads 26 and 31, migrated as they were)
    CHECK_NO_ROWS(conn, "no person sold to two partners by the replay",
                  "SELECT l.dedupe_hash FROM lead_router.leads l "
                  "  JOIN lead_router.workspaces w ON w.id = l.workspace_id AND w.workspace_type = 'partner' "
                  " WHERE l.routing_status = 'routed' AND l.dedupe_hash IS NOT NULL "
                  "   AND l.id NOT IN ('5eed1ead-0000-4000-8000-000000000026', '5eed1ead-0000-4000-8000-000000000031') "
                  " GROUP BY l.dedupe_hash HAVING count(DISTINCT l.workspace_id) > 1");
    // each replayed lead's last audit row says what happened to it
    const pqxx::result audit =
        exec(conn,
             "SELECT right(lead_id::text, 2), routing_result FROM ("
             "  SELECT lead_id, routing_result, row_number() OVER (PARTITION BY lead_id ORDER BY id DESC) AS n"
             "    FROM lead_router.routing_logs) a WHERE n = 1");
    std::map<std::string, std::string> last;
    for (const pqxx::row& row : audit) last[row[0].c_str()] = row[1].c_str();
    CHECK(last["11"] == "retry");  // fail_routing's own audit: 'No matching rule' from the client
    CHECK(last["13"] == "failed");
    CHECK(last["14"] == "success");
    CHECK(last["17"] == "expired");
    CHECK(last["32"] == "success");  // delivered to Globex, which has the person already
}

TEST_CASE("seed flow: a rule the migration could not map is refused until the user supplies it", "[seed]") {
    MigratedSeed seed;
    migrate_and_install(seed);
    pqxx::connection& conn = seed.conn();
    std::mt19937_64 rng(1);

    // A new lead, inserted as the bulk upload processor does (pending, in its workspace) --
    // into lead_router.leads now.  The application's rule "Fintech executives" (job titles by
    // regular expression) matches it; the migration listed that rule as one to supply.
    const std::string id = "5eed1ead-0000-4000-8000-000000000099";
    exec(conn, "RESET ROLE");
    exec(conn,
         "INSERT INTO lead_router.leads (id, email, phone, company_name, company_industry, company_size,"
         "                               company_location, attributes, source_workspace_id)"
         " VALUES ($1, 'ines@ledgerly.io', '+1 646 555 0199', 'Ledgerly', 'Fintech', 200, 'US',"
         "         '{\"job_title\": \"VP Finance\", \"lead_score\": 81}', $2)",
         id, kInbound);
    exec(conn, "SET ROLE " + conn.quote_name(seed.role()));

    const RoutingResult refused = route_lead(conn, id, 3, rng);
    CHECK_FALSE(refused.success);
    INFO(refused.error);
    CHECK(refused.error.rfind("22023", 0) == 0);                   // invalid_parameter_value
    CHECK(refused.error.find(kRuleFintech) != std::string::npos);  // names the rule
    CHECK(refused.fail_routing == "queued");                       // the service requeued it
    CHECK(status_of(conn, id) == "pending");

    // The user supplies the rule in lead_router's terms (same id, so the service's
    // p_matched_rule_id is accepted), as the report suggested.
    exec(conn, "RESET ROLE");
    exec(conn,
         "INSERT INTO lead_router.routing_rules (id, workspace_id, name, priority, conditions,"
         "                                       destination_workspace_id)"
         " VALUES ($1, $2, 'Fintech executives', 70,"
         "         '{\"company_industry\": {\"in\": [\"Fintech\"]}, \"any\": ["
         "             {\"attributes.job_title\": {\"prefix\": \"vp\"}},"
         "             {\"attributes.job_title\": {\"contains\": \"director\"}},"
         "             {\"attributes.job_title\": {\"prefix\": \"chief\"}}]}', $3)",
         kRuleFintech, kInbound, kNorthwind);
    exec(conn, "SET ROLE " + conn.quote_name(seed.role()));

    // the retry (processRetryQueue, or the manual trigger) routes it
    const RoutingResult routed = route_lead(conn, id, 3, rng);
    INFO(routed.error);
    CHECK(routed.success);
    CHECK(routed.matched_rule == kRuleFintech);
    CHECK(status_of(conn, id) == "routed");
    CHECK(owner_of(conn, id) == kNorthwind);
    // and lead_router's own route_lead agrees with the application's evaluator about it
    exec(conn, "RESET ROLE");
    CHECK(scalar(conn, "SELECT rule_id::text FROM lead_router.explain_route($1) WHERE matched LIMIT 1", id) ==
          kRuleFintech);
}
