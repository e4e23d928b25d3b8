// The application user as a driver sets it, with parameters (SPEC.md "Operations", "Precise
// points" -> "Application identity"): `SET lead_router.user_id = $1` cannot take a parameter
// (a utility statement: syntax error 42601, whether sent with PQexecParams or prepared), so
// drivers use `SELECT lead_router.act_as($1)` or `SELECT set_config('lead_router.user_id', $1,
// true)` inside their transaction.  Both make current_user_id() return $1 and show the user's
// rows to a role subject to row-level security, for that transaction only: the next
// transaction on the same connection (behind a pooler, perhaps another client's) acts as
// nobody.  Also: a session-level set_config($1, false) counts only in its own transaction, a
// prepared act_as behaves the same, a malformed parameter is 22P02, and with
// identity_source = request.jwt.claims the claims PostgREST sends as a parameter decide.
#include <catch2/catch.hpp>

#include <unistd.h>

#include "pg_connection.h"
#include "routing_fixture.h"
#include "test_database.h"

using namespace lrtest;

namespace {

// The SQLSTATE of the error `run` raises, or "no error".
template <typename Run>
std::string sqlstate_of(Run&& run) {
    try {
        run();
    } catch (const PgError& e) {
        return e.sqlstate();
    }
    return "no error";
}

// current_user_id() as text; "NULL" when it is NULL.
std::string current_user(Connection& conn) {
    const Result r = conn.exec("SELECT lead_router.current_user_id()");
    return r.is_null(0, 0) ? "NULL" : r.text(0, 0);
}

// A NOLOGIN role subject to row-level security (not superuser, no BYPASSRLS) that may read
// leads, dropped again however the test ends.
class RlsRole {
public:
    RlsRole(Connection& admin, const std::string& name) : admin_(admin), name_(name) {
        const std::string role = admin_.quote_identifier(name_);
        admin_.exec("CREATE ROLE " + role + " NOLOGIN NOSUPERUSER NOBYPASSRLS");
        admin_.exec("GRANT USAGE ON SCHEMA lead_router TO " + role);
        admin_.exec("GRANT SELECT ON lead_router.leads, lead_router.user_workspaces TO " + role);
    }
    ~RlsRole() {
        try {
            admin_.exec("RESET ROLE");
            const std::string role = admin_.quote_identifier(name_);
            admin_.exec("DROP OWNED BY " + role);
            admin_.exec("DROP ROLE " + role);
        } catch (...) {
            // Destructors must not throw; the runner's server is thrown away anyway.
        }
    }
    RlsRole(const RlsRole&) = delete;
    RlsRole& operator=(const RlsRole&) = delete;
    const std::string& name() const { return name_; }

private:
    Connection& admin_;
    std::string name_;
};

}  // namespace

TEST_CASE("identity: a driver names the application user with parameters, per transaction",
          "[identity]") {
    TestDatabase db("identity");
    Connection conn = db.connect("lead_router_it_identity");
    const std::string alice = test_uuid(0xa11ce000u, 1);
    const std::string bob = test_uuid(0x0b0b0000u, 2);

    REQUIRE(conn.scalar("SHOW lead_router.identity_scope") == "transaction");

    SECTION("SET lead_router.user_id = $1 with a parameter is a syntax error (42601)") {
        CHECK(sqlstate_of([&] { conn.exec("SET lead_router.user_id = $1", {alice}); }) == "42601");
        CHECK(sqlstate_of([&] { conn.prepare("set_user", "SET lead_router.user_id = $1"); }) ==
              "42601");
        CHECK(sqlstate_of([&] { conn.exec("SET LOCAL lead_router.user_id = $1", {alice}); }) ==
              "42601");
        // nothing was set by the failed attempts
        CHECK(current_user(conn) == "NULL");
    }

    SECTION("SELECT lead_router.act_as($1) in a transaction, then the next transaction") {
        conn.exec("BEGIN");
        CHECK(conn.scalar("SELECT lead_router.act_as($1)", {alice}) == alice);
        CHECK(current_user(conn) == alice);
        CHECK(conn.scalar("SELECT current_setting('lead_router.user_id')") == alice);
        // called again, the last call wins
        conn.exec("SELECT lead_router.act_as($1)", {bob});
        CHECK(current_user(conn) == bob);
        conn.exec("COMMIT");
        CHECK(current_user(conn) == "NULL");

        // the same after a ROLLBACK
        conn.exec("BEGIN");
        conn.exec("SELECT lead_router.act_as($1)", {alice});
        CHECK(current_user(conn) == alice);
        conn.exec("ROLLBACK");
        CHECK(current_user(conn) == "NULL");
    }

    SECTION("SELECT set_config('lead_router.user_id', $1, true) in a transaction") {
        conn.exec("BEGIN");
        CHECK(conn.scalar("SELECT set_config('lead_router.user_id', $1, true)", {bob}) == bob);
        CHECK(current_user(conn) == bob);
        conn.exec("COMMIT");
        CHECK(current_user(conn) == "NULL");
    }

    SECTION("a prepared act_as($1), as drivers with server-side statements send it") {
        conn.prepare("act_as", "SELECT lead_router.act_as($1)");
        conn.prepare("whoami", "SELECT lead_router.current_user_id()");
        for (const std::string& user : {alice, bob, alice}) {
            conn.exec("BEGIN");
            conn.exec_prepared("act_as", {user});
            const Result r = conn.exec_prepared("whoami", {});
            CHECK(r.optional(0, 0) == std::optional<std::string>(user));
            conn.exec("COMMIT");
            CHECK(conn.exec_prepared("whoami", {}).is_null(0, 0));
        }
    }

    SECTION("outside a transaction block act_as($1) lasts for its own statement only") {
        CHECK(conn.scalar("SELECT lead_router.act_as($1)", {alice}) == alice);
        CHECK(current_user(conn) == "NULL");
        // within that statement it is in force
        CHECK(conn.scalar("SELECT (SELECT lead_router.act_as($1)) IS NOT NULL "
                          "AND lead_router.current_user_id() = $1::uuid",
                          {alice}) == "t");
        CHECK(current_user(conn) == "NULL");
    }

    SECTION("a session-level set_config($1, false) counts only in the transaction that ran it") {
        conn.exec("BEGIN");
        conn.exec("SELECT set_config('lead_router.user_id', $1, false)", {alice});
        CHECK(current_user(conn) == alice);
        conn.exec("COMMIT");
        // the GUC keeps its session value, yet nobody is acted for
        CHECK(conn.scalar("SELECT current_setting('lead_router.user_id')") == alice);
        CHECK(current_user(conn) == "NULL");
        conn.exec("BEGIN");
        CHECK(current_user(conn) == "NULL");
        conn.exec("COMMIT");
        // autocommit: the set_config is its own transaction, the next statement acts as nobody
        conn.exec("SELECT set_config('lead_router.user_id', $1, false)", {bob});
        CHECK(current_user(conn) == "NULL");
    }

    SECTION("a parameter that is not a uuid is 22P02, and changes nothing") {
        conn.exec("BEGIN");
        conn.exec("SELECT lead_router.act_as($1)", {alice});
        conn.exec("SAVEPOINT s");
        CHECK(sqlstate_of([&] {
                  conn.exec("SELECT lead_router.act_as($1)", {std::string("alice")});
              }) == "22P02");
        conn.exec("ROLLBACK TO SAVEPOINT s");
        CHECK(current_user(conn) == alice);
        conn.exec("COMMIT");
        // set_config takes any text: the malformed value fails the query that uses it
        conn.exec("BEGIN");
        conn.exec("SELECT set_config('lead_router.user_id', $1, true)", {std::string("alice")});
        CHECK(sqlstate_of([&] { current_user(conn); }) == "22P02");
        conn.exec("ROLLBACK");
        CHECK(current_user(conn) == "NULL");
        // NULL acts as nobody
        conn.exec("BEGIN");
        conn.exec("SELECT lead_router.act_as($1)", {alice});
        CHECK(conn.exec("SELECT lead_router.act_as($1)", {std::nullopt}).is_null(0, 0));
        CHECK(current_user(conn) == "NULL");
        conn.exec("COMMIT");
    }

    SECTION("row-level security shows the user's leads in that transaction only") {
        Fixture f;
        add_workspaces(f, 2, 0);
        const std::string ws_alice = f.workspaces[0].id, ws_bob = f.workspaces[1].id;
        for (int i = 0; i < 5; ++i) f.leads.push_back(random_lead(700000 + i, 0, 3));
        for (int i = 0; i < 3; ++i) f.leads.push_back(random_lead(700100 + i, 1, 3));
        insert_workspaces(conn, f);
        insert_leads(conn, f);
        conn.exec("INSERT INTO lead_router.user_workspaces (user_id, workspace_id) "
                  "VALUES ($1, $2), ($3, $4)",
                  {alice, ws_alice, bob, ws_bob});
        RlsRole role(conn, "lr_it_identity_app_" + std::to_string(getpid()));
        conn.exec("SET ROLE " + conn.quote_identifier(role.name()));
        REQUIRE(conn.scalar("SELECT current_user") == role.name());

        const std::string visible =
            "SELECT count(*) || ' leads of ' || count(DISTINCT workspace_id) || ' workspace(s)' "
            "FROM lead_router.leads";
        conn.exec("BEGIN");
        conn.exec("SELECT lead_router.act_as($1)", {alice});
        CHECK(conn.scalar(visible) == "5 leads of 1 workspace(s)");
        CHECK(conn.scalar("SELECT bool_and(workspace_id = $1::uuid) FROM lead_router.leads",
                          {ws_alice}) == "t");
        conn.exec("COMMIT");
        CHECK(conn.scalar(visible) == "0 leads of 0 workspace(s)");

        conn.exec("BEGIN");
        conn.exec("SELECT set_config('lead_router.user_id', $1, true)", {bob});
        CHECK(conn.scalar(visible) == "3 leads of 1 workspace(s)");
        conn.exec("COMMIT");
        CHECK(conn.scalar(visible) == "0 leads of 0 workspace(s)");

        // an application role cannot widen the scope for itself
        CHECK(sqlstate_of([&] { conn.exec("SET lead_router.identity_scope = session"); }) ==
              "42501");
        conn.exec("RESET ROLE");
    }

    SECTION("identity_source = request.jwt.claims: the claims sent as a parameter decide") {
        // the superuser's choice (PostgREST's authenticator connection would have it per role)
        conn.exec("SET lead_router.identity_source = 'request.jwt.claims'");
        conn.exec("BEGIN");
        conn.exec("SELECT set_config('request.jwt.claims', $1, true)",
                  {std::string("{\"sub\": \"") + alice + "\", \"role\": \"authenticated\"}"});
        CHECK(current_user(conn) == alice);
        // lead_router.user_id is not consulted with this source
        conn.exec("SELECT lead_router.act_as($1)", {bob});
        CHECK(current_user(conn) == alice);
        conn.exec("COMMIT");
        CHECK(current_user(conn) == "NULL");
        conn.exec("RESET lead_router.identity_source");
    }
}
