// Rules are compiled once and cached per backend, yet a rule change committed by one
// connection must be used by another connection's very next route_lead (SPEC.md "Rules"):
// inserts, condition edits, destination changes, deactivation and deletion, also inside a
// transaction that already routed with the old rules; an uncommitted change is not used.
#include <catch2/catch.hpp>

#include "routing_fixture.h"
#include "sql_checks.h"
#include "test_database.h"

using namespace lrtest;

namespace {

struct Routed {
    std::string status;
    std::string destination;  // "" when none
    std::string rule;         // "" when none
};

// route_lead in the transaction given, or in autocommit on a connection.
template <typename Session>
Routed route(Session& session, const std::string& lead_id) {
    const pqxx::row r = exec(session,
                             "SELECT status, destination_workspace_id, matched_rule_id "
                             "FROM lead_router.route_lead($1)",
                             lead_id)
                            .at(0);
    return {r[0].c_str(), r[1].c_str(), r[2].c_str()};
}

}  // namespace

TEST_CASE("rules: a committed rule change is used by another connection's next route_lead", "[rules]") {
    TestDatabase db("rules");
    Fixture f;
    add_workspaces(f, 1, 3);
    const std::string P1 = f.workspaces[static_cast<std::size_t>(f.partners[0])].id;
    const std::string P2 = f.workspaces[static_cast<std::size_t>(f.partners[1])].id;
    const std::string P3 = f.workspaces[static_cast<std::size_t>(f.partners[2])].id;
    const std::string source = f.workspaces[static_cast<std::size_t>(f.sources[0])].id;
    // leads 0-11, alternately from Germany and France
    for (int i = 0; i < 12; ++i) {
        GeneratedLead l = random_lead(500000 + i, f.sources[0], 17);
        l.inputs.country = i % 2 == 0 ? "DE" : "FR";
        f.leads.push_back(l);
    }
    const auto lead = [&](int i) { return f.leads[static_cast<std::size_t>(i)].id; };
    const std::string R1 = test_uuid(0x5e1e0300u, 1), R2 = test_uuid(0x5e1e0300u, 2), R3 = test_uuid(0x5e1e0300u, 3);

    pqxx::connection editor = db.connect("lead_router_it_editor");
    insert_fixture(editor, f);
    exec(editor,
         "INSERT INTO lead_router.routing_rules (id, workspace_id, name, priority, conditions, "
         "destination_workspace_id) VALUES ($1, $2, 'catch-all', 10, '{}', $3)",
         R1, source, P1);
    pqxx::connection router = db.connect("lead_router_it_router");

    // the router compiles and caches the source's rules
    Routed r = route(router, lead(0));
    CHECK(r.destination == P1);

    exec(editor,
         "INSERT INTO lead_router.routing_rules (id, workspace_id, name, priority, conditions, "
         "destination_workspace_id) VALUES ($1, $2, 'germany', 20, '{\"country\": \"DE\"}', $3)",
         R2, source, P2);
    {
        INFO("after a new higher-priority rule for DE");
        r = route(router, lead(2));  // DE
        CHECK(r.destination == P2);
        CHECK(r.rule == R2);
        const pqxx::result explained = exec(router, "SELECT rule_id FROM lead_router.explain_route($1)", lead(2));
        REQUIRE(explained.size() == 2u);
        CHECK(explained[0][0].as<std::string>() == R2);
    }

    exec(editor, "UPDATE lead_router.routing_rules SET conditions = '{\"country\": \"FR\"}' WHERE id = $1", R2);
    {
        INFO("after that rule's conditions changed from DE to FR");
        CHECK(route(router, lead(4)).destination == P1);  // DE
        CHECK(route(router, lead(5)).destination == P2);  // FR
    }

    exec(editor, "UPDATE lead_router.routing_rules SET destination_workspace_id = $2 WHERE id = $1", R1, P3);
    {
        INFO("after the catch-all's destination changed");
        CHECK(route(router, lead(6)).destination == P3);  // DE
    }

    exec(editor, "UPDATE lead_router.routing_rules SET is_active = false WHERE id = $1", R2);
    {
        INFO("after the FR rule was deactivated");
        r = route(router, lead(7));  // FR
        CHECK(r.destination == P3);
        CHECK(r.rule == R1);
    }

    exec(editor, "DELETE FROM lead_router.routing_rules WHERE id = $1", R1);
    {
        INFO("after the catch-all was deleted: no rule left");
        r = route(router, lead(8));
        CHECK(r.status == "queued");
        CHECK(r.destination.empty());
    }

    // inside one router transaction: a change committed in between is used by the next call
    exec(editor,
         "INSERT INTO lead_router.routing_rules (id, workspace_id, name, priority, conditions, "
         "destination_workspace_id) VALUES ($1, $2, 'catch-all again', 5, '{}', $3)",
         R3, source, P1);
    {
        pqxx::work routing{router};
        INFO("inside a transaction, before and after a committed change");
        CHECK(route(routing, lead(9)).destination == P1);
        exec(editor, "UPDATE lead_router.routing_rules SET destination_workspace_id = $2 WHERE id = $1", R3, P2);
        CHECK(route(routing, lead(10)).destination == P2);
        routing.commit();
    }

    // an uncommitted change is not used
    {
        pqxx::work editing{editor};
        exec(editing, "UPDATE lead_router.routing_rules SET destination_workspace_id = $2 WHERE id = $1", R3, P3);
        INFO("while another transaction's change is uncommitted");
        CHECK(route(router, lead(11)).destination == P2);
        editing.abort();  // ROLLBACK
    }

    CHECK_NO_ROWS(router, "success audit rows that disagree with the lead's owner", R"sql(
        SELECT l.id FROM lead_router.leads l
          JOIN lead_router.routing_logs g ON g.lead_id = l.id AND g.routing_result = 'success'
         WHERE g.destination_workspace_id <> l.workspace_id)sql");
}
