// The main scenario, second half: who got each lead, and whether the calls' own reports add
// up.  Owners are checked against rules::expected_rule, the test's independent evaluator of
// the rules it generated (priority desc, created_at asc, id asc; first rule that holds).
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "concurrent_routing_run.h"
#include "sql_checks.h"

using namespace lrtest;

namespace {

// The final state of one lead, with its success audit row(s).
struct FinalLead {
    std::string status;
    std::string owner;
    std::optional<std::string> duplicate_of;
    std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>> successes;  // rule, destination
};

std::map<std::string, FinalLead> final_leads(pqxx::connection& conn) {
    std::map<std::string, FinalLead> out;
    const pqxx::result leads =
        exec(conn, "SELECT id, routing_status::text, workspace_id, duplicate_of FROM lead_router.leads");
    for (const pqxx::row& row : leads) {
        FinalLead& l = out[row[0].c_str()];
        l.status = row[1].c_str();
        l.owner = row[2].c_str();
        l.duplicate_of = nullable(row[3]);
    }
    const pqxx::result logs =
        exec(conn,
             "SELECT lead_id, matched_rule_id, destination_workspace_id FROM lead_router.routing_logs "
             "WHERE routing_result = 'success' ORDER BY id");
    for (const pqxx::row& row : logs) {
        out[row[0].c_str()].successes.emplace_back(nullable(row[1]), nullable(row[2]));
    }
    return out;
}

}  // namespace

TEST_CASE("concurrent: each routed lead's owner is the reference evaluator's first matching rule", "[concurrent]") {
    const ConcurrentRun& run = concurrent_run();
    const Fixture& f = run.fixture;
    pqxx::connection conn = run.db.connect();
    const std::map<std::string, FinalLead> final = final_leads(conn);

    std::map<int, std::vector<const rules::Rule*>> order;
    for (const int s : f.sources) order[s] = rules::evaluation_order(f.rules, s);

    std::vector<std::string> wrong_owner, wrong_audit, matched_not_routed, unmatched_routed;
    int originals = 0;
    for (const GeneratedLead& l : f.leads) {
        const FinalLead& got = final.at(l.id);
        const rules::Rule* expected = rules::expected_rule(order[l.source], l.inputs);
        if (got.status == "routed" && !got.duplicate_of) {
            ++originals;
            if (expected == nullptr) {
                unmatched_routed.push_back(l.id + " -> " + got.owner);
                continue;
            }
            const std::string& want = f.workspaces.at(static_cast<std::size_t>(expected->destination)).id;
            if (got.owner != want) {
                wrong_owner.push_back(l.id + ": owner " + got.owner + ", expected " + want + " by rule '" +
                                      expected->name + "'");
            }
            if (got.successes.size() != 1 || got.successes[0].first != expected->id ||
                got.successes[0].second != want) {
                wrong_audit.push_back(l.id + ": success row names rule " +
                                      (got.successes.empty() ? "(none)" : got.successes[0].first.value_or("NULL")) +
                                      ", expected " + expected->id + " ('" + expected->name + "')");
            }
        } else if (expected != nullptr && got.status != "routed") {
            // a lead some rule matches is routed: to its partner, or as a duplicate
            matched_not_routed.push_back(l.id + " is " + got.status + ", rule '" + expected->name + "' matches");
        }
    }
    INFO("routed originals checked: " << originals);
    CHECK(originals > kConcurrentLeads / 2);
    INFO("owner differs from the reference evaluator (" << wrong_owner.size() << "): " << examples(wrong_owner));
    CHECK(wrong_owner.empty());
    INFO("success audit row names another rule (" << wrong_audit.size() << "): " << examples(wrong_audit));
    CHECK(wrong_audit.empty());
    INFO("routed although no rule matches (" << unmatched_routed.size() << "): " << examples(unmatched_routed));
    CHECK(unmatched_routed.empty());
    INFO("matching leads left unrouted (" << matched_not_routed.size() << "): " << examples(matched_not_routed));
    CHECK(matched_not_routed.empty());
}

TEST_CASE("concurrent: route_pending_leads results add up to the final table state", "[concurrent]") {
    const ConcurrentRun& run = concurrent_run();
    pqxx::connection conn = run.db.connect();
    const std::map<std::string, FinalLead> final = final_leads(conn);

    std::map<std::string, int> settled_count;  // routed + duplicate results per lead
    std::map<std::string, long> by_status;
    std::set<std::string> queued_leads;
    std::vector<std::string> twice, mismatched, unknown_status;
    for (const RouteRow& row : run.rows) {
        ++by_status[row.status];
        const auto found = final.find(row.lead_id);
        if (found == final.end()) {
            mismatched.push_back(row.lead_id + ": not a lead");
            continue;
        }
        const FinalLead& got = found->second;
        if (row.status == "routed" || row.status == "duplicate") {
            if (++settled_count[row.lead_id] == 2) twice.push_back(row.lead_id);
        }
        if (row.status == "routed") {
            if (got.status != "routed" || got.duplicate_of || row.destination != got.owner || got.successes.empty() ||
                row.rule != got.successes.back().first) {
                mismatched.push_back(row.lead_id + ": reported routed to " + row.destination.value_or("NULL") +
                                     ", table says " + got.status + " in " + got.owner);
            }
        } else if (row.status == "duplicate") {
            if (got.status != "routed" || !got.duplicate_of || row.duplicate_lead != got.duplicate_of) {
                mismatched.push_back(row.lead_id + ": reported duplicate of " + row.duplicate_lead.value_or("NULL") +
                                     ", table says " + got.duplicate_of.value_or("not a duplicate"));
            }
        } else if (row.status == "queued") {
            queued_leads.insert(row.lead_id);
        } else if (row.status != "locked" && row.status != "failed") {
            unknown_status.push_back(row.lead_id + ": " + row.status);
        }
    }
    long routed = 0, duplicates = 0, pending = 0, failed = 0;
    for (const auto& [id, l] : final) {
        if (l.status == "routed") ++(l.duplicate_of ? duplicates : routed);
        if (l.status == "pending") ++pending;
        if (l.status == "failed") ++failed;
    }
    const long long requeue_audits =
        scalar_int(conn,
                   "SELECT count(*) FROM lead_router.routing_logs WHERE routing_result IN ('no_match', "
                   "'retry')");

    INFO("result rows: routed " << by_status["routed"] << ", duplicate " << by_status["duplicate"] << ", queued "
                                << by_status["queued"] << ", failed " << by_status["failed"] << ", locked "
                                << by_status["locked"] << "; table: routed " << routed << ", duplicates " << duplicates
                                << ", pending " << pending << ", failed " << failed);
    CHECK(by_status["routed"] == routed);
    CHECK(by_status["duplicate"] == duplicates);
    CHECK(by_status["failed"] == failed);
    std::vector<std::string> pending_not_reported;
    for (const auto& [id, l] : final) {
        if (l.status == "pending" && queued_leads.count(id) == 0) pending_not_reported.push_back(id);
    }
    INFO("pending leads never reported 'queued': " << examples(pending_not_reported));
    CHECK(pending_not_reported.empty());
    CHECK(by_status["queued"] == requeue_audits);
    CHECK(routed + duplicates + pending + failed == kConcurrentLeads);
    INFO("leads reported routed/duplicate twice: " << examples(twice));
    CHECK(twice.empty());
    INFO("reports that disagree with the tables: " << examples(mismatched));
    CHECK(mismatched.empty());
    INFO("unexpected statuses: " << examples(unknown_status));
    CHECK(unknown_status.empty());
}
