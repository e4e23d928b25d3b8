#include "scenarios.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <limits>
#include <map>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "arrival.h"
#include "dataset.h"
#include "flows.h"
#include "lead_picker.h"
#include "paired.h"
#include "plan_capture.h"
#include "profile.h"
#include "runner.h"
#include "sustained.h"
#include "wal_split.h"

namespace bench {
namespace {

constexpr Variant kVariants[] = {Variant::route_lead, Variant::plpgsql, Variant::seed_flow};
constexpr int kRouteBatch = 100;        // route_pending_leads(100), as the issue measures it
constexpr double kCaptureCap_s = 60;    // each pass of the plan capture ends when its leads run out
constexpr double kProfileMargin_s = 2;  // a profiled load lasts this much longer than perf samples it
const char* const kPoolWorkspace = "40000000-0000-4000-8000-000000000001";  // sql/dataset.sql
const char* const kSingleWorkspace = "40000000-0000-4000-8000-000000000002";

class Plan {
public:
    Plan(const Options& o, pqxx::connection& admin, RunInfo& run,
         const std::function<void(const Measurement&)>& progress)
        : o_(o), admin_(admin), data_(admin), run_(run), progress_(progress), profiler_(o.perf, o.scratch_dir) {
        pqxx::nontransaction tx{admin_};
        waldump_.pg_waldump = o.pg_waldump;
        if (!o.pg_waldump.empty()) {
            waldump_.wal_dir = std::string(tx.exec1("SHOW data_directory")[0].c_str()) + "/pg_wal";
        }
    }

    void run() {
        // The history the main scenarios run on: the smallest scale table minus its working
        // set, so that the scale scenario's small table is exactly the main table.
        long long history = 2000;
        if (selected("scale") && !o_.scale_sizes.empty()) {
            history = std::max<long long>(
                40, *std::min_element(o_.scale_sizes.begin(), o_.scale_sizes.end()) - o_.scale_working_set);
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
        if (selected("pool")) pool();
        if (selected("identity")) identity();
        if (selected("retry")) retry();
        if (selected("scale")) scale();
        if (selected("queue_head")) queue_head();
        if (selected("concurrent") && !o_.paired_baseline.empty()) paired();
        if (selected("sustained")) sustained();
        if (selected("arrival")) arrival();
        if (selected("drain")) drain();
        if (o_.explain) explain();
        if (!profiler_.available() && (selected("queue_head") || selected("sustained"))) {
            run_.profiles.push_back({{"error", profiler_.why_not()}});
        }
    }

private:
    bool selected(const std::string& s) const { return o_.scenarios.count(s) > 0; }

    void step(const std::string& what) {
        const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
        std::fprintf(stderr, "== [%4.0f s] %s\n", t, what.c_str());
    }
    const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();

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
        const pqxx::row r =
            tx.exec_params1(std::string("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint, ") +
                                kCounters + ", pg_current_wal_lsn()::text",
                            before.lsn);
        m.wal_ranges.emplace_back(before.lsn, r[3].c_str());
        m.wal_bytes += r[0].as<long long>();  // += : an interleaved measurement has several slices
        const long long checkpoints = r[1].as<long long>() - before.checkpoints;
        m.wal_syncs += r[2].as<long long>() - before.wal_syncs;
        if (checkpoints > 0 && m.checkpoints == 0) {
            m.note += std::string(m.note.empty() ? "" : "; ") + "a checkpoint ran during it";
        }
        m.checkpoints += checkpoints;
    }

    static Measurement from_run(RunResult&& r, std::string scenario, std::string variant, int clients,
                                long long scale_size) {
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
    void interleaved(const std::string& scenario, int clients, double dup_share, long n, bool with_pgbench,
                     long long scale_size = 0) {
        std::vector<Variant> variants(std::begin(kVariants), std::end(kVariants));
        if (scale_size > 0) variants = {Variant::route_lead};
        const WorkingSet ws = data_.prepare(n, dup_share, o_.nomatch_share);
        const auto window =
            clients == 1 ? std::size_t{1} : static_cast<std::size_t>(std::lround(clients * o_.window_per_client));
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
        if (scenario == "concurrent" && clients == o_.bar_clients) split_wal_of(ms[0]);
        for (Measurement& m : ms) add(std::move(m));
    }

    // The measurement's WAL split by relation and record type (wal_split.h), into the run.
    void split_wal_of(const Measurement& m) {
        if (waldump_.pg_waldump.empty()) return;
        step("WAL of " + m.scenario + " / " + m.variant + " at " + std::to_string(m.clients) +
             " clients, split with pg_waldump");
        lead_router::core::Json split = split_wal(waldump_, admin_, m.wal_ranges, m.tally.leads);
        split["scenario"] = m.scenario;
        split["variant"] = m.variant;
        split["clients"] = m.clients;
        split["wal_bytes_measured"] = m.wal_bytes;
        run_.wal_splits.push_back(std::move(split));
    }

    static void accumulate(Measurement& m, RunResult&& r) {
        m.tally.merge(r.tally);
        m.duration_s += r.duration_s;
        m.exhausted = m.exhausted || r.exhausted;
    }

    Measurement batch(const std::string& scenario, int clients, long n, long long scale_size = 0) {
        const WorkingSet ws = data_.prepare(n, 0, o_.nomatch_share);
        const ServerMark before = mark();
        RunResult r = run_clients(o_.conninfo, clients, o_.duration_s, [&] { return make_batch_flow(kRouteBatch); });
        Measurement m = from_run(std::move(r), scenario, "route_pending_leads", clients, scale_size);
        stamp(m, before);
        m.leads_in_table = ws.leads_in_table;
        m.working_set = static_cast<long long>(ws.ids.size());
        m.note = "route_pending_leads(100); ops are calls, leads are rows returned";
        return m;
    }

    // After the queue head: both servers' tables have then had their largest scenario
    // (0.5.0's pass ends with its queue head), so the two route on tables of one size.
    void paired() {
        step("route_lead against 0.5.0, " + std::to_string(o_.paired_pairs) + " alternating pairs of " +
             std::to_string(std::lround(o_.paired_slice_s)) + " s at " + std::to_string(o_.bar_clients) + " clients");
        pqxx::connection baseline_admin{o_.paired_baseline};
        Dataset baseline(baseline_admin);
        baseline.grow_history(data_.history());
        PairedOptions p;
        p.conninfo = o_.conninfo;
        p.baseline_conninfo = o_.paired_baseline;
        p.clients = o_.bar_clients;
        p.pairs = o_.paired_pairs;
        p.slice_s = o_.paired_slice_s;
        p.leads_per_side = o_.paired_leads;
        p.nomatch_share = o_.nomatch_share;
        p.window_per_client = o_.window_per_client;
        run_.paired = run_paired(p, data_, baseline);
        baseline.clear_working_sets();  // its vacuum and the checkpoint leave nothing to write back
        baseline.query("CHECKPOINT");
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

    // Identity (issue 11): a working set of which identity_variant_share are variants of people
    // routed before it that differ in format only (sql/dataset.sql, bench.new_identity_set),
    // and identity_near_share near misses (other people sharing a company, a name or most of a
    // phone number).  Timed: route_lead at --bar-clients with the hot window, as scenario 3;
    // the leads the timed part leaves (its last window) are then routed by one client, untimed,
    // so that every planted lead gets its verdict.  Verdicts are read from the table
    // (leads.duplicate_of), the matched key from route_lead's answers.
    void identity() {
        step("identity: " + std::to_string(o_.identity_leads) + " leads, " +
             std::to_string(std::lround(o_.identity_variant_share * 100)) + " % variants of routed people");
        const WorkingSet ws = data_.prepare_identity(o_.identity_leads, o_.identity_variant_share,
                                                     o_.identity_near_share, o_.nomatch_share);
        struct Planted {
            std::string original, kind, expected_key;
            bool planted;
        };
        std::unordered_map<std::string, Planted> plan;
        for (const pqxx::row& r : data_.query("SELECT lead_id::text, original_id::text, kind,"
                                              " coalesce(expected_key, ''), planted FROM bench.identity_plan")) {
            plan[r[0].c_str()] = {r[1].c_str(), r[2].c_str(), r[3].c_str(), r[4].as<bool>()};
        }
        AnswerLog log;
        const int clients = o_.bar_clients;
        LeadPicker picker(ws.ids,
                          clients == 1 ? 1 : static_cast<std::size_t>(std::lround(clients * o_.window_per_client)));
        const ServerMark before = mark();
        RunResult r = run_clients(o_.conninfo, clients, std::max(60.0, 4 * o_.duration_s),
                                  [&] { return make_identity_flow(picker, log); });
        Measurement m = from_run(std::move(r), "identity", "route_lead", clients, 0);
        stamp(m, before);
        m.leads_in_table = ws.leads_in_table;
        m.working_set = static_cast<long long>(ws.ids.size());
        // the rest, untimed
        std::vector<std::string> rest;
        for (const pqxx::row& row : data_.query("SELECT * FROM bench.working_set_ids()"))
            rest.push_back(row[0].c_str());
        LeadPicker rest_picker(rest, 1);
        long finished = 0;
        if (!rest.empty()) {
            RunResult tail = run_clients(o_.conninfo, 1, 600, [&] { return make_identity_flow(rest_picker, log); });
            finished = tail.tally.leads;
        }
        m.note = "route_lead over an identity working set; " + std::to_string(finished) +
                 " leads left by the timed part routed afterwards, untimed";

        // verdicts
        const auto answers = log.answers();
        std::map<std::string, std::array<long, 6>>
            kinds;  // n, detected, wrong original, missed, key as expected, undecided
        std::map<std::string, std::map<std::string, long>> keys_seen;
        long planted = 0, detected = 0, near = 0, near_fp = 0;
        for (const pqxx::row& row :
             data_.query("SELECT p.lead_id::text, l.duplicate_of::text, l.routing_status::text"
                         "  FROM bench.identity_plan p JOIN lead_router.leads l ON l.id = p.lead_id")) {
            const Planted& p = plan.at(row[0].c_str());
            auto& k = kinds[p.kind];
            ++k[0];
            const bool is_dup = !row[1].is_null();
            const std::string status = row[2].c_str();
            const auto a = answers.find(row[0].c_str());
            const std::string key = a != answers.end() && a->second.duplicate_key ? *a->second.duplicate_key : "";
            if (is_dup) keys_seen[p.kind][key.empty() ? "(none reported)" : key] += 1;
            if (status == "pending") ++k[5];
            if (p.planted) {
                ++planted;
                if (is_dup && row[1].c_str() == p.original) {
                    ++detected;
                    ++k[1];
                    if (key == p.expected_key) ++k[4];
                } else if (is_dup) {
                    ++k[2];
                } else {
                    ++k[3];
                }
            } else {
                ++near;
                if (is_dup) {
                    ++near_fp;
                    ++k[2];
                }
            }
        }
        const pqxx::row other = data_.query(
            "SELECT count(*) FILTER (WHERE l.duplicate_of IS NOT NULL), count(*),"
            "       count(*) FILTER (WHERE l.routing_status = 'pending')"
            "  FROM lead_router.leads l"
            " WHERE l.created_at > (SELECT epoch FROM bench.state)"
            "   AND NOT EXISTS (SELECT 1 FROM bench.identity_plan p"
            "                    WHERE p.lead_id = l.id OR p.original_id = l.id)")[0];
        const long plain_fp = other[0].as<long>(), plain = other[1].as<long>();
        lead_router::core::Json kinds_json = lead_router::core::Json::array();
        for (const auto& [kind, k] : kinds) {
            const bool is_variant = k[0] > 0 && std::any_of(plan.begin(), plan.end(), [&](const auto& e) {
                                        return e.second.kind == kind && e.second.planted;
                                    });
            std::string expected;
            for (const auto& [id, p] : plan) {
                if (p.kind == kind) {
                    expected = p.expected_key;
                    break;
                }
            }
            kinds_json.push_back(
                {{"kind", kind},
                 {"planted", is_variant},
                 {"leads", k[0]},
                 {"expected_key",
                  expected.empty() ? lead_router::core::Json(nullptr) : lead_router::core::Json(expected)},
                 {"detected", is_variant ? lead_router::core::Json(k[1]) : lead_router::core::Json(nullptr)},
                 {"detected_with_expected_key",
                  is_variant ? lead_router::core::Json(k[4]) : lead_router::core::Json(nullptr)},
                 {"duplicate_of_another_lead", k[2]},
                 {"not_duplicate", is_variant ? lead_router::core::Json(k[3]) : lead_router::core::Json(k[0] - k[2])},
                 {"undecided", k[5]},
                 {"keys_reported", keys_seen[kind]}});
        }
        run_.identity = {
            {"working_set", static_cast<long long>(ws.ids.size())},
            {"clients", clients},
            {"variant_share", o_.identity_variant_share},
            {"near_share", o_.identity_near_share},
            {"variants_planted", planted},
            {"variants_detected", detected},
            {"detection_rate", planted > 0 ? lead_router::core::Json(static_cast<double>(detected) / planted)
                                           : lead_router::core::Json(nullptr)},
            {"near_misses", near},
            {"near_miss_false_positives", near_fp},
            {"ordinary_leads", plain},
            {"ordinary_false_positives", plain_fp},
            {"ordinary_undecided", other[2].as<long>()},
            {"false_positives", near_fp + plain_fp},
            {"routed_untimed_after", finished},
            {"kinds", kinds_json}};
        add(std::move(m));
    }

    // Queue head (issue 15): route_pending_leads(b) for each b of --queue-batches at each client
    // count of --queue-clients, all against the head of one due queue of --queue-leads leads on
    // a table of at least --queue-table leads (10 % duplicates, 15 % no match: queued for
    // retry), with no VACUUM between the measurements; pgbench -N at the same client counts,
    // in between, as the ceiling.  A route_pending_leads(100) measurement ends after
    // --queue-batch-budget leads, so that the others still find a queue.  Then, untimed, the
    // profiles of route_pending_leads(1) at 8 clients and (100) at 1.
    void queue_head() {
        const long long history = std::max<long long>(data_.history(), o_.queue_table - o_.queue_leads);
        step("queue head: history of " + std::to_string(history) + " leads and " + std::to_string(o_.queue_leads) +
             " due leads");
        data_.grow_history(history);
        const WorkingSet ws = data_.prepare(o_.queue_leads, o_.queue_dup_share, o_.queue_nomatch_share);
        // Each measurement may take its share of the queue (and a batched one at most
        // --queue-batch-budget): a fast one early on must not leave the later ones no queue.
        const long share = static_cast<long>(o_.queue_leads / std::max<std::size_t>(
                                                                   1, o_.queue_clients.size() * o_.queue_batches.size()));
        for (const int c : o_.queue_clients) {
            for (const int b : o_.queue_batches) {
                std::atomic<long> budget{b == 1 ? share : std::min<long>(share, o_.queue_batch_budget)};
                RunOptions options;
                options.lead_budget = &budget;
                const ServerMark before = mark();
                RunResult r = run_clients(
                    o_.conninfo, c, o_.queue_duration_s, [&] { return make_batch_flow(b); }, options);
                Measurement m =
                    from_run(std::move(r), "queue_head", "route_pending_leads(" + std::to_string(b) + ")", c, 0);
                stamp(m, before);
                m.leads_in_table = ws.leads_in_table;
                m.working_set = data_.query_count(
                    "SELECT count(*) FROM lead_router.leads WHERE routing_status = 'pending'"
                    " AND routing_due_at <= now() AND created_at > (SELECT epoch FROM bench.state)");
                m.note =
                    "the due queue's head, no VACUUM since the queue was loaded; working_set: due"
                    " leads left after it";
                if ((c == o_.bar_clients && b == 1) || (c == 1 && b == 100)) split_wal_of(m);
                add(std::move(m));
            }
            if (!o_.pgbench.pgbench.empty()) {
                const ServerMark before = mark();
                Measurement p =
                    run_pgbench(o_.pgbench, c, std::max(1, static_cast<int>(std::lround(o_.queue_duration_s))));
                p.scenario = "queue_head";
                p.lock_rate_applies = false;
                stamp(p, before);
                add(std::move(p));
            }
        }
        if (profiler_.available()) {
            top_up_queue_for_profiles();
            for (const auto& [c, b] : {std::pair<int, int>{o_.bar_clients, 1}, std::pair<int, int>{1, 100}}) {
                const std::string name =
                    "queue_head route_pending_leads(" + std::to_string(b) + ") at " + std::to_string(c) + " clients";
                step("profile: " + name + " (perf, " + std::to_string(std::lround(o_.profile_s)) + " s, untimed)");
                RunOptions options;
                options.on_ready = [&](const std::vector<int>& pids) { profiler_.start(pids, o_.profile_s, name); };
                // the load goes on past the sampling, so that perf never outlives the backends
                const RunResult r = run_clients(
                    o_.conninfo, c, o_.profile_s + kProfileMargin_s, [&] { return make_batch_flow(b); }, options);
                lead_router::core::Json p = profiler_.finish();
                p["leads_routed"] = r.tally.leads;
                run_.profiles.push_back(std::move(p));
            }
        }
    }

    // The queue-head profiles route for profile_s + kProfileMargin_s each, at about the rate their
    // timed measurement had: the due queue gets what they need on top of what the measurements
    // left (1.5 times their estimate), so that no profiled backend runs dry and exits while perf
    // samples it (perf then fails).  The leads go into the table before the sustained scenario.
    void top_up_queue_for_profiles() {
        double wanted = 0;
        for (const auto& [c, b] : {std::pair<int, int>{o_.bar_clients, 1}, std::pair<int, int>{1, 100}}) {
            const std::string variant = "route_pending_leads(" + std::to_string(b) + ")";
            for (const Measurement& m : run_.measurements) {
                if (m.scenario == "queue_head" && m.variant == variant && m.clients == c) {
                    wanted += 1.5 * m.throughput_leads_s * (o_.profile_s + kProfileMargin_s);
                }
            }
        }
        const long long due = data_.query_count(
            "SELECT count(*) FROM lead_router.leads WHERE routing_status = 'pending'"
            " AND routing_due_at <= now() AND created_at > (SELECT epoch FROM bench.state)");
        const long long more = std::llround(wanted) - due;
        if (more <= 0) return;
        step("queue head: " + std::to_string(more) + " more due leads for the profiles");
        data_.prepare(static_cast<long>(more), o_.queue_dup_share, o_.queue_nomatch_share);
    }

    // Sustained (issue 15): sustained_clients clients inserting and routing new leads at the
    // maximum rate (flows.h, make_sustained_flow) for the warm-up and sustained_s seconds, on the
    // table as the run left it, with the retry worker on (as in production: the leads that
    // match no rule come due again); tables, dead tuples, autovacuum and WAL sampled at every
    // bucket (sustained.h).  Then, untimed, the profile of the same load.
    void sustained() {
        step("sustained: " + std::to_string(o_.sustained_clients) + " clients inserting and routing for " +
             std::to_string(std::lround(o_.sustained_warmup_s)) + " s + " +
             std::to_string(std::lround(o_.sustained_s)) + " s");
        RunOptions options;
        // Arrival routing (lead_router.route_on_arrival, from 0.6.0 on) is off in the bench's
        // server (run_bench.sh): here route_lead routes each lead; an arrival-latency scenario
        // would switch it on (ALTER SYSTEM and a reload, as the worker is) and time the other way.
        const bool worker = data_.worker_serves_this_database();
        if (worker) data_.enable_worker(true);
        SustainedSampler sampler(o_.conninfo, o_.sustained_warmup_s, o_.sustained_bucket_s);
        options.on_ready = [&](const std::vector<int>&) { sampler.start(); };
        options.timeline = true;
        std::atomic<int> next_client{sustained_client_base_};
        const auto make = [&] {
            return make_sustained_flow(next_client++, o_.sustained_dup_share, o_.sustained_nomatch_share);
        };
        const long long leads_before = data_.leads_in_table();
        const ServerMark before = mark();
        RunResult r =
            run_clients(o_.conninfo, o_.sustained_clients, o_.sustained_warmup_s + o_.sustained_s, make, options);
        sampler.stop();
        if (worker) data_.enable_worker(false);
        std::vector<TimelineEntry> timeline = std::move(r.timeline);
        Measurement m = from_run(std::move(r), "sustained", "insert + route_lead", o_.sustained_clients, 0);
        stamp(m, before);
        m.lock_rate_applies = true;
        m.leads_in_table = leads_before;
        m.note =
            "each operation inserts a new lead and routes it with route_lead; latencies are route_lead's;"
            " no VACUUM but autovacuum; the retry worker on";
        run_.sustained = summarize_sustained(timeline, sampler.samples(), o_.sustained_warmup_s, o_.sustained_bucket_s,
                                             o_.sustained_s);
        run_.sustained["worker_on"] = worker;
        if (data_.has_setting("lead_router.route_on_arrival")) {
            run_.sustained["route_on_arrival"] =
                data_.query("SELECT current_setting('lead_router.route_on_arrival')")[0][0].c_str();
        }
        run_.sustained["wal_bytes"] = m.wal_bytes;
        run_.sustained["checkpoints"] = m.checkpoints;
        add(std::move(m));
        sustained_client_base_ += o_.sustained_clients;
        if (profiler_.available()) {
            const std::string name =
                "sustained insert + route_lead at " + std::to_string(o_.sustained_clients) + " clients";
            step("profile: " + name + " (perf, " + std::to_string(std::lround(o_.profile_s)) + " s, untimed)");
            RunOptions p_options;
            p_options.session_setup = options.session_setup;
            p_options.on_ready = [&](const std::vector<int>& pids) { profiler_.start(pids, o_.profile_s, name); };
            std::atomic<int> more{sustained_client_base_};
            const RunResult pr = run_clients(
                o_.conninfo, o_.sustained_clients, o_.profile_s + kProfileMargin_s,
                [&] { return make_sustained_flow(more++, o_.sustained_dup_share, o_.sustained_nomatch_share); },
                p_options);
            sustained_client_base_ += o_.sustained_clients;
            lead_router::core::Json p = profiler_.finish();
            p["leads_routed"] = pr.tally.leads;
            run_.profiles.push_back(std::move(p));
        }
    }

    // Pool (issue 12): a catch-all rule distributing over a 4-member weighted pool (4:3:2:1)
    // with caps on two members, against the same catch-all rule with one uncapped destination
    // (the single-destination comparator), each the rule of its own inbound workspace
    // (sql/dataset.sql, bench.create_pool), on one working set half of each, interleaved:
    // route_lead at --bar-clients in interleaved slices, then route_pending_leads(100) at
    // --bar-clients on a fresh working set of one workspace each.  pg_stat_activity
    // is sampled every --lock-sample-ms during each for sessions waiting on a lock.
    void pool() {
        const int clients = o_.bar_clients;
        if (!data_.has_table("lead_router.routing_rule_destinations")) {
            Measurement m;
            m.scenario = "pool";
            m.variant = "route_lead (pool)";
            m.clients = clients;
            m.skipped = "this lead_router has no pools";
            add(std::move(m));
            return;
        }
        step("pool: 4-member weighted pool, caps on two members, " + std::to_string(clients) + " clients");
        if (data_.query_count(
                "SELECT count(*) FROM lead_router.routing_rules WHERE workspace_id = bench.pool_workspace()") == 0) {
            data_.query("SELECT bench.create_pool()");
        }
        const char* const names[2] = {"single destination", "pool"};
        LockSampler locks[2] = {{o_.conninfo, o_.lock_sample_ms}, {o_.conninfo, o_.lock_sample_ms}};
        LockSampler batch_locks[2] = {{o_.conninfo, o_.lock_sample_ms}, {o_.conninfo, o_.lock_sample_ms}};

        auto sets = data_.prepare_pool(o_.pool_leads, o_.nomatch_share);
        const WorkingSet& ws = sets.first;
        const auto window = static_cast<std::size_t>(std::max<long>(1, std::lround(clients * o_.window_per_client)));
        LeadPicker pickers[2] = {LeadPicker(std::move(sets.first.ids), window),
                                 LeadPicker(std::move(sets.second.ids), window)};
        Measurement ms[2];
        for (int i = 0; i < 2; ++i) {
            ms[i].scenario = "pool";
            ms[i].variant = std::string("route_lead (") + names[i] + ")";
            ms[i].clients = clients;
            ms[i].leads_in_table = ws.leads_in_table;
            ms[i].working_set = static_cast<long long>(o_.pool_leads / 2);
        }
        const int rounds = std::max(1, o_.rounds);
        for (int round = 0; round < rounds; ++round) {
            for (int i = 0; i < 2; ++i) {
                if (ms[i].exhausted) continue;
                RunOptions options;
                options.on_ready = [&](const std::vector<int>&) { locks[i].start(); };
                const ServerMark before = mark();
                RunResult r = run_clients(
                    o_.conninfo, clients, o_.duration_s / rounds,
                    [&] { return make_single_lead_flow(Variant::route_lead, pickers[i]); }, options);
                locks[i].stop();
                accumulate(ms[i], std::move(r));
                stamp(ms[i], before);
            }
        }
        Measurement batches[2];
        lead_router::core::Json shares_json = lead_router::core::Json::array();
        for (int i = 0; i < 2; ++i) {
            const WorkingSet bws =
                data_.prepare(o_.pool_batch_leads, 0, o_.nomatch_share, i == 0 ? kSingleWorkspace : kPoolWorkspace);
            RunOptions options;
            options.on_ready = [&](const std::vector<int>&) { batch_locks[i].start(); };
            const ServerMark before = mark();
            RunResult r = run_clients(
                o_.conninfo, clients, o_.duration_s, [&] { return make_batch_flow(kRouteBatch); }, options);
            batch_locks[i].stop();
            batches[i] =
                from_run(std::move(r), "pool", std::string("route_pending_leads(100) (") + names[i] + ")", clients, 0);
            stamp(batches[i], before);
            batches[i].leads_in_table = bws.leads_in_table;
            batches[i].working_set = static_cast<long long>(bws.ids.size());
            batches[i].note = "route_pending_leads(100); ops are calls, leads are rows returned";
        }
        // how the pool's last working set was shared out (weights 4:3:2:1), and the caps' usage
        for (const pqxx::row& r : data_.query(
                 "SELECT p.i, count(l.id), w.weight FROM unnest(bench.pool_partners()) WITH ORDINALITY AS p(ws, i)"
                 "  JOIN lead_router.routing_rule_destinations w ON w.destination_workspace_id = p.ws"
                 "  LEFT JOIN lead_router.leads l ON l.workspace_id = p.ws AND l.routing_status = 'routed'"
                 "   AND l.source_workspace_id = bench.pool_workspace() AND l.created_at > (SELECT epoch FROM "
                 "bench.state)"
                 " GROUP BY p.i, w.weight ORDER BY p.i")) {
            shares_json.push_back(
                {{"member", r[0].as<int>()}, {"routed", r[1].as<long long>()}, {"weight", r[2].as<int>()}});
        }
        lead_router::core::Json caps = lead_router::core::Json::array();
        // partner_capacity: the current windows' counts, from shared memory when preloaded
        for (const pqxx::row& r : data_.query("SELECT p.i, c.period, c.max_leads, c.used FROM "
                                              "unnest(bench.pool_partners()) WITH ORDINALITY AS p(ws, i)"
                                              "  JOIN lead_router.partner_capacity c ON c.workspace_id = p.ws"
                                              " ORDER BY p.i")) {
            caps.push_back({{"member", r[0].as<int>()},
                            {"period", r[1].c_str()},
                            {"max_leads", r[2].as<long long>()},
                            {"used_in_window", r[3].as<long long>()}});
        }
        for (Measurement& m : ms) m.finalize();
        for (Measurement& m : batches) m.finalize();
        const auto ratio_of = [](const Measurement& a, const Measurement& b) {
            return b.throughput_leads_s > 0 ? lead_router::core::Json(a.throughput_leads_s / b.throughput_leads_s)
                                            : lead_router::core::Json(nullptr);
        };
        lead_router::core::Json versus_scenarios = lead_router::core::Json::object();
        for (const Measurement& m : run_.measurements) {
            if (m.scenario == "concurrent" && m.variant == "route_lead" && m.clients == clients &&
                m.throughput_leads_s > 0) {
                versus_scenarios["route_lead_pool_vs_concurrent"] = ms[1].throughput_leads_s / m.throughput_leads_s;
            }
            if (m.scenario == "batch" && m.clients == clients && m.throughput_leads_s > 0) {
                versus_scenarios["batch_pool_vs_batch_scenario"] = batches[1].throughput_leads_s / m.throughput_leads_s;
            }
        }
        const auto lock_json = [](const LockSampler& s) {
            lead_router::core::Json j = s.summary();
            if (!s.error().empty()) j["error"] = s.error();
            return j;
        };
        run_.pool = {
            {"clients", clients},
            {"members", 4},
            {"weights", {4, 3, 2, 1}},
            {"capped_members", {1, 2}},
            {"single_destination", "member 3 (no cap), by the same catch-all rule of another inbound workspace"},
            {"route_lead_ratio", ratio_of(ms[1], ms[0])},
            {"route_pending_leads_ratio", ratio_of(batches[1], batches[0])},
            {"versus_other_scenarios", versus_scenarios},
            {"lock_sample_ms", o_.lock_sample_ms},
            {"lock_waits",
             {{"route_lead_single", lock_json(locks[0])},
              {"route_lead_pool", lock_json(locks[1])},
              {"route_pending_leads_single", lock_json(batch_locks[0])},
              {"route_pending_leads_pool", lock_json(batch_locks[1])}}},
            {"shares_route_pending_leads_pool", shares_json},
            {"caps", caps}};
        for (Measurement& m : ms) add(std::move(m));
        for (Measurement& m : batches) add(std::move(m));
    }

    // Arrival latency (issue 13): arrival_clients clients, each inserting one lead per
    // transaction, offering each rate of --arrival-rates leads/s together for --arrival-duration
    // seconds; the leads are routed by the worker (lead_router.route_on_arrival = on, woken at
    // commit) or, the comparator, by a client calling route_pending_leads(1000) every
    // --arrival-poll seconds (route_on_arrival = off).  Latency: routed_at (clock_timestamp()
    // of the routing) minus the time the client's INSERT returned from its commit.  The due
    // backlog is sampled every --backlog-sample-ms.  After the offered load stops, the rest is
    // routed (waited for, at most 30 s) before the latencies are read.
    void arrival() {
        if (!data_.has_setting("lead_router.route_on_arrival") || !data_.worker_serves_this_database()) {
            Measurement m;
            m.scenario = "arrival";
            m.variant = "route_on_arrival";
            m.clients = o_.arrival_clients;
            m.skipped = data_.has_setting("lead_router.route_on_arrival")
                            ? "the lead_router worker does not serve this database"
                            : "this lead_router has no lead_router.route_on_arrival";
            add(std::move(m));
            return;
        }
        step("arrival: clearing the working sets (nothing else due)");
        data_.clear_working_sets();
        lead_router::core::Json runs = lead_router::core::Json::array();
        const long long tag =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        int run_number = 0;
        for (const bool on_arrival : {true, false}) {
            data_.query(on_arrival ? "ALTER SYSTEM SET lead_router.route_on_arrival = on"
                                   : "ALTER SYSTEM SET lead_router.route_on_arrival = off");
            data_.enable_worker(true);                                     // reloads
            std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the worker reads it
            for (const double rate : o_.arrival_rates) {
                const std::string mode =
                    on_arrival ? "route_on_arrival" : "polling " + fixed_text(o_.arrival_poll_s) + " s";
                step("arrival: " + mode + ", " + std::to_string(std::lround(rate)) + " leads/s offered by " +
                     std::to_string(o_.arrival_clients) + " clients for " + fixed_text(o_.arrival_s) + " s");
                ArrivalLog log;
                BacklogSampler backlog(o_.conninfo, o_.backlog_sample_ms);
                Poller poller(o_.conninfo, o_.arrival_poll_s, 1000);
                RunOptions options;
                options.on_ready = [&](const std::vector<int>&) {
                    backlog.start();
                    if (!on_arrival) poller.start();
                };
                std::atomic<int> next{0};
                const long long run_tag = tag * 100 + run_number++;
                const ServerMark before = mark();
                RunResult r = run_clients(
                    o_.conninfo, o_.arrival_clients, o_.arrival_s,
                    [&] { return make_arrival_flow(next++, o_.arrival_clients, rate, run_tag, log); }, options);
                backlog.stop();
                const auto t0 = std::chrono::steady_clock::now();
                long long left = 0;
                for (;;) {
                    left = data_.query_count(
                        "SELECT count(*) FROM lead_router.leads"
                        " WHERE routing_status = 'pending' AND routing_due_at <= now()");
                    if (left == 0 || std::chrono::steady_clock::now() - t0 > std::chrono::seconds(30)) break;
                    std::this_thread::sleep_for(std::chrono::milliseconds(20));
                }
                const double settle_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                poller.stop();
                Measurement m = from_run(std::move(r), "arrival",
                                         mode + ", " + std::to_string(std::lround(rate)) + "/s", o_.arrival_clients, 0);
                stamp(m, before);
                m.lock_rate_applies = false;
                const std::vector<Arrival> arrivals = log.arrivals();
                std::string ids = "{";
                for (std::size_t i = 0; i < arrivals.size(); ++i) ids += (i ? "," : "") + arrivals[i].id;
                ids += "}";
                std::unordered_map<std::string, std::pair<std::string, long long>> routed;
                for (const pqxx::row& row : data_.query("SELECT id::text, routing_status::text,"
                                                        "       (extract(epoch FROM routed_at) * 1000000)::bigint"
                                                        "  FROM lead_router.leads WHERE id = ANY($1::uuid[])",
                                                        ids)) {
                    routed[row[0].c_str()] = {row[1].c_str(), row[2].is_null() ? -1 : row[2].as<long long>()};
                }
                std::vector<double> latency, from_insert, behind;
                std::map<std::string, long> statuses;
                for (const Arrival& a : arrivals) {
                    behind.push_back(a.behind_ms);
                    const auto it = routed.find(a.id);
                    const std::string status = it == routed.end() ? "missing" : it->second.first;
                    ++statuses[status];
                    if (it != routed.end() && it->second.second >= 0) {
                        latency.push_back((it->second.second - a.committed_us) / 1000.0);
                        from_insert.push_back((it->second.second - a.inserted_us) / 1000.0);
                    }
                }
                m.tally.latency_ms = latency;
                m.tally.leads = m.tally.succeeded = static_cast<long>(latency.size());
                m.tally.outcomes.clear();
                for (const auto& [s, n] : statuses) m.tally.count(s, n);
                m.leads_in_table = data_.leads_in_table();
                m.note =
                    "latency: routed_at − the client's commit; ops are INSERTs; leads/s: routed per second of offered "
                    "load";
                m.finalize();
                std::vector<double> sorted = latency;
                std::sort(sorted.begin(), sorted.end());
                lead_router::core::Json entry = {
                    {"mode", on_arrival ? "route_on_arrival" : "polling"},
                    {"poll_s",
                     on_arrival ? lead_router::core::Json(nullptr) : lead_router::core::Json(o_.arrival_poll_s)},
                    {"clients", o_.arrival_clients},
                    {"offered_leads_per_s", rate},
                    {"duration_s", m.duration_s},
                    {"inserted", static_cast<long long>(arrivals.size())},
                    {"achieved_leads_per_s", m.duration_s > 0 ? arrivals.size() / m.duration_s : 0.0},
                    {"routed", static_cast<long long>(latency.size())},
                    {"statuses", m.tally.outcomes},
                    {"p50_ms", m.p50_ms},
                    {"p95_ms", m.p95_ms},
                    {"p99_ms", m.p99_ms},
                    {"max_ms", m.max_ms},
                    {"min_ms",
                     sorted.empty() ? lead_router::core::Json(nullptr) : lead_router::core::Json(sorted.front())},
                    {"send_behind_schedule_p99_ms", percentile(behind, 99)},
                    {"from_insert_p50_ms", percentile(from_insert, 50)},
                    {"from_insert_p95_ms", percentile(from_insert, 95)},
                    {"from_insert_p99_ms", percentile(from_insert, 99)},
                    {"backlog", backlog.summary()},
                    {"left_after_load",
                     data_.query_count("SELECT count(*) FROM lead_router.leads WHERE id = ANY($1::uuid[])"
                                       " AND routing_status = 'pending'",
                                       ids)},
                    {"settle_s", settle_s},
                    {"insert_errors", m.tally.errors},
                };
                if (!on_arrival) {
                    entry["poller_calls"] = poller.calls();
                    entry["poller_routed"] = poller.routed();
                    if (!poller.error().empty()) entry["poller_error"] = poller.error();
                }
                if (!backlog.error().empty()) entry["backlog_error"] = backlog.error();
                if (left > 0) entry["note"] = std::to_string(left) + " leads still due 30 s after the load stopped";
                runs.push_back(entry);
                run_.measurements.push_back(std::move(m));
                progress_(run_.measurements.back());
            }
        }
        data_.query("ALTER SYSTEM RESET lead_router.route_on_arrival");
        data_.enable_worker(false);
        run_.arrival = {{"runs", runs},
                        {"workers", data_.query("SELECT current_setting('lead_router.workers')")[0][0].c_str()}};
        data_.clear_working_sets();
    }

    // Drain (issue 13): a backlog of --drain-leads due leads (the queue-head mix: duplicates,
    // leads that match no rule and are queued), routed by the worker on arrival with
    // lead_router.workers = each of --drain-workers: a server restart per setting
    // (--restart-command; the worker stays disabled until the backlog is loaded, then one
    // reload enables it), timed until no lead of it is due (polled every 20 ms).
    void drain() {
        Measurement skip;
        skip.scenario = "drain";
        skip.variant = "worker";
        skip.lock_rate_applies = false;
        if (o_.restart_command.empty())
            skip.skipped = "no --restart-command (run_bench.sh gives one)";
        else if (!data_.has_setting("lead_router.route_on_arrival"))
            skip.skipped = "this lead_router has no lead_router.route_on_arrival";
        else if (!data_.worker_serves_this_database())
            skip.skipped = "the lead_router worker does not serve this database";
        if (!skip.skipped.empty()) {
            add(std::move(skip));
            return;
        }
        lead_router::core::Json runs = lead_router::core::Json::array();
        data_.query("ALTER SYSTEM SET lead_router.route_on_arrival = on");
        for (const int w : o_.drain_workers) {
            step("drain: " + std::to_string(o_.drain_leads) + " due leads, lead_router.workers = " + std::to_string(w) +
                 " (server restart)");
            data_.query("ALTER SYSTEM SET lead_router.workers = " + std::to_string(w));
            restart_server();
            const long long started = wait_for_workers(w);
            const WorkingSet ws = data_.prepare(o_.drain_leads, o_.queue_dup_share, o_.queue_nomatch_share);
            const char* const due_sql =
                "SELECT count(*) FROM lead_router.leads WHERE routing_status = 'pending'"
                " AND routing_due_at <= now() AND created_at > (SELECT epoch FROM bench.state)";
            const long long due = data_.query_count(due_sql);
            const ServerMark before = mark();
            const auto t0 = std::chrono::steady_clock::now();
            const auto cap = t0 + std::chrono::duration<double>(std::max(60.0, o_.drain_leads / 200.0));
            data_.enable_worker(true);
            long long left = due;
            while (left > 0 && std::chrono::steady_clock::now() < cap) {
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
                left = data_.query_count(due_sql);
            }
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            data_.enable_worker(false);
            Measurement m;
            m.scenario = "drain";
            m.variant = "workers = " + std::to_string(w);
            m.clients = w;
            m.lock_rate_applies = false;
            m.duration_s = seconds;
            stamp(m, before);
            m.exhausted = left == 0;
            m.working_set = due;
            m.leads_in_table = ws.leads_in_table;
            m.tally.ops = m.tally.items = m.tally.leads = due - left;
            std::map<std::string, long long> statuses;
            for (const pqxx::row& r :
                 data_.query("SELECT routing_status::text, count(*) FROM lead_router.leads"
                             " WHERE created_at > (SELECT epoch FROM bench.state) GROUP BY 1 ORDER BY 1")) {
                statuses[r[0].c_str()] = r[1].as<long long>();
                m.tally.count(r[0].c_str(), r[1].as<long>());
            }
            m.tally.succeeded = statuses["routed"] + statuses["duplicate"];
            m.note =
                "the worker(s) on arrival; from enabling them to no due lead left (20 ms polls); no client latency";
            m.finalize();
            runs.push_back({{"workers", w},
                            {"workers_running", started},
                            {"backlog", due},
                            {"seconds", seconds},
                            {"leads_per_s", m.throughput_leads_s},
                            {"left", left},
                            {"statuses", statuses},
                            {"wal_bytes", m.wal_bytes}});
            run_.measurements.push_back(std::move(m));
            progress_(run_.measurements.back());
        }
        step("drain: lead_router.workers and route_on_arrival back to the run's settings (server restart)");
        data_.query("ALTER SYSTEM RESET lead_router.workers");
        data_.query("ALTER SYSTEM RESET lead_router.route_on_arrival");
        restart_server();
        data_.clear_working_sets();
        const double first = runs.empty() ? 0 : runs[0]["leads_per_s"].get<double>();
        for (auto& r : runs)
            r["ratio_to_first"] = first > 0 ? lead_router::core::Json(r["leads_per_s"].get<double>() / first)
                                            : lead_router::core::Json(nullptr);
        run_.drain = {{"leads", o_.drain_leads},
                      {"runs", runs},
                      {"note", "the shared buffers are cold after each restart alike"}};
    }

    void restart_server() {
        admin_.disconnect();
        const int rc = std::system(o_.restart_command.c_str());
        if (rc != 0) throw std::runtime_error("--restart-command failed (status " + std::to_string(rc) + ")");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        admin_.activate();
#pragma GCC diagnostic pop
    }

    // The lead_router workers of this database running (at most 15 s of waiting).
    long long wait_for_workers(int want) {
        long long n = 0;
        for (int i = 0; i < 150; ++i) {
            n = data_.query_count(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE backend_type = 'lead_router worker' AND datname = current_database()");
            if (n >= want) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return n;
    }

    static std::string fixed_text(double v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, v == std::floor(v) ? "%.0f" : "%.1f", v);
        return buf;
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
            if (k < 4)
                single.push_back(ws.ids[i]);
            else if (k == 4)
                last_attempt.push_back(ws.ids[i]);
            else if (k < 7)
                seed.push_back(ws.ids[i]);
        }
        const std::vector<std::string> again(single.begin(), single.begin() + std::min<std::size_t>(single.size(), 20));
        const auto pass = [&](const std::string& what, const std::function<std::unique_ptr<Flow>()>& make) {
            RunResult r = run_clients(o_.conninfo, 1, kCaptureCap_s, [&] { return capture.wrap(make()); });
            std::fprintf(stderr, "  %s: %ld operations in %.1f s\n", what.c_str(), r.tally.ops, r.duration_s);
            if (r.tally.errors > 0) {
                capture.problem(what + ": " + std::to_string(r.tally.errors) +
                                " errors; first: " + r.tally.first_error);
            }
        };
        LeadPicker single_picker(single, 1), again_picker(again, 1), last_picker(last_attempt, 1), seed_picker(seed, 1);
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
        std::fprintf(stderr, "  %zu statements of lead_router captured (%lld plans received)\n", run_.explains.size(),
                     run_.explain_notices);
    }

    const Options& o_;
    pqxx::connection& admin_;
    Dataset data_;
    RunInfo& run_;
    const std::function<void(const Measurement&)>& progress_;
    Profiler profiler_;
    WalDump waldump_;
    int sustained_client_base_ = 0;  // client numbers of the sustained flows (their people)
};

}  // namespace

void run_scenarios(const Options& o, pqxx::connection& admin, RunInfo& run,
                   const std::function<void(const Measurement&)>& progress) {
    Plan(o, admin, run, progress).run();
}

}  // namespace bench
