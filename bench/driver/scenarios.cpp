#include "scenarios.h"

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <thread>

#include "dataset.h"
#include "flows.h"
#include "lead_picker.h"
#include "plan_capture.h"
#include "runner.h"

namespace bench {
namespace {

constexpr Variant kVariants[] = {Variant::route_lead, Variant::plpgsql, Variant::seed_flow};
constexpr int kRouteBatch = 100;  // route_pending_leads(100), as the issue measures it
constexpr double kCaptureCap_s = 60;  // each pass of the plan capture ends when its leads run out

class Plan {
public:
    Plan(const Options& o, pqxx::connection& admin, RunInfo& run,
         const std::function<void(const Measurement&)>& progress)
        : o_(o), admin_(admin), data_(admin), run_(run), progress_(progress) {}

    void run() {
        // The history the main scenarios run on: the smallest scale table minus its working
        // set, so that the scale scenario's small table is exactly the main table.
        long long history = 2000;
        if (selected("scale") && !o_.scale_sizes.empty()) {
            history = std::max<long long>(40, *std::min_element(o_.scale_sizes.begin(), o_.scale_sizes.end()) -
                                                  o_.scale_working_set);
        }
        step("history of " + std::to_string(history) + " leads");
        data_.grow_history(history);

        if (selected("sequential") || selected("concurrent")) single_lead_scenarios();
        if (selected("duplicate")) {
            interleaved("duplicate", o_.bar_clients, o_.dup_share, o_.working_set, false);
        }
        if (selected("batch")) {
            for (const int c : o_.batch_clients) add(batch("batch", c, o_.batch_working_set));
        }
        if (selected("retry")) retry();
        if (selected("scale")) scale();
        explain();
    }

private:
    bool selected(const std::string& s) const { return o_.scenarios.count(s) > 0; }

    void step(const std::string& what) { std::fprintf(stderr, "== %s\n", what.c_str()); }

    void add(Measurement m) {
        m.finalize();
        run_.measurements.push_back(std::move(m));
        progress_(run_.measurements.back());
    }

    // What the server did during a measurement: WAL written, checkpoints finished.
    struct ServerMark {
        std::string lsn;
        long long checkpoints = 0;
        long long wal_syncs = 0;
    };
    static constexpr const char* kCounters =
        "(SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter),"
        " (SELECT wal_sync FROM pg_stat_wal)";
    ServerMark mark() {
        pqxx::nontransaction tx{admin_};
        const pqxx::row r = tx.exec1(std::string("SELECT pg_current_wal_lsn()::text, ") + kCounters);
        return {r[0].c_str(), r[1].as<long long>(), r[2].as<long long>()};
    }
    void stamp(Measurement& m, const ServerMark& before) {
        pqxx::nontransaction tx{admin_};
        const pqxx::row r = tx.exec_params1(
            std::string("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint, ") +
                kCounters,
            before.lsn);
        m.wal_bytes += r[0].as<long long>();  // += : an interleaved measurement has several slices
        const long long checkpoints = r[1].as<long long>() - before.checkpoints;
        m.wal_syncs += r[2].as<long long>() - before.wal_syncs;
        if (checkpoints > 0 && m.checkpoints == 0) {
            m.note += std::string(m.note.empty() ? "" : "; ") + "a checkpoint ran during it";
        }
        m.checkpoints += checkpoints;
    }

    static Measurement from_run(RunResult&& r, std::string scenario, std::string variant,
                                int clients, long long scale_size) {
        Measurement m;
        m.scenario = std::move(scenario);
        m.variant = std::move(variant);
        m.clients = clients;
        m.scale_size = scale_size;
        m.tally = std::move(r.tally);
        m.duration_s = r.duration_s;
        m.exhausted = r.exhausted;
        return m;
    }

    // The comparators of one scenario at one client count, on one working set dealt out to
    // them in turn (same distribution, disjoint leads), in `rounds` interleaved slices
    // (route_lead, plpgsql, seed_flow[, pgbench], route_lead, ...): load from other processes
    // on the machine then hits every comparator alike, which a ratio between them needs more
    // than any single figure does.
    void interleaved(const std::string& scenario, int clients, double dup_share, long n,
                     bool with_pgbench, long long scale_size = 0) {
        std::vector<Variant> variants(std::begin(kVariants), std::end(kVariants));
        if (scale_size > 0) variants = {Variant::route_lead};
        const WorkingSet ws = data_.prepare(n, dup_share, o_.nomatch_share);
        const auto window = clients == 1 ? std::size_t{1}
                                         : static_cast<std::size_t>(std::lround(clients * o_.window_per_client));
        std::vector<std::vector<std::string>> shares(variants.size());
        for (std::size_t i = 0; i < ws.ids.size(); ++i) shares[i % shares.size()].push_back(ws.ids[i]);
        std::vector<std::unique_ptr<LeadPicker>> pickers;
        for (auto& share : shares) pickers.push_back(std::make_unique<LeadPicker>(std::move(share), window));
        std::vector<Measurement> ms(variants.size() + (with_pgbench ? 1 : 0));
        for (std::size_t i = 0; i < ms.size(); ++i) {
            ms[i].scenario = scenario;
            ms[i].clients = clients;
            ms[i].scale_size = scale_size;
            if (i == variants.size()) {  // pgbench: its own database and tables
                ms[i].variant = "pgbench_N";
                continue;
            }
            ms[i].variant = variant_name(variants[i]);
            ms[i].leads_in_table = ws.leads_in_table;
            ms[i].working_set = static_cast<long long>(ws.ids.size() / variants.size());
        }
        const int rounds = std::max(1, o_.rounds);
        const double slice = o_.duration_s / rounds;
        for (int round = 0; round < rounds; ++round) {
            for (std::size_t i = 0; i < variants.size(); ++i) {
                if (ms[i].exhausted) continue;  // its share ran out: the others go on
                LeadPicker& picker = *pickers[i];
                const ServerMark before = mark();
                RunResult r = run_clients(o_.conninfo, clients, slice,
                                          [&] { return make_single_lead_flow(variants[i], picker); });
                accumulate(ms[i], std::move(r));
                stamp(ms[i], before);
            }
            if (with_pgbench) {
                const ServerMark before = mark();
                Measurement p = run_pgbench(o_.pgbench, clients, std::max(1, static_cast<int>(std::lround(slice))));
                Measurement& total = ms.back();
                total.tally.merge(p.tally);
                total.duration_s += p.duration_s;
                total.lock_rate_applies = false;
                total.note = p.note;
                stamp(total, before);
            }
        }
        for (Measurement& m : ms) add(std::move(m));
    }

    static void accumulate(Measurement& m, RunResult&& r) {
        m.tally.merge(r.tally);
        m.duration_s += r.duration_s;
        m.exhausted = m.exhausted || r.exhausted;
    }

    Measurement batch(const std::string& scenario, int clients, long n, long long scale_size = 0) {
        const WorkingSet ws = data_.prepare(n, 0, o_.nomatch_share);
        const ServerMark before = mark();
        RunResult r = run_clients(o_.conninfo, clients, o_.duration_s,
                                  [&] { return make_batch_flow(kRouteBatch); });
        Measurement m = from_run(std::move(r), scenario, "route_pending_leads", clients, scale_size);
        stamp(m, before);
        m.leads_in_table = ws.leads_in_table;
        m.working_set = static_cast<long long>(ws.ids.size());
        m.note = "route_pending_leads(100); ops are calls, leads are rows returned";
        return m;
    }

    void single_lead_scenarios() {
        for (const int c : o_.clients) {
            const std::string scenario = c == 1 ? "sequential" : "concurrent";
            if (c > 1 && !selected("concurrent")) continue;
            interleaved(scenario, c, 0, o_.working_set, !o_.pgbench.pgbench.empty());
        }
    }

    void retry() {
        Measurement m;
        m.scenario = "retry";
        m.variant = "process_retry_queue";
        m.clients = 1;
        m.lock_rate_applies = false;
        if (!data_.has_function("lead_router.process_retry_queue(integer)")) {
            m.skipped = "process_retry_queue not installed";
            add(std::move(m));
            return;
        }
        step("retry queue of " + std::to_string(o_.retry_rows) + " rows");
        const long long due = data_.prepare_retry_queue(o_.retry_rows);
        const long long leads = data_.leads_in_table();
        // Drained to the end: the cap only stops a pathologically slow drain.
        const ServerMark before = mark();
        RunResult r = run_clients(o_.conninfo, 1, std::max(30.0, 3 * o_.duration_s),
                                  [&] { return make_retry_flow(o_.retry_batch); });
        Measurement done = from_run(std::move(r), "retry", "process_retry_queue", 1, 0);
        stamp(done, before);
        data_.drop_retry_rule();
        done.lock_rate_applies = false;
        done.leads_in_table = leads;
        done.working_set = due;
        done.note = "process_retry_queue(" + std::to_string(o_.retry_batch) +
                    "); ops are calls, leads are queue rows processed";
        add(std::move(done));
        retry_by_worker();
    }

    // The same drain by the background worker: switched on with a reload, timed until the
    // last due row is gone (polled every 10 ms).  No per-operation latency: the worker's
    // calls are not the client's to time.
    void retry_by_worker() {
        Measurement m;
        m.scenario = "retry";
        m.variant = "worker";
        m.clients = 1;
        m.lock_rate_applies = false;
        if (!data_.worker_serves_this_database()) {
            m.skipped = "the lead_router worker does not serve this database";
            add(std::move(m));
            return;
        }
        const long long due = data_.prepare_retry_queue(o_.retry_rows);
        m.working_set = due;
        m.leads_in_table = data_.leads_in_table();
        const long long routed_before = data_.routed_retries();
        const ServerMark before = mark();
        const auto t0 = std::chrono::steady_clock::now();
        const auto cap = t0 + std::chrono::duration<double>(std::max(30.0, 3 * o_.duration_s));
        data_.enable_worker(true);
        long long left = due;
        while (left > 0 && std::chrono::steady_clock::now() < cap) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            left = data_.due_retries();
        }
        m.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        data_.enable_worker(false);
        stamp(m, before);
        data_.drop_retry_rule();
        m.exhausted = left == 0;
        m.tally.ops = m.tally.items = m.tally.leads = due - left;
        m.tally.succeeded = data_.routed_retries() - routed_before;
        m.tally.count("processed", m.tally.leads);
        m.note = "the background worker (adaptive batches); ops are queue rows; no client latency";
        add(std::move(m));
    }

    void scale() {
        std::vector<long long> sizes = o_.scale_sizes;
        std::sort(sizes.begin(), sizes.end());
        for (const long long size : sizes) {
            const long long history = size - o_.scale_working_set;
            if (history < data_.history()) {
                Measurement m;
                m.scenario = "scale";
                m.variant = "route_lead";
                m.clients = o_.bar_clients;
                m.scale_size = size;
                m.skipped = "the history is already larger than this table";
                add(std::move(m));
                continue;
            }
            step("scale: table of " + std::to_string(size) + " leads");
            data_.grow_history(history);
            interleaved("scale", o_.bar_clients, 0, o_.scale_working_set, false, size);
            for (const int c : o_.batch_clients) add(batch("scale", c, o_.scale_working_set, size));
        }
    }

    // The plans of the statements lead_router's functions run (plan_capture.h), on the table
    // as the run leaves it (after the largest scale table), in one short pass over a fresh
    // working set that calls each of its entry points — route_lead (routed, duplicate,
    // queued, and on leads it routed already), route_lead at a lead's last attempt (failed),
    // the seed flow's primitives, route_pending_leads(100), process_retry_queue(200) and the
    // maintenance functions — each from one capture connection.  Not timed: auto_explain's
    // instrumentation is on.
    void explain() {
        step("plans of lead_router's statements: auto_explain over one short pass");
        const WorkingSet ws = data_.prepare(o_.capture_leads, o_.dup_share, o_.nomatch_share);
        run_.explain_table_leads = ws.leads_in_table;
        PlanCapture capture(run_.generic_plans);
        // Of every 10 leads: 4 to route_lead, 1 to its last attempt, 2 to the seed flow; the
        // other 3 stay due for route_pending_leads.
        std::vector<std::string> single, last_attempt, seed;
        for (std::size_t i = 0; i < ws.ids.size(); ++i) {
            const std::size_t k = i % 10;
            if (k < 4) single.push_back(ws.ids[i]);
            else if (k == 4) last_attempt.push_back(ws.ids[i]);
            else if (k < 7) seed.push_back(ws.ids[i]);
        }
        const std::vector<std::string> again(single.begin(),
                                             single.begin() + std::min<std::size_t>(single.size(), 20));
        const auto pass = [&](const std::string& what, const std::function<std::unique_ptr<Flow>()>& make) {
            RunResult r = run_clients(o_.conninfo, 1, kCaptureCap_s, [&] { return capture.wrap(make()); });
            std::fprintf(stderr, "  %s: %ld operations in %.1f s\n", what.c_str(), r.tally.ops, r.duration_s);
            if (r.tally.errors > 0) {
                capture.problem(what + ": " + std::to_string(r.tally.errors) +
                                " errors; first: " + r.tally.first_error);
            }
        };
        LeadPicker single_picker(single, 1), again_picker(again, 1), last_picker(last_attempt, 1),
            seed_picker(seed, 1);
        pass("route_lead", [&] { return make_single_lead_flow(Variant::route_lead, single_picker); });
        pass("route_lead on routed leads", [&] { return make_single_lead_flow(Variant::route_lead, again_picker); });
        pass("route_lead, max_attempts 1", [&] { return make_route_lead_flow(last_picker, 1); });
        pass("seed_flow", [&] { return make_single_lead_flow(Variant::seed_flow, seed_picker); });
        pass("route_pending_leads(100)", [&] { return make_batch_flow(kRouteBatch); });
        if (data_.has_function("lead_router.process_retry_queue(integer)")) {
            data_.prepare_retry_queue(o_.capture_retry_rows);
            pass("process_retry_queue(" + std::to_string(o_.retry_batch) + ")",
                 [&] { return make_retry_flow(o_.retry_batch); });
            data_.drop_retry_rule();
        }
        std::vector<std::string> maintenance;
        if (data_.has_function("lead_router.mark_expired_leads()")) {
            maintenance.push_back("SELECT lead_router.mark_expired_leads()");
        }
        if (data_.has_function("lead_router.release_stale_routing_locks(interval)")) {
            maintenance.push_back("SELECT lead_router.release_stale_routing_locks()");
        }
        if (!maintenance.empty()) pass("maintenance", [&] { return make_once_flow(maintenance); });
        run_.explains = capture.statements();
        run_.explain_problems = capture.problems();
        run_.explain_notices = capture.notices();
        std::fprintf(stderr, "  %zu statements of lead_router captured (%lld plans received)\n",
                     run_.explains.size(), run_.explain_notices);
    }

    const Options& o_;
    pqxx::connection& admin_;
    Dataset data_;
    RunInfo& run_;
    const std::function<void(const Measurement&)>& progress_;
};

}  // namespace

void run_scenarios(const Options& o, pqxx::connection& admin, RunInfo& run,
                   const std::function<void(const Measurement&)>& progress) {
    Plan(o, admin, run, progress).run();
}

}  // namespace bench
