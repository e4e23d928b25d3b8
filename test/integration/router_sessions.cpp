// The concurrent routing sessions of router_sessions.h.
#include "router_sessions.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <thread>
#include <utility>

namespace lrtest::sessions {
namespace {

using Clock = std::chrono::steady_clock;

// A run that is not decided after this long is a hang, not a slow machine.
constexpr auto kDeadline = std::chrono::seconds(100);
// A lead that came back 'locked' is tried again once this long has passed.
constexpr auto kRetryAfter = std::chrono::milliseconds(2);
constexpr int kMaxErrorsPerSession = 20;

struct Session {
    std::vector<Report> reports;
    std::vector<std::string> errors;
    long calls = 0;
    long locked = 0;
    long retries = 0;
};

struct Shared {
    Shared(const Config& c, const TestDatabase& database) : config(c), db(database) {}
    const Config& config;
    const TestDatabase& db;
    std::vector<std::string> order;  // the route_lead sessions' leads, in the order they call
    std::atomic<std::size_t> cursor{0};
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::atomic<bool> drained{false};  // a batch session found nothing due any more
    std::atomic<int> lead_sessions_done{0};
    Clock::time_point deadline{};
};

// The columns of the config's fields, each with a leading ", " (fixed names: no input).
std::string field_columns(const Config& c) {
    std::string out;
    for (const Field f : c.fields) {
        switch (f) {
            case Field::duplicate_lead:
                out += ", duplicate_lead_id";
                break;
            case Field::duplicate_key:
                out += ", duplicate_key";
                break;
            case Field::error:
                out += ", error";
                break;
        }
    }
    return out;
}

// Fills the status, the destination and the config's fields from `row`, from column `at` on.
void read_report(const Config& c, const pqxx::row& row, int at, Report& report) {
    report.status = row[at].c_str();
    report.destination = nullable(row[at + 1]);
    int column = at + 2;
    for (const Field f : c.fields) {
        std::optional<std::string>& value = f == Field::duplicate_lead  ? report.duplicate_lead
                                            : f == Field::duplicate_key ? report.duplicate_key
                                                                        : report.error;
        value = nullable(row[column++]);
    }
}

// Waits for the start signal, so that all sessions start routing together.
void start(Shared& s) {
    ++s.ready;
    while (!s.go.load()) std::this_thread::yield();
}

bool record_error(Session& w, int index, const std::string& what) {
    w.errors.push_back("session " + std::to_string(index) + ": " + what);
    return static_cast<int>(w.errors.size()) < kMaxErrorsPerSession;
}

// Session `index`: connects as <prefix><kind>_<index>, prepares `statements` (name, SQL),
// waits for the start signal and then routes with `route`.  An error that ends the session is
// recorded; one before the start still counts the session as ready.
void run_session(Shared& s, int index, Session& w, const std::string& kind,
                 const std::vector<std::pair<std::string, std::string>>& statements,
                 const std::function<void(pqxx::connection&)>& route) {
    bool started = false;
    try {
        pqxx::connection conn = session(s.db, s.config.name_prefix + kind + "_" + std::to_string(index));
        for (const auto& [name, sql] : statements) conn.prepare(name, sql);
        start(s);
        started = true;
        route(conn);
    } catch (const std::exception& e) {
        if (!started) ++s.ready;  // never leave the starter waiting
        record_error(w, index, e.what());
    }
}

// route_lead, lead after lead, in the order shared by the route_lead sessions (a lead the
// batches have not reached yet is decided here, one they have decided answers its recorded
// outcome); a lead that comes back 'locked' is tried again a moment later, until it is
// decided.  Stops when every lead was called, or once nothing is due any more.
void route_leads(Shared& s, int index, Session& w) {
    const std::string route_sql =
        "SELECT status, destination_workspace_id" + field_columns(s.config) + " FROM lead_router.route_lead($1)";
    run_session(s, index, w, "route_lead", {{"route", route_sql}}, [&](pqxx::connection& conn) {
        std::deque<std::pair<std::string, Clock::time_point>> locked;
        while (true) {
            if (Clock::now() > s.deadline) {
                record_error(w, index, std::to_string(locked.size()) + " leads still locked after the deadline");
                break;
            }
            // the oldest locked lead once its moment has passed, else the next new lead;
            // when there are no new leads left, the locked ones until none is left
            std::string lead;
            const auto now = Clock::now();
            const bool exhausted = s.cursor.load() >= s.order.size() || s.drained.load();
            if (!locked.empty() && (exhausted || now - locked.front().second >= kRetryAfter)) {
                const auto wait = locked.front().second + kRetryAfter - now;
                if (wait > Clock::duration::zero()) std::this_thread::sleep_for(wait);
                lead = locked.front().first;
                locked.pop_front();
                ++w.retries;
            } else if (!exhausted) {
                const std::size_t k = s.cursor++;
                if (k >= s.order.size()) continue;
                lead = s.order[k];
            } else {
                break;
            }
            try {
                pqxx::nontransaction tx{conn};  // autocommit: each call its own transaction
                const pqxx::row r = tx.exec_prepared1("route", lead);
                ++w.calls;
                Report report;
                report.lead_id = lead;
                read_report(s.config, r, 0, report);
                if (report.status == "locked") {
                    ++w.locked;
                    locked.emplace_back(lead, Clock::now());
                }
                w.reports.push_back(std::move(report));
            } catch (const pqxx::sql_error& e) {
                if (!record_error(w, index, describe(e))) break;
            }
        }
    });
    ++s.lead_sessions_done;
}

// route_pending_leads(batch_size) until nothing is due and the route_lead sessions are done.
void route_batches(Shared& s, int index, Session& w) {
    const std::string batch_sql = "SELECT lead_id, status, destination_workspace_id" + field_columns(s.config) +
                                  " FROM lead_router.route_pending_leads($1)";
    run_session(s, index, w, "route_pending", {{"batch", batch_sql}, {"due", kDueSql}}, [&](pqxx::connection& conn) {
        int empty_streak = 0;
        while (true) {
            if (Clock::now() > s.deadline) {
                record_error(w, index, "leads still due after the deadline");
                break;
            }
            std::size_t rows = 0;
            try {
                pqxx::nontransaction tx{conn};
                const pqxx::result r = tx.exec_prepared("batch", s.config.batch_size);
                ++w.calls;
                rows = r.size();
                for (const pqxx::row& row : r) {
                    Report report;
                    report.lead_id = row[0].c_str();
                    read_report(s.config, row, 1, report);
                    report.batch = true;
                    if (report.status == "locked") ++w.locked;
                    w.reports.push_back(std::move(report));
                }
            } catch (const pqxx::sql_error& e) {
                if (!record_error(w, index, describe(e))) break;
                continue;
            }
            if (rows > 0) {
                empty_streak = 0;
                continue;
            }
            // Nothing for us now: once nothing is due any more (a lead that came back 'locked'
            // is still due), the route_lead sessions stop calling new leads; stop when they
            // are done and nothing is due.
            if (++empty_streak >= 3) {
                pqxx::nontransaction tx{conn};
                if (tx.exec_prepared1("due")[0].as<long long>() == 0) {
                    s.drained = true;
                    if (s.lead_sessions_done.load() == s.config.lead_sessions) break;
                }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    });
}

}  // namespace

pqxx::connection session(const TestDatabase& db, const std::string& name) {
    return db.connect(name.c_str(), "-c synchronous_commit=off");
}

void run_sessions(const Config& config, const TestDatabase& db, std::vector<std::string> order,
                  std::vector<Report>& reports, std::vector<std::string>& errors, RunStats& stats,
                  const std::function<void()>& at_start, const std::function<void()>& at_end) {
    Shared shared(config, db);
    shared.order = std::move(order);
    const int total = config.lead_sessions + config.batch_sessions;
    std::vector<Session> sessions(static_cast<std::size_t>(total));
    std::vector<std::thread> threads;
    for (int i = 0; i < total; ++i) {
        Session& w = sessions[static_cast<std::size_t>(i)];
        if (i < config.lead_sessions)
            threads.emplace_back(route_leads, std::ref(shared), i, std::ref(w));
        else
            threads.emplace_back(route_batches, std::ref(shared), i, std::ref(w));
    }
    while (shared.ready.load() < total) std::this_thread::yield();
    if (at_start) at_start();
    const auto started = Clock::now();
    shared.deadline = started + kDeadline;
    shared.go = true;
    for (std::thread& t : threads) t.join();
    stats.wall_s = std::chrono::duration<double>(Clock::now() - started).count();
    if (at_end) at_end();

    for (int i = 0; i < total; ++i) {
        Session& w = sessions[static_cast<std::size_t>(i)];
        (i < config.lead_sessions ? stats.lead_calls : stats.batch_calls) += w.calls;
        stats.locked_answers += w.locked;
        stats.locked_retries += w.retries;
        for (Report& r : w.reports) reports.push_back(std::move(r));
        for (std::string& e : w.errors) errors.push_back(std::move(e));
    }
}

Decided decided_leads(const std::vector<Report>& reports) {
    Decided d;
    for (const Report& r : reports) {
        if (r.status == "locked") continue;
        d.all.insert(r.lead_id);
        if (r.batch) d.by_batch.insert(r.lead_id);
    }
    return d;
}

}  // namespace lrtest::sessions
