// RAII over libpq for the benchmark driver, adapted from test/integration/pg_connection.h:
// one PGconn per Connection (used by one thread), one PGresult per Result, data only ever as
// parameters.  Added here: prepared statements, because every client an application would
// run (PostgREST, node-postgres, JDBC) prepares its statements, and the comparison between
// the flows must not be decided by parse/plan overhead on one side only.
#pragma once

#include <libpq-fe.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace bench {

class PgError : public std::runtime_error {
public:
    PgError(const std::string& message, std::string sqlstate)
        : std::runtime_error(message), sqlstate_(std::move(sqlstate)) {}
    const std::string& sqlstate() const { return sqlstate_; }

private:
    std::string sqlstate_;
};

using Param = std::optional<std::string>;  // text format; nullopt is NULL

class Result {
public:
    explicit Result(PGresult* r) : r_(r) {}
    ~Result() {
        if (r_ != nullptr) PQclear(r_);
    }
    Result(Result&& o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
    Result& operator=(Result&&) = delete;
    Result(const Result&) = delete;
    Result& operator=(const Result&) = delete;

    int rows() const { return PQntuples(r_); }
    bool is_null(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
    std::string text(int row, int col) const { return PQgetvalue(r_, row, col); }
    const char* raw(int row, int col) const { return PQgetvalue(r_, row, col); }
    std::optional<std::string> optional(int row, int col) const {
        if (is_null(row, col)) return std::nullopt;
        return text(row, col);
    }
    long long integer(int row, int col) const { return std::stoll(text(row, col)); }
    double number(int row, int col) const { return std::stod(text(row, col)); }
    bool boolean(int row, int col) const { return text(row, col) == "t"; }
    int column(const char* name) const {
        const int c = PQfnumber(r_, name);
        if (c < 0) throw std::logic_error(std::string("result has no column ") + name);
        return c;
    }

private:
    friend class Connection;
    PGresult* r_;
};

class Connection {
public:
    explicit Connection(const std::string& conninfo) {
        conn_ = PQconnectdb(conninfo.c_str());
        if (conn_ == nullptr) throw PgError("PQconnectdb: out of memory", "");
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
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // One statement, text parameters; throws PgError unless it succeeded.
    Result exec(const std::string& sql, const std::vector<Param>& params = {}) {
        const std::vector<const char*> values = pointers(params);
        Result r(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                              values.data(), nullptr, nullptr, 0));
        check(r, sql);
        return r;
    }

    void prepare(const std::string& name, const std::string& sql) {
        Result r(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr));
        check(r, sql);
    }

    Result exec_prepared(const std::string& name, const std::vector<Param>& params) {
        const std::vector<const char*> values = pointers(params);
        Result r(PQexecPrepared(conn_, name.c_str(), static_cast<int>(values.size()),
                                values.data(), nullptr, nullptr, 0));
        check(r, name);
        return r;
    }

    std::string scalar(const std::string& sql, const std::vector<Param>& params = {}) {
        Result r = exec(sql, params);
        if (r.rows() != 1) throw std::logic_error("expected one row from: " + sql);
        return r.text(0, 0);
    }

private:
    static std::vector<const char*> pointers(const std::vector<Param>& params) {
        std::vector<const char*> values;
        values.reserve(params.size());
        for (const Param& p : params) values.push_back(p ? p->c_str() : nullptr);
        return values;
    }
    void check(const Result& result, const std::string& what) {
        PGresult* r = result.r_;
        const ExecStatusType status = r == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(r);
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
        const char* state = r == nullptr ? nullptr : PQresultErrorField(r, PG_DIAG_SQLSTATE);
        std::string message = r == nullptr ? PQerrorMessage(conn_) : PQresultErrorMessage(r);
        while (!message.empty() && message.back() == '\n') message.pop_back();
        throw PgError(message + " [" + (state ? state : "no sqlstate") + "] in: " +
                          what.substr(0, 200),
                      state ? state : "");
    }
    PGconn* conn_ = nullptr;
};

}  // namespace bench
