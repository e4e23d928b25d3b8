// RAII wrappers over libpq for the integration tests and the benchmark driver (bench/driver/
// pq.h): one PGconn per Connection, one
// PGresult per Result, and every statement sent with PQexecParams so that data only ever
// travels as parameters (never spliced into SQL text).  Errors become PgError exceptions
// carrying the SQLSTATE, so that a failing statement fails the Catch2 test that ran it.
//
// Connections are used by one thread each (libpq connections are not thread-safe; libpq
// itself is, as Debian builds it thread-safe).
#pragma once

#include <libpq-fe.h>

#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace lrtest {

// A statement or connection failure, with the server's SQLSTATE when there is one.
class PgError : public std::runtime_error {
public:
    PgError(const std::string& message, std::string sqlstate)
        : std::runtime_error(message), sqlstate_(std::move(sqlstate)) {}
    const std::string& sqlstate() const { return sqlstate_; }

private:
    std::string sqlstate_;
};

// A parameter in text format; std::nullopt is SQL NULL.
using Param = std::optional<std::string>;

class Result {
public:
    explicit Result(PGresult* result) : result_(result) {}
    ~Result() {
        if (result_ != nullptr) PQclear(result_);
    }
    Result(Result&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}
    Result& operator=(Result&& other) noexcept {
        if (this != &other) {
            if (result_ != nullptr) PQclear(result_);
            result_ = std::exchange(other.result_, nullptr);
        }
        return *this;
    }
    Result(const Result&) = delete;
    Result& operator=(const Result&) = delete;

    int rows() const { return PQntuples(result_); }
    int columns() const { return PQnfields(result_); }

    // Column number by name; throws so that a typo in a test query is loud, not a crash.
    int column(const char* name) const {
        const int index = PQfnumber(result_, name);
        if (index < 0) throw std::logic_error(std::string("result has no column ") + name);
        return index;
    }

    bool is_null(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }
    // The value as text; "" for NULL (use optional() where NULL matters).
    std::string text(int row, int column) const { return PQgetvalue(result_, row, column); }
    // The value without a copy, valid while the Result lives.
    const char* raw(int row, int column) const { return PQgetvalue(result_, row, column); }
    std::optional<std::string> optional(int row, int column) const {
        if (is_null(row, column)) return std::nullopt;
        return text(row, column);
    }
    long long integer(int row, int column) const {
        if (is_null(row, column)) throw std::logic_error("integer(): value is NULL");
        return std::strtoll(PQgetvalue(result_, row, column), nullptr, 10);
    }
    double number(int row, int column) const {
        if (is_null(row, column)) throw std::logic_error("number(): value is NULL");
        return std::strtod(PQgetvalue(result_, row, column), nullptr);
    }
    bool boolean(int row, int column) const { return text(row, column) == "t"; }

private:
    friend class Connection;  // reads the status of the result it made
    PGresult* result_;
};

class Connection {
public:
    // `conninfo` is a libpq connection string; a non-empty `dbname` replaces its database
    // (PQconnectdbParams with expand_dbname: later keywords override the expanded string).
    explicit Connection(const std::string& conninfo, const std::string& dbname = "") {
        const char* keywords[] = {"dbname", dbname.empty() ? nullptr : "dbname", nullptr};
        const char* values[] = {conninfo.c_str(), dbname.empty() ? nullptr : dbname.c_str(),
                                nullptr};
        conn_ = PQconnectdbParams(keywords, values, 1);
        if (conn_ == nullptr) throw PgError("PQconnectdbParams: out of memory", "");
        if (PQstatus(conn_) != CONNECTION_OK) {
            const std::string message = std::string("connection failed: ") + PQerrorMessage(conn_);
            PQfinish(conn_);
            conn_ = nullptr;
            throw PgError(message, "08006");
        }
    }
    ~Connection() {
        if (conn_ != nullptr) PQfinish(conn_);
    }
    Connection(Connection&& other) noexcept : conn_(std::exchange(other.conn_, nullptr)) {}
    Connection& operator=(Connection&&) = delete;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Runs one statement with text parameters.  Throws PgError unless it succeeded.
    Result exec(const std::string& sql, const std::vector<Param>& params = {}) {
        const std::vector<const char*> values = pointers(params);
        Result result(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                   values.data(), nullptr, nullptr, 0));
        check(result, sql);
        return result;
    }

    // A named prepared statement of this connection, and a run of it (as application drivers
    // do: parse and plan once).
    void prepare(const std::string& name, const std::string& sql) {
        Result result(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr));
        check(result, sql);
    }
    Result exec_prepared(const std::string& name, const std::vector<Param>& params) {
        const std::vector<const char*> values = pointers(params);
        Result result(PQexecPrepared(conn_, name.c_str(), static_cast<int>(values.size()),
                                     values.data(), nullptr, nullptr, 0));
        check(result, "prepared statement " + name);
        return result;
    }

    // The single value of a one-row, one-column query, as text / as an integer.
    std::string scalar(const std::string& sql, const std::vector<Param>& params = {}) {
        Result r = exec(sql, params);
        if (r.rows() != 1 || r.columns() < 1) {
            throw std::logic_error("scalar(): expected one row, got " + std::to_string(r.rows()) +
                                   " from: " + sql);
        }
        return r.text(0, 0);
    }
    long long scalar_int(const std::string& sql, const std::vector<Param>& params = {}) {
        return std::strtoll(scalar(sql, params).c_str(), nullptr, 10);
    }

    // Quotes a name generated by the tests themselves (CREATE DATABASE takes no parameters).
    std::string quote_identifier(const std::string& name) {
        char* quoted = PQescapeIdentifier(conn_, name.c_str(), name.size());
        if (quoted == nullptr) throw PgError(PQerrorMessage(conn_), "");
        std::string out(quoted);
        PQfreemem(quoted);
        return out;
    }

    PGconn* raw() { return conn_; }

private:
    static std::vector<const char*> pointers(const std::vector<Param>& params) {
        std::vector<const char*> values;
        values.reserve(params.size());
        for (const Param& p : params) values.push_back(p ? p->c_str() : nullptr);
        return values;
    }
    void check(const Result& result, const std::string& sql) {
        PGresult* r = result.result_;
        const ExecStatusType status = r == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(r);
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
        const char* state = r == nullptr ? nullptr : PQresultErrorField(r, PG_DIAG_SQLSTATE);
        std::string message = r == nullptr ? PQerrorMessage(conn_) : PQresultErrorMessage(r);
        while (!message.empty() && message.back() == '\n') message.pop_back();
        throw PgError(message + " [" + (state ? state : "no sqlstate") + "] in: " + sql,
                      state ? state : "");
    }
    PGconn* conn_ = nullptr;
};

// A PostgreSQL array literal of text elements ("{\"a\",NULL}"), to pass a whole column of
// rows as one parameter: INSERT ... SELECT * FROM unnest($1::uuid[], $2::text[], ...).
inline std::string array_literal(const std::vector<Param>& elements) {
    std::string out = "{";
    for (std::size_t i = 0; i < elements.size(); ++i) {
        if (i > 0) out += ',';
        if (!elements[i]) {
            out += "NULL";
            continue;
        }
        out += '"';
        for (const char c : *elements[i]) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

// The server the runner script started, from LEAD_ROUTER_TEST_DSN.
inline std::string test_dsn() {
    const char* dsn = std::getenv("LEAD_ROUTER_TEST_DSN");
    if (dsn == nullptr || *dsn == '\0') {
        throw std::runtime_error(
            "LEAD_ROUTER_TEST_DSN is not set: run test/integration/run_integration_tests.sh");
    }
    return dsn;
}

}  // namespace lrtest
