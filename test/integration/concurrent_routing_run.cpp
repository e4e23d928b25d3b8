// Runs the main scenario of concurrent_routing_run.h.  The routing threads use no Catch2
// macros (Catch2 v2 assertions are not thread-safe): they record rows and errors, and the
// test cases assert on the main thread.
#include "concurrent_routing_run.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <thread>

#include "router_sessions.h"

namespace lrtest {
namespace {

using Clock = std::chrono::steady_clock;

// A drain that is not done after this long is a hang, not a slow machine.
constexpr auto kDeadline = std::chrono::seconds(300);
// A connection stops after this many empty calls in a row once nothing is due any more.
constexpr int kEmptyCallsToStop = 3;
constexpr int kMaxErrorsPerConnection = 20;

struct Worker {
    std::vector<RouteRow> rows;
    std::vector<CallRecord> records;
    std::vector<std::string> errors;
    long calls = 0;
    long empty_calls = 0;
    Clock::time_point last_rows{};
};

void drain(const TestDatabase& db, int index, std::atomic<int>& ready, std::atomic<bool>& go, Worker& w) {
    try {
        pqxx::connection conn = db.connect(("lead_router_it_router_" + std::to_string(index)).c_str());
        ++ready;
        while (!go.load()) std::this_thread::yield();  // start together: a fair race
        const auto deadline = Clock::now() + kDeadline;
        int empty_streak = 0;
        while (true) {
            if (Clock::now() > deadline) {
                w.errors.push_back("connection " + std::to_string(index) + ": leads still due after the deadline");
                return;
            }
            int rows = 0;
            const auto call_started = Clock::now();
            const auto record = [&](bool failed) {
                w.records.push_back(
                    {index, rows, std::chrono::duration<double>(Clock::now() - call_started).count(), failed});
            };
            try {
                // Autocommit: each call is its own transaction.
                const pqxx::result r =
                    exec(conn,
                         "SELECT lead_id, status, destination_workspace_id, matched_rule_id, "
                         "duplicate_lead_id, error, attempt FROM lead_router.route_pending_leads($1)",
                         kBatchSize);
                ++w.calls;
                rows = static_cast<int>(r.size());
                for (const pqxx::row& result_row : r) {
                    RouteRow row;
                    row.lead_id = result_row[0].c_str();
                    row.status = result_row[1].c_str();
                    row.destination = nullable(result_row[2]);
                    row.rule = nullable(result_row[3]);
                    row.duplicate_lead = nullable(result_row[4]);
                    row.error = nullable(result_row[5]);
                    row.attempt = result_row[6].as<int>();
                    row.connection = index;
                    w.rows.push_back(std::move(row));
                }
                record(false);
            } catch (const pqxx::sql_error& e) {
                record(true);
                // Kept going: one error must not stop the drain, and the checks report it.
                w.errors.push_back("connection " + std::to_string(index) + ": " + describe(e));
                if (static_cast<int>(w.errors.size()) >= kMaxErrorsPerConnection) return;
                continue;
            }
            if (rows > 0) {
                empty_streak = 0;
                w.last_rows = Clock::now();
                continue;
            }
            ++w.empty_calls;
            // Nothing for us now; other connections may still hold due leads (or leads came
            // back 'locked'), so stop only once the database has nothing due at all.
            if (++empty_streak >= kEmptyCallsToStop && scalar_int(conn, kDuePendingSql) == 0) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    } catch (const std::exception& e) {
        ++ready;  // never leave the starter waiting
        w.errors.push_back("connection " + std::to_string(index) + ": " + e.what());
    }
}

// 8, or LEAD_ROUTER_IT_CONNECTIONS: with 1, a failure that goes away is a concurrency bug.
int routing_connections() {
    const char* value = std::getenv("LEAD_ROUTER_IT_CONNECTIONS");
    const int n = value ? std::atoi(value) : 0;
    return n >= 1 && n <= 40 ? n : kRoutingConnections;
}

std::unique_ptr<ConcurrentRun> execute() {
    auto run = std::make_unique<ConcurrentRun>();
    const int connections = routing_connections();
    run->stats.connections = connections;
    run->fixture = make_concurrent_fixture(kFixtureSeed, kConcurrentLeads, kDuplicateShare);
    {
        pqxx::connection setup = run->db.connect("lead_router_it_setup");
        const auto started = Clock::now();
        insert_fixture(setup, run->fixture);  // one transaction
        exec(setup, "ANALYZE lead_router.leads");
        std::printf("concurrent routing: inserted %zu leads and %zu rules in %.2f s\n", run->fixture.leads.size(),
                    run->fixture.rules.size(), std::chrono::duration<double>(Clock::now() - started).count());
    }

    std::vector<Worker> workers(static_cast<std::size_t>(connections));
    std::vector<std::thread> threads;
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    for (int i = 0; i < connections; ++i) {
        threads.emplace_back(drain, std::cref(run->db), i, std::ref(ready), std::ref(go),
                             std::ref(workers[static_cast<std::size_t>(i)]));
    }
    while (ready.load() < connections) std::this_thread::yield();
    const auto started = Clock::now();
    go = true;
    for (std::thread& t : threads) t.join();
    const auto finished = Clock::now();

    RunStats& s = run->stats;
    s.wall_s = std::chrono::duration<double>(finished - started).count();
    for (Worker& w : workers) {
        s.calls += w.calls;
        s.empty_calls += w.empty_calls;
        if (w.last_rows > started) {
            s.drain_s = std::max(s.drain_s, std::chrono::duration<double>(w.last_rows - started).count());
        }
        for (RouteRow& row : w.rows) {
            ++s.rows_by_status[row.status];
            run->rows.push_back(std::move(row));
        }
        for (std::string& e : w.errors) run->errors.push_back(std::move(e));
        run->calls.insert(run->calls.end(), w.records.begin(), w.records.end());
    }
    // latency of the calls that routed something (empty polls say nothing)
    std::vector<double> latencies;
    for (const CallRecord& c : run->calls) {
        if (c.rows > 0) latencies.push_back(c.seconds * 1000);
    }
    std::sort(latencies.begin(), latencies.end());
    const auto percentile = [&](double p) {
        return latencies.empty() ? 0.0
                                 : latencies[static_cast<std::size_t>(p * static_cast<double>(latencies.size() - 1))];
    };

    const double leads = static_cast<double>(run->fixture.leads.size());
    std::printf(
        "concurrent routing: %zu leads, %d connections, batch %d: wall %.3f s, %.0f leads/s "
        "(drained in %.3f s, %.0f leads/s); %ld calls (%ld empty), result rows:",
        run->fixture.leads.size(), connections, kBatchSize, s.wall_s, leads / s.wall_s, s.drain_s,
        s.drain_s > 0 ? leads / s.drain_s : 0.0, s.calls, s.empty_calls);
    for (const auto& [status, n] : s.rows_by_status) std::printf(" %s %ld", status.c_str(), n);
    std::printf("; errors %zu\n", run->errors.size());
    std::printf(
        "concurrent routing: route_pending_leads(%d) call latency p50 %.1f ms, p95 %.1f ms, "
        "max %.1f ms\n",
        kBatchSize, percentile(0.5), percentile(0.95), percentile(1.0));
    std::fflush(stdout);
    return run;
}

// The run, once made; released by release_concurrent_run().
sessions::RunOnce<ConcurrentRun>& slot() {
    static sessions::RunOnce<ConcurrentRun> s;
    return s;
}

}  // namespace

const ConcurrentRun& concurrent_run() { return slot().get("concurrent routing", execute); }

void release_concurrent_run() { slot().release(); }

}  // namespace lrtest
