#include "sustained.h"

#include <algorithm>
#include <cmath>

#include <pqxx/pqxx>

#include "stats.h"

namespace bench {
namespace {

using lead_router::core::Json;
using Clock = std::chrono::steady_clock;

const char* const kTablesSql =
    "SELECT c.relname::text, pg_relation_size(c.oid), pg_indexes_size(c.oid),"
    "       pg_total_relation_size(c.oid), s.n_live_tup, s.n_dead_tup, s.autovacuum_count,"
    "       s.autoanalyze_count, s.n_tup_ins, s.n_tup_upd, s.n_tup_hot_upd,"
    "       (SELECT count(*) FROM pg_stat_progress_vacuum v WHERE v.relid = c.oid)"
    "  FROM pg_class c JOIN pg_stat_all_tables s ON s.relid = c.oid"
    " WHERE c.oid IN ('lead_router.leads'::regclass, 'lead_router.routing_queue'::regclass,"
    "                 'lead_router.routing_logs'::regclass)"
    " ORDER BY 1";

}  // namespace

SustainedSampler::SustainedSampler(std::string conninfo, double warmup_s, double bucket_s)
    : conninfo_(std::move(conninfo)), warmup_s_(warmup_s), bucket_s_(bucket_s) {}

SustainedSampler::~SustainedSampler() { stop(); }

void SustainedSampler::start() {
    start_ = Clock::now();
    thread_ = std::thread([this] { loop(); });
}

void SustainedSampler::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

Json SustainedSampler::samples() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return samples_;
}

Json SustainedSampler::sample(pqxx::connection& conn, double t_s) {
    pqxx::nontransaction tx{conn};
    Json tables = Json::object();
    for (const pqxx::row& r : tx.exec(kTablesSql)) {
        tables[r[0].c_str()] = {{"heap_bytes", r[1].as<long long>()},
                                {"index_bytes", r[2].as<long long>()},
                                {"total_bytes", r[3].as<long long>()},
                                {"live_tuples", r[4].as<long long>()},
                                {"dead_tuples", r[5].as<long long>()},
                                {"autovacuum_count", r[6].as<long long>()},
                                {"autoanalyze_count", r[7].as<long long>()},
                                {"inserted", r[8].as<long long>()},
                                {"updated", r[9].as<long long>()},
                                {"hot_updated", r[10].as<long long>()},
                                {"vacuum_running", r[11].as<long long>() > 0}};
    }
    const pqxx::row w = tx.exec1(
        "SELECT pg_current_wal_lsn()::text, (SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter)");
    return {{"t_s", std::round(t_s * 10) / 10},
            {"wal_lsn", w[0].c_str()},
            {"checkpoints", w[1].as<long long>()},
            {"tables", tables}};
}

void SustainedSampler::loop() {
    try {
        pqxx::connection conn(conninfo_);
        pqxx::nontransaction(conn).exec("SET application_name = 'lead_router_bench sampler'");
        double next = 0;
        for (;;) {
            const double t = std::chrono::duration<double>(Clock::now() - start_).count();
            Json s = sample(conn, t);
            {
                std::lock_guard<std::mutex> lock(mutex_);
                samples_.push_back(std::move(s));
            }
            next = next == 0 ? warmup_s_ : next + bucket_s_;
            std::unique_lock<std::mutex> lock(mutex_);
            const auto at = start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(next));
            if (cv_.wait_until(lock, at, [&] { return stopping_; })) break;
        }
        const double t = std::chrono::duration<double>(Clock::now() - start_).count();
        Json s = sample(conn, t);
        std::lock_guard<std::mutex> lock(mutex_);
        samples_.push_back(std::move(s));
    } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mutex_);
        samples_.push_back({{"error", e.what()}});
    }
}

Json summarize_sustained(const std::vector<TimelineEntry>& timeline, const Json& samples, double warmup_s,
                         double bucket_s, double sustained_s) {
    const int buckets = std::max(1, static_cast<int>(std::floor(sustained_s / bucket_s + 1e-9)));
    std::vector<long> leads(static_cast<std::size_t>(buckets), 0);
    std::vector<std::vector<double>> latencies(static_cast<std::size_t>(buckets));
    for (const TimelineEntry& e : timeline) {
        if (e.end_s < warmup_s) continue;
        const int b = static_cast<int>(std::floor((e.end_s - warmup_s) / bucket_s));
        if (b < 0 || b >= buckets) continue;
        leads[static_cast<std::size_t>(b)] += e.leads;
        latencies[static_cast<std::size_t>(b)].push_back(e.latency_ms);
    }
    Json minutes = Json::array();
    double worst_p99 = 0;
    for (int b = 0; b < buckets; ++b) {
        std::vector<double>& l = latencies[static_cast<std::size_t>(b)];
        const double p99 = percentile(l, 99);
        worst_p99 = std::max(worst_p99, p99);
        minutes.push_back(
            {{"bucket", b + 1},
             {"from_s", warmup_s + b * bucket_s},
             {"to_s", warmup_s + (b + 1) * bucket_s},
             {"leads", leads[static_cast<std::size_t>(b)]},
             {"leads_per_s", std::round(leads[static_cast<std::size_t>(b)] / bucket_s)},
             {"p50_ms", std::round(percentile(l, 50) * 100) / 100},
             {"p95_ms", std::round(percentile(l, 95) * 100) / 100},
             {"p99_ms", std::round(p99 * 100) / 100},
             {"max_ms", l.empty() ? 0.0 : std::round(*std::max_element(l.begin(), l.end()) * 100) / 100}});
    }
    Json out = {{"warmup_s", warmup_s},
                {"bucket_s", bucket_s},
                {"sustained_s", sustained_s},
                {"buckets", minutes},
                {"samples", samples}};
    out["last_first_ratio"] =
        leads.front() > 0 ? Json(std::round(1000.0 * leads.back() / leads.front()) / 1000) : Json(nullptr);
    out["worst_bucket_p99_ms"] = std::round(worst_p99 * 100) / 100;
    // growth per table: first sample to last
    Json growth = Json::object();
    const Json* first = nullptr;
    const Json* last = nullptr;
    for (const Json& s : samples) {
        if (!s.contains("tables")) continue;
        if (first == nullptr) first = &s;
        last = &s;
    }
    if (first != nullptr && last != first) {
        for (const auto& [name, end] : (*last)["tables"].items()) {
            const Json& begin = (*first)["tables"][name];
            long long max_dead = 0;
            for (const Json& s : samples) {
                if (s.contains("tables"))
                    max_dead = std::max(max_dead, s["tables"][name]["dead_tuples"].get<long long>());
            }
            growth[name] = {
                {"heap_bytes_start", begin["heap_bytes"]},
                {"heap_bytes_end", end["heap_bytes"]},
                {"index_bytes_start", begin["index_bytes"]},
                {"index_bytes_end", end["index_bytes"]},
                {"live_tuples_start", begin["live_tuples"]},
                {"live_tuples_end", end["live_tuples"]},
                {"dead_tuples_start", begin["dead_tuples"]},
                {"dead_tuples_end", end["dead_tuples"]},
                {"dead_tuples_max_sampled", max_dead},
                {"autovacuum_runs",
                 end["autovacuum_count"].get<long long>() - begin["autovacuum_count"].get<long long>()},
                {"autoanalyze_runs",
                 end["autoanalyze_count"].get<long long>() - begin["autoanalyze_count"].get<long long>()},
                {"inserted", end["inserted"].get<long long>() - begin["inserted"].get<long long>()},
                {"updated", end["updated"].get<long long>() - begin["updated"].get<long long>()},
                {"hot_updated", end["hot_updated"].get<long long>() - begin["hot_updated"].get<long long>()}};
        }
        out["checkpoints"] = (*last)["checkpoints"].get<long long>() - (*first)["checkpoints"].get<long long>();
    }
    out["tables"] = growth;
    return out;
}

}  // namespace bench
