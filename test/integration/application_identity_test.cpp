// The application user as a driver sets it, with parameters (SPEC.md "Operations", "Precise
// points" -> "Application identity"): `SET lead_router.user_id = $1` cannot take a parameter
// (a utility statement: syntax error 42601, whether sent with parameters or prepared), so
// drivers use `SELECT lead_router.act_as($1)` or `SELECT set_config('lead_router.user_id', $1,
// true)` inside their transaction.  Both make current_user_id() return $1 and show the user's
// rows to a role subject to row-level security, for that transaction only: the next
// transaction on the same connection (behind a pooler, perhaps another client's) acts as
// nobody.  Also: a session-level set_config($1, false) counts only in its own transaction, a
// prepared act_as behaves the same, a malformed parameter is 22P02, and with
// identity_source = request.jwt.claims the claims PostgREST sends as a parameter decide.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "routing_fixture.h"
#include "test_database.h"

using namespace lrtest;

namespace {

// The SQLSTATE of the error `run` raises, or "no error".
template <typename Run>
std::string sqlstate_of(Run&& run) {
    try {
        run();
    } catch (const pqxx::sql_error& e) {
        return sqlstate(e);
    }
    return "no error";
}

// current_user_id() as text, in the transaction given or in autocommit; "NULL" when NULL.
template <typename Session>
std::string current_user(Session& session) {
    const pqxx::result r = exec(session, "SELECT lead_router.current_user_id()");
    return r.at(0)[0].is_null() ? "NULL" : r[0][0].c_str();
}

// A NOLOGIN role subject to row-level security (not superuser, no BYPASSRLS) that may read
// leads, dropped again however the test ends.
class RlsRole {
public:
    RlsRole(pqxx::connection& admin, const std::string& name) : admin_(admin), name_(name) {
        const std::string role = admin_.quote_name(name_);
        exec(admin_, "CREATE ROLE " + role + " NOLOGIN NOSUPERUSER NOBYPASSRLS");
        exec(admin_, "GRANT USAGE ON SCHEMA lead_router TO " + role);
        exec(admin_, "GRANT SELECT ON lead_router.leads, lead_router.user_workspaces TO " + role);
    }
    ~RlsRole() {
        try {
            exec(admin_, "RESET ROLE");
            const std::string role = admin_.quote_name(name_);
            exec(admin_, "DROP OWNED BY " + role);
            exec(admin_, "DROP ROLE " + role);
        } catch (...) {
            // Destructors must not throw; the runner's server is thrown away anyway.
        }
    }
    RlsRole(const RlsRole&) = delete;
    RlsRole& operator=(const RlsRole&) = delete;
    const std::string& name() const { return name_; }

private:
    pqxx::connection& admin_;
    std::string name_;
};

}  // namespace

TEST_CASE("identity: a driver names the application user with parameters, per transaction", "[identity]") {
    TestDatabase db("identity");
    pqxx::connection conn = db.connect("lead_router_it_identity");
    const std::string alice = test_uuid(0xa11ce000u, 1);
    const std::string bob = test_uuid(0x0b0b0000u, 2);

    REQUIRE(scalar(conn, "SHOW lead_router.identity_scope") == "transaction");

    SECTION("SET lead_router.user_id = $1 with a parameter is a syntax error (42601)") {
        CHECK(sqlstate_of([&] { exec(conn, "SET lead_router.user_id = $1", alice); }) == "42601");
        CHECK(sqlstate_of([&] {
                  // libpqxx prepares a statement on its first use
                  conn.prepare("set_user", "SET lead_router.user_id = $1");
                  pqxx::nontransaction tx{conn};
                  tx.exec_prepared("set_user", alice);
              }) == "42601");
        CHECK(sqlstate_of([&] { exec(conn, "SET LOCAL lead_router.user_id = $1", alice); }) == "42601");
        // nothing was set by the failed attempts
        CHECK(current_user(conn) == "NULL");
    }

    SECTION("SELECT lead_router.act_as($1) in a transaction, then the next transaction") {
        {
            pqxx::work tx{conn};
            CHECK(scalar(tx, "SELECT lead_router.act_as($1)", alice) == alice);
            CHECK(current_user(tx) == alice);
            CHECK(scalar(tx, "SELECT current_setting('lead_router.user_id')") == alice);
            // called again, the last call wins
            exec(tx, "SELECT lead_router.act_as($1)", bob);
            CHECK(current_user(tx) == bob);
            tx.commit();
        }
        CHECK(current_user(conn) == "NULL");

        // the same after a ROLLBACK
        {
            pqxx::work tx{conn};
            exec(tx, "SELECT lead_router.act_as($1)", alice);
            CHECK(current_user(tx) == alice);
            tx.abort();
        }
        CHECK(current_user(conn) == "NULL");
    }

    SECTION("SELECT set_config('lead_router.user_id', $1, true) in a transaction") {
        {
            pqxx::work tx{conn};
            CHECK(scalar(tx, "SELECT set_config('lead_router.user_id', $1, true)", bob) == bob);
            CHECK(current_user(tx) == bob);
            tx.commit();
        }
        CHECK(current_user(conn) == "NULL");
    }

    SECTION("a prepared act_as($1), as drivers with server-side statements send it") {
        conn.prepare("act_as", "SELECT lead_router.act_as($1)");
        conn.prepare("whoami", "SELECT lead_router.current_user_id()");
        for (const std::string& user : {alice, bob, alice}) {
            {
                pqxx::work tx{conn};
                tx.exec_prepared("act_as", user);
                const pqxx::result r = tx.exec_prepared("whoami");
                CHECK(nullable(r.at(0)[0]) == std::optional<std::string>(user));
                tx.commit();
            }
            pqxx::nontransaction tx{conn};
            CHECK(tx.exec_prepared("whoami").at(0)[0].is_null());
        }
    }

    SECTION("outside a transaction block act_as($1) lasts for its own statement only") {
        CHECK(scalar(conn, "SELECT lead_router.act_as($1)", alice) == alice);
        CHECK(current_user(conn) == "NULL");
        // within that statement it is in force
        CHECK(scalar(conn,
                     "SELECT (SELECT lead_router.act_as($1)) IS NOT NULL "
                     "AND lead_router.current_user_id() = $1::uuid",
                     alice) == "t");
        CHECK(current_user(conn) == "NULL");
    }

    SECTION("a session-level set_config($1, false) counts only in the transaction that ran it") {
        {
            pqxx::work tx{conn};
            exec(tx, "SELECT set_config('lead_router.user_id', $1, false)", alice);
            CHECK(current_user(tx) == alice);
            tx.commit();
        }
        // the GUC keeps its session value, yet nobody is acted for
        CHECK(scalar(conn, "SELECT current_setting('lead_router.user_id')") == alice);
        CHECK(current_user(conn) == "NULL");
        {
            pqxx::work tx{conn};
            CHECK(current_user(tx) == "NULL");
            tx.commit();
        }
        // autocommit: the set_config is its own transaction, the next statement acts as nobody
        exec(conn, "SELECT set_config('lead_router.user_id', $1, false)", bob);
        CHECK(current_user(conn) == "NULL");
    }

    SECTION("a parameter that is not a uuid is 22P02, and changes nothing") {
        {
            pqxx::work tx{conn};
            exec(tx, "SELECT lead_router.act_as($1)", alice);
            // the savepoint as an application writes it, around the statement that fails
            exec(tx, "SAVEPOINT s");
            CHECK(sqlstate_of([&] { exec(tx, "SELECT lead_router.act_as($1)", std::string("alice")); }) == "22P02");
            exec(tx, "ROLLBACK TO SAVEPOINT s");
            CHECK(current_user(tx) == alice);
            tx.commit();
        }
        // set_config takes any text: the malformed value fails the query that uses it
        {
            pqxx::work tx{conn};
            exec(tx, "SELECT set_config('lead_router.user_id', $1, true)", std::string("alice"));
            CHECK(sqlstate_of([&] { current_user(tx); }) == "22P02");
            tx.abort();
        }
        CHECK(current_user(conn) == "NULL");
        // NULL acts as nobody
        {
            pqxx::work tx{conn};
            exec(tx, "SELECT lead_router.act_as($1)", alice);
            CHECK(exec(tx, "SELECT lead_router.act_as($1)", nullptr).at(0)[0].is_null());
            CHECK(current_user(tx) == "NULL");
            tx.commit();
        }
    }

    SECTION("row-level security shows the user's leads in that transaction only") {
        Fixture f;
        add_workspaces(f, 2, 0);
        const std::string ws_alice = f.workspaces[0].id, ws_bob = f.workspaces[1].id;
        for (int i = 0; i < 5; ++i) f.leads.push_back(random_lead(700000 + i, 0, 3));
        for (int i = 0; i < 3; ++i) f.leads.push_back(random_lead(700100 + i, 1, 3));
        {
            pqxx::work tx{conn};
            insert_workspaces(tx, f);
            insert_leads(tx, f);
            exec(tx,
                 "INSERT INTO lead_router.user_workspaces (user_id, workspace_id) "
                 "VALUES ($1, $2), ($3, $4)",
                 alice, ws_alice, bob, ws_bob);
            tx.commit();
        }
        RlsRole role(conn, "lr_it_identity_app_" + std::to_string(getpid()));
        exec(conn, "SET ROLE " + conn.quote_name(role.name()));
        REQUIRE(scalar(conn, "SELECT current_user") == role.name());

        const std::string visible =
            "SELECT count(*) || ' leads of ' || count(DISTINCT workspace_id) || ' workspace(s)' "
            "FROM lead_router.leads";
        {
            pqxx::work tx{conn};
            exec(tx, "SELECT lead_router.act_as($1)", alice);
            CHECK(scalar(tx, visible) == "5 leads of 1 workspace(s)");
            CHECK(scalar(tx, "SELECT bool_and(workspace_id = $1::uuid) FROM lead_router.leads", ws_alice) == "t");
            tx.commit();
        }
        CHECK(scalar(conn, visible) == "0 leads of 0 workspace(s)");

        {
            pqxx::work tx{conn};
            exec(tx, "SELECT set_config('lead_router.user_id', $1, true)", bob);
            CHECK(scalar(tx, visible) == "3 leads of 1 workspace(s)");
            tx.commit();
        }
        CHECK(scalar(conn, visible) == "0 leads of 0 workspace(s)");

        // an application role cannot widen the scope for itself
        CHECK(sqlstate_of([&] { exec(conn, "SET lead_router.identity_scope = session"); }) == "42501");
        exec(conn, "RESET ROLE");
    }

    SECTION("identity_source = request.jwt.claims: the claims sent as a parameter decide") {
        // the superuser's choice (PostgREST's authenticator connection would have it per role)
        exec(conn, "SET lead_router.identity_source = 'request.jwt.claims'");
        {
            pqxx::work tx{conn};
            const nlohmann::json claims = {{"sub", alice}, {"role", "authenticated"}};
            exec(tx, "SELECT set_config('request.jwt.claims', $1, true)", claims.dump());
            CHECK(current_user(tx) == alice);
            // lead_router.user_id is not consulted with this source
            exec(tx, "SELECT lead_router.act_as($1)", bob);
            CHECK(current_user(tx) == alice);
            tx.commit();
        }
        CHECK(current_user(conn) == "NULL");
        exec(conn, "RESET lead_router.identity_source");
    }
}
