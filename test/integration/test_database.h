// How the tests reach the server, with libpqxx: the runner's server (LEAD_ROUTER_TEST_DSN), a
// fresh database per test with the extension created in it and dropped again at the end (tests
// never see each other's leads, rules or cached plans), and connections to it.  Data always
// travels as parameters (exec_params, exec_prepared); a failed statement throws
// pqxx::sql_error, whose SQLSTATE the tests assert on and report (sqlstate(), describe()).
//
// A connection is used by one thread at a time (libpqxx connections are not thread-safe).
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <optional>
#include <pqxx/pqxx>
#include <stdexcept>
#include <string>
#include <utility>

namespace lrtest {

// The server the runner script started: a libpq connection string in keyword=value form.
inline std::string test_dsn() {
    const char* dsn = std::getenv("LEAD_ROUTER_TEST_DSN");
    if (dsn == nullptr || *dsn == '\0') {
        throw std::runtime_error("LEAD_ROUTER_TEST_DSN is not set: run test/integration/run_integration_tests.sh");
    }
    return dsn;
}

// A keyword's value in a connection string, quoted as libpq reads it.
inline std::string conninfo_value(const std::string& value) {
    std::string out = "'";
    for (const char c : value) {
        if (c == '\'' || c == '\\') out += '\\';
        out += c;
    }
    return out + "'";
}

// The server's database `dbname` (later keywords of a connection string override earlier ones).
inline std::string dsn_for(const std::string& dbname) { return test_dsn() + " dbname=" + conninfo_value(dbname); }

// One statement in autocommit (its own transaction), or in the transaction given.
template <typename... Args>
pqxx::result exec(pqxx::transaction_base& tx, const std::string& sql, Args&&... args) {
    return tx.exec_params(sql, std::forward<Args>(args)...);
}
template <typename... Args>
pqxx::result exec(pqxx::connection& conn, const std::string& sql, Args&&... args) {
    pqxx::nontransaction tx{conn};
    return tx.exec_params(sql, std::forward<Args>(args)...);
}

// The single value of a one-row query, as text ("" for NULL) / as an integer.
template <typename Session, typename... Args>
std::string scalar(Session& session, const std::string& sql, Args&&... args) {
    const pqxx::result r = exec(session, sql, std::forward<Args>(args)...);
    if (r.size() != 1 || r.columns() < 1) {
        throw std::logic_error("scalar(): expected one row, got " + std::to_string(r.size()) + " from: " + sql);
    }
    return r[0][0].c_str();
}
template <typename Session, typename... Args>
long long scalar_int(Session& session, const std::string& sql, Args&&... args) {
    return std::strtoll(scalar(session, sql, std::forward<Args>(args)...).c_str(), nullptr, 10);
}

// The SQLSTATE of a failed statement.  libpqxx 6.4 (Debian 12) leaves sqlstate() empty for
// 42501, which it throws as pqxx::insufficient_privilege (fixed upstream: jtv/libpqxx#1077).
inline std::string sqlstate(const pqxx::sql_error& e) {
    if (!e.sqlstate().empty()) return e.sqlstate();
    if (dynamic_cast<const pqxx::insufficient_privilege*>(&e) != nullptr) return "42501";
    return "";
}

// A failed statement for messages: "<message> [SQLSTATE] in: <statement>" (Catch2 shows
// this for any pqxx::sql_error a test case lets escape: catch_hooks.cpp).
inline std::string describe(const pqxx::sql_error& e) {
    std::string message = e.what();
    while (!message.empty() && message.back() == '\n') message.pop_back();
    const std::string state = sqlstate(e);
    return message + " [" + (state.empty() ? "no sqlstate" : state) + "] in: " + e.query();
}

// A column value that may be NULL.
inline std::optional<std::string> nullable(const pqxx::field& f) {
    if (f.is_null()) return std::nullopt;
    return std::string(f.c_str());
}

class TestDatabase {
public:
    // `purpose` becomes part of the database name; it must be a plain identifier.
    explicit TestDatabase(const std::string& purpose) {
        static std::atomic<int> counter{0};
        name_ = "lr_it_" + purpose + "_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
        pqxx::connection admin{test_dsn()};
        // CREATE DATABASE takes no parameters; the name is our own constant, quoted anyway.
        exec(admin, "CREATE DATABASE " + admin.quote_name(name_) + " TEMPLATE template0");
        pqxx::connection db{dsn_for(name_)};
        exec(db, "CREATE EXTENSION lead_router");
    }

    ~TestDatabase() {
        try {
            pqxx::connection admin{test_dsn()};
            // FORCE: a connection a failed test left open must not keep the database alive.
            exec(admin, "DROP DATABASE IF EXISTS " + admin.quote_name(name_) + " WITH (FORCE)");
        } catch (...) {
            // Destructors must not throw; the runner's server is removed afterwards anyway.
        }
    }

    TestDatabase(const TestDatabase&) = delete;
    TestDatabase& operator=(const TestDatabase&) = delete;

    // A new connection to this database, with a statement timeout so that a hang in the
    // extension fails the test instead of stalling the suite; `settings` adds more, as
    // "-c name=value ..." (the test's own constants).
    pqxx::connection connect(const char* application_name = "lead_router_it", const std::string& settings = "") const {
        return pqxx::connection{dsn_for(name_) + " application_name=" + conninfo_value(application_name) +
                                " options=" + conninfo_value("-c statement_timeout=60s " + settings)};
    }

    const std::string& name() const { return name_; }

private:
    std::string name_;
};

}  // namespace lrtest
