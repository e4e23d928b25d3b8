#include "runner.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;

// A one-shot start line: threads report ready, the main thread fires the start.
struct StartLine {
    std::mutex mutex;
    std::condition_variable cv;
    int ready = 0;
    int finished = 0;  // clients past their last operation (RunOptions::on_finished)
    bool go = false;
    bool released = false;
    bool abort = false;
    Clock::time_point start, deadline;
};

}  // namespace

RunResult run_clients(const std::string& conninfo, int clients, double duration_s,
                      const std::function<std::unique_ptr<Flow>()>& make_flow, const RunOptions& options) {
    StartLine line;
    std::vector<Tally> tallies(static_cast<std::size_t>(clients));
    std::vector<Clock::time_point> ends(static_cast<std::size_t>(clients));
    std::vector<std::exception_ptr> failures(static_cast<std::size_t>(clients));
    std::vector<int> pids(static_cast<std::size_t>(clients), 0);
    std::vector<std::vector<TimelineEntry>> timelines(static_cast<std::size_t>(clients));
    std::atomic<bool> exhausted{false};
    std::vector<std::thread> threads;

    for (int i = 0; i < clients; ++i) {
        threads.emplace_back([&, i] {
            const auto slot = static_cast<std::size_t>(i);
            std::mt19937_64 rng(0x9e3779b97f4a7c15ULL * (i + 1));
            // declared in this order so that the flow (and whatever it registered on the
            // connection) goes before the connection does
            std::unique_ptr<pqxx::connection> conn;
            std::unique_ptr<Flow> flow;
            try {
                conn = std::make_unique<pqxx::connection>(conninfo);
                pqxx::nontransaction(*conn).exec("SET application_name = 'lead_router_bench'");
                for (const std::string& sql : options.session_setup) pqxx::nontransaction(*conn).exec(sql);
                pids[slot] = conn->backendpid();
                flow = make_flow();
                flow->prepare(*conn);
            } catch (...) {
                failures[slot] = std::current_exception();
            }
            {
                std::unique_lock<std::mutex> lock(line.mutex);
                ++line.ready;
                line.cv.notify_all();
                line.cv.wait(lock, [&] { return line.go || line.abort; });
                if (line.abort || failures[slot]) return;
            }
            Tally& tally = tallies[slot];
            tally.latency_ms.reserve(1 << 16);
            Clock::time_point last = line.start;
            while (!exhausted.load(std::memory_order_relaxed)) {
                const Clock::time_point t0 = Clock::now();
                if (t0 >= line.deadline) break;
                const long leads_before = tally.leads;
                if (!flow->run_once(*conn, tally, rng)) {
                    exhausted = true;
                    break;
                }
                last = Clock::now();
                const std::optional<double> own = flow->timed_ms();
                const double latency = own ? *own : std::chrono::duration<double, std::milli>(last - t0).count();
                tally.latency_ms.push_back(latency);
                const long decided = tally.leads - leads_before;
                if (options.timeline) {
                    timelines[slot].push_back(
                        {static_cast<float>(std::chrono::duration<double>(last - line.start).count()),
                         static_cast<float>(latency), static_cast<int>(decided)});
                }
                if (options.lead_budget != nullptr && options.lead_budget->fetch_sub(decided) - decided <= 0) {
                    exhausted = true;
                    break;
                }
            }
            ends[slot] = last;
            if (options.on_finished) {  // the connection stays open until on_finished has run
                std::unique_lock<std::mutex> lock(line.mutex);
                ++line.finished;
                line.cv.notify_all();
                line.cv.wait(lock, [&] { return line.released; });
            }
        });
    }

    {
        std::unique_lock<std::mutex> lock(line.mutex);
        line.cv.wait(lock, [&] { return line.ready == clients; });
        bool failed = false;
        for (const auto& f : failures) failed = failed || f != nullptr;
        line.abort = failed;
        if (!failed && options.on_ready) {
            try {
                options.on_ready(pids);
            } catch (...) {
                failures[0] = std::current_exception();
                line.abort = true;
            }
        }
        line.start = Clock::now();
        line.deadline =
            line.start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(duration_s));
        line.go = true;
        line.cv.notify_all();
    }
    if (options.on_finished && !line.abort) {
        std::unique_lock<std::mutex> lock(line.mutex);
        line.cv.wait(lock, [&] { return line.finished == clients; });
        try {
            options.on_finished(pids);
        } catch (...) {
            failures[0] = std::current_exception();
        }
        line.released = true;
        line.cv.notify_all();
    }
    for (std::thread& t : threads) t.join();
    for (const auto& f : failures) {
        if (f) std::rethrow_exception(f);
    }

    RunResult result;
    Clock::time_point end = line.start;
    for (std::size_t i = 0; i < tallies.size(); ++i) {
        result.tally.merge(tallies[i]);
        if (ends[i] > end) end = ends[i];
    }
    result.duration_s = std::chrono::duration<double>(end - line.start).count();
    result.exhausted = exhausted.load();
    for (auto& t : timelines) result.timeline.insert(result.timeline.end(), t.begin(), t.end());
    return result;
}

}  // namespace bench
