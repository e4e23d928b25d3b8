// A fresh database per test, with the extension created in it, dropped again at the end:
// tests never see each other's leads, rules or cached plans, and a failed run leaves
// nothing behind on the server (the runner's server is thrown away anyway).
#pragma once

#include <unistd.h>

#include <atomic>
#include <string>

#include "pg_connection.h"

namespace lrtest {

class TestDatabase {
public:
    // `purpose` becomes part of the database name; it must be a plain identifier.
    explicit TestDatabase(const std::string& purpose) : dsn_(test_dsn()) {
        static std::atomic<int> counter{0};
        name_ =
            "lr_it_" + purpose + "_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
        Connection admin(dsn_);
        // CREATE DATABASE takes no parameters; the name is our own constant, quoted anyway.
        admin.exec("CREATE DATABASE " + admin.quote_identifier(name_) + " TEMPLATE template0");
        Connection db(dsn_, name_);
        db.exec("CREATE EXTENSION lead_router");
    }

    ~TestDatabase() {
        try {
            Connection admin(dsn_);
            // FORCE: a connection a failed test left open must not keep the database alive.
            admin.exec("DROP DATABASE IF EXISTS " + admin.quote_identifier(name_) +
                       " WITH (FORCE)");
        } catch (...) {
            // Destructors must not throw; the runner's server is removed afterwards anyway.
        }
    }

    TestDatabase(const TestDatabase&) = delete;
    TestDatabase& operator=(const TestDatabase&) = delete;

    // A new connection to this database, with a statement timeout so that a hang in the
    // extension fails the test instead of stalling the suite.
    Connection connect(const char* application_name = "lead_router_it") const {
        Connection conn(dsn_, name_);
        conn.exec(
            "SELECT pg_catalog.set_config('application_name', $1, false), "
            "pg_catalog.set_config('statement_timeout', '60s', false)",
            {std::string(application_name)});
        return conn;
    }

    const std::string& name() const { return name_; }

private:
    std::string dsn_;
    std::string name_;
};

}  // namespace lrtest
