#include "report.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace bench {
namespace {

using lead_router::core::Json;

// A figure for the JSON, rounded to `decimals` places (an integer with none); null when it is
// not finite (a latency not timed per operation).
Json figure(double v, int decimals) {
    if (!std::isfinite(v)) return nullptr;
    if (decimals == 0) return std::llround(v);
    const double scale = std::pow(10.0, decimals);
    return std::round(v * scale) / scale;
}

Json figure(const std::optional<double>& v, int decimals) { return v ? figure(*v, decimals) : Json(nullptr); }

// A text that is null when empty.
Json text_or_null(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

std::string fixed(double v, int decimals) {
    if (!std::isfinite(v)) return "–";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string with_commas(double v) {
    const long long n = std::llround(v);
    std::string digits = std::to_string(n < 0 ? -n : n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return n < 0 ? "-" + out : out;
}

std::string percent(const std::optional<double>& v) { return v ? fixed(*v * 100, 1) + " %" : "–"; }

const Measurement* find(const std::vector<Measurement>& ms, const std::string& scenario, const std::string& variant,
                        int clients, long long scale_size = 0) {
    for (const Measurement& m : ms) {
        if (m.scenario == scenario && m.variant == variant && m.clients == clients && m.scale_size == scale_size &&
            m.skipped.empty() && m.tally.ops > 0) {
            return &m;
        }
    }
    return nullptr;
}

Bar make_bar(std::string id, std::string description, std::string comparison, double target, std::string unit) {
    Bar b;
    b.id = std::move(id);
    b.description = std::move(description);
    b.comparison = std::move(comparison);
    b.target = target;
    b.unit = std::move(unit);
    b.verdict = "n/a";
    return b;
}

void judge(Bar& b, std::optional<double> value, const std::string& missing) {
    if (!value) {
        b.verdict = "n/a";
        b.detail = missing;
        return;
    }
    b.measured = value;
    const bool pass = b.comparison == ">=" ? *value >= b.target : *value <= b.target;
    b.verdict = pass ? "pass" : "miss";
}

std::optional<double> ratio(const Measurement* a, const Measurement* b) {
    if (a == nullptr || b == nullptr || b->throughput_leads_s <= 0) return std::nullopt;
    return a->throughput_leads_s / b->throughput_leads_s;
}

std::string measured_text(const Bar& b) {
    if (!b.measured) return "–";
    if (b.unit == "%") return fixed(*b.measured, 2) + " %";
    if (b.unit == "x") return fixed(*b.measured, 2) + "×";
    if (b.unit == "ms") return fixed(*b.measured, 2) + " ms";
    return with_commas(*b.measured) + " " + b.unit;
}

std::string target_text(const Bar& b) {
    const std::string op = b.comparison == ">=" ? "≥ " : "≤ ";
    if (b.unit == "x") return op + fixed(b.target, 2) + "×";
    if (b.unit == "%") return op + fixed(b.target, 0) + " %";
    if (b.unit == "ms") return op + fixed(b.target, 0) + " ms";
    return op + with_commas(b.target) + " " + b.unit;
}

}  // namespace

Json versus_baseline(const RunInfo& run) {
    Json rows = Json::array();
    if (!run.baseline.is_object() || !run.baseline.contains("measurements")) return rows;
    for (const Json& b : run.baseline["measurements"]) {
        if (!b["skipped"].is_null()) continue;
        const long long scale = b["scale_size"].is_null() ? 0 : b["scale_size"].get<long long>();
        const Measurement* m = find(run.measurements, b["scenario"].get<std::string>(), b["variant"].get<std::string>(),
                                    b["clients"].get<int>(), scale);
        if (m == nullptr) continue;
        const auto num = [](const Json& v) { return v.is_number() ? v.get<double>() : std::nan(""); };
        const double b_leads = num(b["throughput_leads_s"]), b_p95 = num(b["p95_ms"]),
                     b_wal = num(b["wal_bytes_per_lead"]);
        const double m_wal = m->tally.leads > 0 ? static_cast<double>(m->wal_bytes) / m->tally.leads : std::nan("");
        rows.push_back({{"scenario", m->scenario},
                        {"variant", m->variant},
                        {"clients", m->clients},
                        {"leads_per_s_050", figure(b_leads, 1)},
                        {"leads_per_s", figure(m->throughput_leads_s, 1)},
                        {"leads_per_s_ratio", figure(b_leads > 0 ? m->throughput_leads_s / b_leads : std::nan(""), 3)},
                        {"p95_ms_050", figure(b_p95, 3)},
                        {"p95_ms", figure(m->p95_ms, 3)},
                        {"wal_bytes_per_lead_050", figure(b_wal, 0)},
                        {"wal_bytes_per_lead", figure(m_wal, 0)},
                        {"wal_per_lead_ratio", figure(b_wal > 0 ? m_wal / b_wal : std::nan(""), 3)}});
    }
    return rows;
}

namespace {

std::optional<double> versus(const Json& rows, const std::string& scenario, const std::string& variant, int clients,
                             const char* field) {
    for (const Json& r : rows) {
        if (r["scenario"] == scenario && r["variant"] == variant && r["clients"] == clients && r[field].is_number()) {
            return r[field].get<double>();
        }
    }
    return std::nullopt;
}

}  // namespace

std::vector<Bar> compute_bars(const RunInfo& run, int n) {
    const std::vector<Measurement>& ms = run.measurements;
    const std::string c = std::to_string(n);
    const Measurement* lead = find(ms, "concurrent", "route_lead", n);
    const Measurement* seed = find(ms, "concurrent", "seed_flow", n);
    const Measurement* plpgsql = find(ms, "concurrent", "plpgsql", n);
    const Measurement* pgbench = find(ms, "concurrent", "pgbench_N", n);
    const std::string no_conc = "concurrent scenario at " + c + " clients not measured";
    std::vector<Bar> bars;

    Bar b = make_bar("route_lead_vs_seed_flow", "route_lead ÷ seed-design flow, leads/s at " + c + " clients",
                     ">=", 3.0, "x");
    judge(b, ratio(lead, seed), no_conc);
    bars.push_back(b);

    b = make_bar("route_lead_vs_plpgsql", "route_lead ÷ PL/pgSQL single call, leads/s at " + c + " clients", ">=", 1.3,
                 "x");
    judge(b, ratio(lead, plpgsql), no_conc);
    bars.push_back(b);

    b = make_bar("route_lead_vs_pgbench", "route_lead leads/s ÷ pgbench -N TPS at " + c + " clients", ">=", 0.6, "x");
    judge(b, ratio(lead, pgbench), pgbench == nullptr ? "pgbench not run" : no_conc);
    bars.push_back(b);

    b = make_bar("route_pending_leads_1_client", "route_pending_leads(100) from one client", ">=", 20000, "leads/s");
    const Measurement* batch = find(ms, "batch", "route_pending_leads", 1);
    judge(b, batch ? std::optional<double>(batch->throughput_leads_s) : std::nullopt,
          "batch scenario at 1 client not measured");
    bars.push_back(b);

    b = make_bar("route_lead_p95", "p95 latency of route_lead at " + c + " clients", "<=", 10, "ms");
    judge(b, lead ? std::optional<double>(lead->p95_ms) : std::nullopt, no_conc);
    bars.push_back(b);

    // Scale: the smallest and the largest table of the scale scenario.
    const Measurement* small = nullptr;
    const Measurement* large = nullptr;
    for (const Measurement& m : ms) {
        if (m.scenario != "scale" || m.variant != "route_lead" || m.tally.ops == 0) continue;
        if (small == nullptr || m.scale_size < small->scale_size) small = &m;
        if (large == nullptr || m.scale_size > large->scale_size) large = &m;
    }
    b = make_bar("scale_route_lead", "route_lead leads/s, largest ÷ smallest table (drop ≤ 20 %)", ">=", 0.8, "x");
    if (small != nullptr && large != nullptr && small != large) {
        b.description = "route_lead leads/s at " + with_commas(large->scale_size) + " ÷ " +
                        with_commas(small->scale_size) + " leads, " + std::to_string(large->clients) +
                        " clients (drop ≤ 20 %)";
        judge(b, ratio(large, small), "");
    } else {
        judge(b, std::nullopt, "scale scenario needs two table sizes");
    }
    bars.push_back(b);

    b = make_bar("retry_drain", "retry queue drained by process_retry_queue(200)", ">=", 10000, "rows/s");
    const Measurement* retry = nullptr;
    for (const Measurement& m : ms) {
        if (m.scenario == "retry" && m.variant == "process_retry_queue") retry = &m;
    }
    if (retry != nullptr && retry->skipped.empty() && retry->tally.ops > 0) {
        judge(b, retry->throughput_leads_s, "");
    } else {
        judge(b, std::nullopt, retry && !retry->skipped.empty() ? retry->skipped : "retry scenario not run");
    }
    bars.push_back(b);

    // issue 11: identity
    const Json rows = versus_baseline(run);
    b = make_bar("identity_detection", "identity: planted format variants detected as duplicates of their original",
                 ">=", 100, "%");
    b.issue = 11;
    judge(b,
          run.identity.is_object() && run.identity["detection_rate"].is_number()
              ? std::optional<double>(100 * run.identity["detection_rate"].get<double>())
              : std::nullopt,
          "identity scenario not run");
    bars.push_back(b);
    b = make_bar("identity_false_positives", "identity: leads that are not variants reported as duplicates", "<=", 0,
                 "leads");
    b.issue = 11;
    judge(
        b,
        run.identity.is_object() ? std::optional<double>(run.identity["false_positives"].get<double>()) : std::nullopt,
        "identity scenario not run");
    bars.push_back(b);
    b = make_bar("route_lead_vs_050", "route_lead leads/s at " + c + " clients ÷ 0.5.0's (cost at most +10 %)",
                 ">=", 1 / 1.1, "x");
    b.issue = 11;
    // The paired comparison when the run made it (paired.h); else the two passes' ratio.
    if (run.paired.is_object() && run.paired["median_ratio"].is_number()) {
        const auto passes = versus(rows, "concurrent", "route_lead", n, "leads_per_s_ratio");
        judge(b, run.paired["median_ratio"].get<double>(), "");
        b.detail = "median of " + std::to_string(run.paired["pairs"].size()) + " alternating pairs (" +
                   fixed(run.paired["min_ratio"].get<double>(), 3) + "–" +
                   fixed(run.paired["max_ratio"].get<double>(), 3) + "×); the two passes: " +
                   (passes ? fixed(*passes, 3) + "×" : std::string("n/a"));
    } else {
        judge(b, versus(rows, "concurrent", "route_lead", n, "leads_per_s_ratio"),
              "no 0.5.0 baseline in this run (--compare-050)");
    }
    bars.push_back(b);
    b = make_bar("route_lead_cost_vs_050",
                 "route_lead backend CPU per lead at " + c + " clients ÷ 0.5.0's (cost at most +10 %)", "<=", 1.1,
                 "x");
    b.issue = 11;
    if (run.paired.is_object() && run.paired["median_cost_ratio"].is_number()) {
        judge(b, run.paired["median_cost_ratio"].get<double>(), "");
        b.detail = "median of " + std::to_string(run.paired["pairs"].size()) + " alternating pairs (" +
                   fixed(run.paired["min_cost_ratio"].get<double>(), 3) + "–" +
                   fixed(run.paired["max_cost_ratio"].get<double>(), 3) + "×)";
    } else {
        judge(b, std::nullopt, "no paired comparison in this run (--compare-050 with concurrent)");
    }
    bars.push_back(b);

    // issue 15: queue head, sustained, WAL
    const Measurement* head1 = find(ms, "queue_head", "route_pending_leads(1)", n);
    const Measurement* head_pgbench = find(ms, "queue_head", "pgbench_N", n);
    b = make_bar("queue_head_vs_pgbench",
                 "queue head: route_pending_leads(1) leads/s ÷ pgbench -N TPS at " + c + " clients", ">=", 0.6, "x");
    b.issue = 15;
    judge(b, ratio(head1, head_pgbench), "queue_head at " + c + " clients with pgbench not measured");
    bars.push_back(b);
    const Measurement* head100 = find(ms, "queue_head", "route_pending_leads(100)", 1);
    b = make_bar("queue_head_batch_1_client", "queue head: route_pending_leads(100) from one client", ">=", 20000,
                 "leads/s");
    b.issue = 15;
    judge(b, head100 ? std::optional<double>(head100->throughput_leads_s) : std::nullopt,
          "queue_head at 1 client not measured");
    bars.push_back(b);
    const bool sustained = run.sustained.is_object();
    b = make_bar("sustained_last_first", "sustained: last minute ÷ first minute (after the warm-up)", ">=", 0.85, "x");
    b.issue = 15;
    judge(b,
          sustained && run.sustained["last_first_ratio"].is_number()
              ? std::optional<double>(run.sustained["last_first_ratio"].get<double>())
              : std::nullopt,
          "sustained scenario not run");
    bars.push_back(b);
    b = make_bar("wal_per_lead_vs_050", "WAL per routed lead ÷ 0.5.0's, route_lead at " + c + " clients (≥ 30 % less)",
                 "<=", 0.7, "x");
    b.issue = 15;
    judge(b, versus(rows, "concurrent", "route_lead", n, "wal_per_lead_ratio"),
          "no 0.5.0 baseline in this run (--compare-050)");
    bars.push_back(b);
    b = make_bar("sustained_p99", "sustained: route_lead p99, worst minute", "<=", 10, "ms");
    b.issue = 15;
    judge(b, sustained ? std::optional<double>(run.sustained["worst_bucket_p99_ms"].get<double>()) : std::nullopt,
          "sustained scenario not run");
    bars.push_back(b);

    // issue 12: distribution (the pool scenario's own single-destination comparator)
    const auto pool_ratio = [&](const char* field) {
        return run.pool.is_object() && run.pool[field].is_number()
                   ? std::optional<double>(run.pool[field].get<double>())
                   : std::nullopt;
    };
    b = make_bar("pool_route_lead", "pool: route_lead leads/s, 4-member pool with caps ÷ single destination", ">=", 0.8,
                 "x");
    b.issue = 12;
    judge(b, pool_ratio("route_lead_ratio"), "pool scenario not run");
    bars.push_back(b);
    b = make_bar("pool_route_pending_leads", "pool: route_pending_leads(100) leads/s, pool ÷ single destination",
                 ">=", 0.8, "x");
    b.issue = 12;
    judge(b, pool_ratio("route_pending_leads_ratio"), "pool scenario not run");
    bars.push_back(b);

    // issue 13: arrival latency at the lowest offered rate, backlog at the highest
    const Json* low = nullptr;
    const Json* high = nullptr;
    if (run.arrival.is_object()) {
        for (const Json& r : run.arrival["runs"]) {
            if (r["mode"] != "route_on_arrival") continue;
            if (low == nullptr || r["offered_leads_per_s"].get<double>() < (*low)["offered_leads_per_s"].get<double>())
                low = &r;
            if (high == nullptr ||
                r["offered_leads_per_s"].get<double>() > (*high)["offered_leads_per_s"].get<double>())
                high = &r;
        }
    }
    const std::string low_rate = low ? with_commas((*low)["offered_leads_per_s"].get<double>()) : "200";
    const std::string high_rate = high ? with_commas((*high)["offered_leads_per_s"].get<double>()) : "1,000";
    const auto field_of = [](const Json* r, const char* f) {
        return r != nullptr && (*r)[f].is_number() ? std::optional<double>((*r)[f].get<double>()) : std::nullopt;
    };
    b = make_bar("arrival_p50", "arrival: commit → routed, p50 at " + low_rate + " leads/s", "<=", 5, "ms");
    b.issue = 13;
    judge(b, field_of(low, "p50_ms"), "arrival scenario not run");
    bars.push_back(b);
    b = make_bar("arrival_p99", "arrival: commit → routed, p99 at " + low_rate + " leads/s", "<=", 50, "ms");
    b.issue = 13;
    judge(b, field_of(low, "p99_ms"), "arrival scenario not run");
    bars.push_back(b);
    // "no backlog growth": the least-squares slope of the due backlog over the run is below
    // 1 % of the offered rate
    b = make_bar("arrival_backlog", "arrival: due backlog growth at " + high_rate + " leads/s (slope ÷ offered rate)",
                 "<=", 0.01, "x");
    b.issue = 13;
    std::optional<double> growth;
    if (high != nullptr && (*high)["backlog"]["slope_leads_per_s"].is_number()) {
        growth = (*high)["backlog"]["slope_leads_per_s"].get<double>() / (*high)["offered_leads_per_s"].get<double>();
    }
    judge(b, growth, "arrival scenario not run");
    bars.push_back(b);
    return bars;
}

std::string markdown_header() {
    return "| scenario | variant | clients | leads in table | s | ops | leads/s | p50 ms | p95 ms | "
           "p99 ms | success | lock acq. | WAL/lead |\n"
           "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";
}

std::string markdown_row(const Measurement& m) {
    std::string scenario = m.scenario;
    if (m.scale_size > 0) scenario += " " + with_commas(m.scale_size);
    if (!m.skipped.empty()) {
        return "| " + scenario + " | " + m.variant + " | " + std::to_string(m.clients) +
               " | | | | skipped: " + m.skipped + " | | | | | | |\n";
    }
    return "| " + scenario + " | " + m.variant + " | " + std::to_string(m.clients) + " | " +
           (m.leads_in_table > 0 ? with_commas(m.leads_in_table) : "–") + " | " + fixed(m.duration_s, 1) +
           (m.exhausted ? "*" : "") + " | " + with_commas(m.tally.ops) + " | " + with_commas(m.throughput_leads_s) +
           " | " + fixed(m.p50_ms, 2) + " | " + fixed(m.p95_ms, 2) + " | " + fixed(m.p99_ms, 2) + " | " +
           percent(m.success_rate) + " | " + percent(m.lock_acquisition_rate) + " | " +
           (m.tally.leads > 0 ? fixed(m.wal_bytes / 1024.0 / m.tally.leads, 1) + " kB" : "–") +
           (m.checkpoints > 0 ? " (ckpt)" : "") + " |" +
           (m.tally.errors > 0 ? " **" + std::to_string(m.tally.errors) + " errors**" : "") + "\n";
}

namespace {

std::string kb(const Json& bytes) { return bytes.is_number() ? fixed(bytes.get<double>() / 1024.0, 2) + " kB" : "–"; }
std::string num_text(const Json& v, int decimals = 0) {
    if (!v.is_number()) return "–";
    return decimals == 0 ? with_commas(v.get<double>()) : fixed(v.get<double>(), decimals);
}
std::string mb(const Json& bytes) {
    return bytes.is_number() ? fixed(bytes.get<double>() / 1048576.0, 1) + " MB" : "–";
}

// The sections of issues 11 and 15: identity, 0.5.0, normalisation, WAL, sustained, profiles.
std::string extra_markdown(const RunInfo& run) {
    std::ostringstream out;
    if (run.identity.is_object()) {
        const Json& id = run.identity;
        out << "\n### Identity (issue 11)\n\n"
            << num_text(id["variants_detected"]) << " of " << num_text(id["variants_planted"])
            << " planted variants detected as duplicates of their original ("
            << (id["detection_rate"].is_number() ? fixed(100 * id["detection_rate"].get<double>(), 2) : "–")
            << " %); false positives: " << num_text(id["false_positives"]) << " (of " << num_text(id["near_misses"])
            << " near misses and " << num_text(id["ordinary_leads"]) << " ordinary leads); working set "
            << num_text(id["working_set"]) << " at " << num_text(id["clients"]) << " clients.\n\n"
            << "| kind | planted | leads | expected key | detected | with that key | duplicate of another lead | not "
               "duplicate |\n"
               "|---|---|--:|---|--:|--:|--:|--:|\n";
        for (const Json& k : id["kinds"]) {
            out << "| " << k["kind"].get<std::string>() << " | " << (k["planted"].get<bool>() ? "variant" : "near miss")
                << " | " << num_text(k["leads"]) << " | "
                << (k["expected_key"].is_string() ? k["expected_key"].get<std::string>() : "–") << " | "
                << num_text(k["detected"]) << " | " << num_text(k["detected_with_expected_key"]) << " | "
                << num_text(k["duplicate_of_another_lead"]) << " | " << num_text(k["not_duplicate"]) << " |\n";
        }
        if (run.baseline.is_object() && run.baseline["identity"].is_object()) {
            const Json& b = run.baseline["identity"];
            out << "\n0.5.0 on the same working set: " << num_text(b["variants_detected"]) << " of "
                << num_text(b["variants_planted"]) << " detected ("
                << (b["detection_rate"].is_number() ? fixed(100 * b["detection_rate"].get<double>(), 2) : "–")
                << " %), false positives " << num_text(b["false_positives"]) << ".\n";
        }
    }
    if (run.normalize.is_object() && run.normalize.contains("functions")) {
        out << "\n### Normalisation per lead (bench/micro/normalize_bench, " << num_text(run.normalize["leads_in_mix"])
            << " leads, " << num_text(run.normalize["non_ascii_leads"]) << " non-ASCII; "
            << run.normalize.value("libraries", "")
            << ")\n\n| function | µs/lead | ASCII leads | non-ASCII leads |\n|---|--:|--:|--:|\n";
        for (const Json& f : run.normalize["functions"]) {
            out << "| " << f["function"].get<std::string>() << " | " << num_text(f["us_per_lead"], 2) << " | "
                << num_text(f["us_per_lead_ascii"], 2) << " | " << num_text(f["us_per_lead_non_ascii"], 2) << " |\n";
        }
        if (run.normalize.contains("normalize_phone_by_form")) {
            out << "\nnormalize_phone by form:";
            for (const Json& f : run.normalize["normalize_phone_by_form"]) {
                out << " " << f["form"].get<std::string>() << " " << num_text(f["us_per_lead"], 1) << " µs;";
            }
            out << "\n";
        }
    }
    const Json rows = versus_baseline(run);
    if (!rows.empty()) {
        const std::string& v = run.extension_version;  // this run's version, against 0.5.0
        out << "\n### " << v << " against 0.5.0 (same harness, same machine, the 0.5.0 pass first)\n\n";
        if (run.baseline.contains("library")) {
            out << "0.5.0 pass: extension " << run.baseline.value("extension_version", "?") << ", library "
                << run.baseline["library"].value("path", "?") << " (sha256 "
                << run.baseline["library"].value("sha256", "?").substr(0, 16) << "…, "
                << run.baseline["library"].value("check", "") << "). This run: library "
                << run.library.value("path", "?") << " (sha256 " << run.library.value("sha256", "?").substr(0, 16)
                << "…).\n\n";
        }
        out << "| scenario | variant | clients | 0.5.0 leads/s | " << v << " leads/s | ratio | 0.5.0 p95 ms | " << v
            << " p95 ms | 0.5.0 WAL/lead | " << v << " WAL/lead | ratio |\n"
               "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";
        for (const Json& r : rows) {
            out << "| " << r["scenario"].get<std::string>() << " | " << r["variant"].get<std::string>() << " | "
                << r["clients"].get<int>() << " | " << num_text(r["leads_per_s_050"]) << " | "
                << num_text(r["leads_per_s"]) << " | " << num_text(r["leads_per_s_ratio"], 3) << "× | "
                << num_text(r["p95_ms_050"], 2) << " | " << num_text(r["p95_ms"], 2) << " | "
                << kb(r["wal_bytes_per_lead_050"]) << " | " << kb(r["wal_bytes_per_lead"]) << " | "
                << num_text(r["wal_per_lead_ratio"], 3) << "× |\n";
        }
    }
    if (run.paired.is_object()) {
        const Json& p = run.paired;
        out << "\n### route_lead against 0.5.0, alternating pairs at " << p.value("clients", 0) << " clients ("
            << num_text(p["slice_s"], 1) << " s per side; tables of " << num_text(p["leads_in_table_050"]) << " and "
            << num_text(p["leads_in_table"]) << " leads; the host's steal "
            << num_text(Json(100 * p.value("steal_share", 0.0)), 1) << " % of CPU time meanwhile)\n\n"
            << "| pair | first | 0.5.0 leads/s | " << run.extension_version
            << " leads/s | ratio | 0.5.0 CPU µs/lead | " << run.extension_version << " CPU µs/lead | ratio |\n"
            << "|--:|---|--:|--:|--:|--:|--:|--:|\n";
        int k = 0;
        for (const Json& r : p["pairs"]) {
            out << "| " << ++k << " | " << r["first"].get<std::string>() << " | " << num_text(r["leads_per_s_050"])
                << " | " << num_text(r["leads_per_s"]) << " | " << num_text(r["ratio"], 3) << "× | "
                << num_text(r["cpu_us_per_lead_050"]) << " | " << num_text(r["cpu_us_per_lead"]) << " | "
                << num_text(r["cost_ratio"], 3) << "× |\n";
        }
        out << "\nmedians: leads/s " << num_text(p["median_ratio"], 3) << "×, CPU per lead "
            << num_text(p["median_cost_ratio"], 3) << "×\n";
    }
    for (const Json& w : run.wal_splits) {
        out << "\n### WAL of " << w.value("scenario", "") << " / " << w.value("variant", "") << " at "
            << w.value("clients", 0) << " clients (pg_waldump)\n\n";
        if (w.contains("error")) {
            out << "not split: " << w["error"].get<std::string>() << "\n";
            continue;
        }
        out << num_text(w["bytes_per_lead"]) << " bytes and " << num_text(w["records_per_lead"], 1)
            << " records per lead over " << num_text(w["leads"]) << " leads (" << mb(w["bytes"])
            << ", of which full-page images " << mb(w["fpi_bytes"])
            << ").\n\n| relation | bytes/lead | records/lead | FPI bytes |\n|---|--:|--:|--:|\n";
        for (const Json& r : w["by_relation"]) {
            out << "| " << r["relation"].get<std::string>() << " | " << num_text(r["bytes_per_lead"]) << " | "
                << num_text(r["records_per_lead"], 2) << " | " << num_text(r["fpi_bytes"]) << " |\n";
        }
        out << "\n| record | bytes/lead | records/lead |\n|---|--:|--:|\n";
        int shown = 0;
        for (const Json& r : w["by_record"]) {
            if (++shown > 12) break;
            out << "| " << r["record"].get<std::string>() << " | " << num_text(r["bytes_per_lead"]) << " | "
                << num_text(r["records_per_lead"], 2) << " |\n";
        }
    }
    if (run.sustained.is_object()) {
        const Json& s = run.sustained;
        out << "\n### Sustained (issue 15)\n\nAfter a " << num_text(s["warmup_s"]) << " s warm-up, per "
            << num_text(s["bucket_s"]) << " s: last ÷ first " << num_text(s["last_first_ratio"], 3) << ", worst p99 "
            << num_text(s["worst_bucket_p99_ms"], 2) << " ms; checkpoints "
            << num_text(s.value("checkpoints", Json(nullptr))) << "; retry worker "
            << (s.value("worker_on", false) ? "on" : "off")
            << ".\n\n| bucket | leads/s | p50 ms | p95 ms | p99 ms | max ms |\n|--:|--:|--:|--:|--:|--:|\n";
        for (const Json& b : s["buckets"]) {
            out << "| " << num_text(b["bucket"]) << " | " << num_text(b["leads_per_s"]) << " | "
                << num_text(b["p50_ms"], 2) << " | " << num_text(b["p95_ms"], 2) << " | " << num_text(b["p99_ms"], 2)
                << " | " << num_text(b["max_ms"], 2) << " |\n";
        }
        out << "\n| table | heap | indexes | live tuples | dead tuples (end / max sampled) | autovacuum | autoanalyze "
               "| HOT updates |\n"
               "|---|--:|--:|--:|--:|--:|--:|--:|\n";
        for (const auto& [name, t] : s["tables"].items()) {
            out << "| " << name << " | " << mb(t["heap_bytes_start"]) << " → " << mb(t["heap_bytes_end"]) << " | "
                << mb(t["index_bytes_start"]) << " → " << mb(t["index_bytes_end"]) << " | "
                << num_text(t["live_tuples_start"]) << " → " << num_text(t["live_tuples_end"]) << " | "
                << num_text(t["dead_tuples_end"]) << " / " << num_text(t["dead_tuples_max_sampled"]) << " | "
                << num_text(t["autovacuum_runs"]) << " | " << num_text(t["autoanalyze_runs"]) << " | "
                << num_text(t["hot_updated"]) << " of " << num_text(t["updated"]) << " |\n";
        }
    }
    if (run.pool.is_object()) {
        const Json& p = run.pool;
        out << "\n### Pool (issue 12)\n\n"
            << num_text(p["clients"]) << " clients; pool of 4 (weights 4:3:2:1, caps on members 1 and 2) ÷ "
            << p["single_destination"].get<std::string>() << ": route_lead " << num_text(p["route_lead_ratio"], 3)
            << "×, route_pending_leads(100) " << num_text(p["route_pending_leads_ratio"], 3) << "×.";
        for (const auto& [k, v] : p["versus_other_scenarios"].items())
            out << " " << k << ": " << num_text(v, 3) << "×.";
        out << "\n\nLock waits (pg_stat_activity every " << num_text(p["lock_sample_ms"])
            << " ms; session samples of the bench's clients):\n\n"
               "| measurement | samples | session samples | waiting on a lock | share | by wait_event | tuple/relation "
               "waits by relation | waiting on the distribution LWLock |\n"
               "|---|--:|--:|--:|--:|---|---|--:|\n";
        for (const auto& [name, l] : p["lock_waits"].items()) {
            std::string events, rels;
            for (const auto& [e, n] : l["waiting_by_event"].items()) events += e + " " + num_text(n) + "; ";
            for (const auto& [r, n] : l["tuple_or_relation_waits_by_relation"].items())
                rels += r + " " + num_text(n) + "; ";
            out << "| " << name << " | " << num_text(l["samples"]) << " | " << num_text(l["session_samples"]) << " | "
                << num_text(l["lock_waiting_session_samples"]) << " | "
                << (l["waiting_share_of_sessions"].is_number()
                        ? fixed(100 * l["waiting_share_of_sessions"].get<double>(), 2) + " %"
                        : "–")
                << " | " << (events.empty() ? "–" : events) << " | " << (rels.empty() ? "–" : rels) << " | "
                << num_text(l["distribution_lwlock_waiting_session_samples"]) << " |\n";
        }
        out << "\nShares of the pool's last working set (route_pending_leads): ";
        for (const Json& m : p["shares_route_pending_leads_pool"]) {
            out << "member " << num_text(m["member"]) << " (weight " << num_text(m["weight"]) << ") "
                << num_text(m["routed"]) << "; ";
        }
        out << "caps: ";
        for (const Json& c : p["caps"]) {
            out << "member " << num_text(c["member"]) << " " << c["period"].get<std::string>() << " "
                << num_text(c["used_in_window"]) << " used; ";
        }
        out << "\n";
    }
    if (run.arrival.is_object()) {
        out << "\n### Arrival latency (issue 13)\n\nrouted_at − the client's commit, per lead; lead_router.workers = "
            << run.arrival["workers"].get<std::string>()
            << ".\n\n"
               "| mode | offered leads/s | achieved | inserted | routed | p50 ms | p95 ms | p99 ms | max ms | from "
               "INSERT p50 / p99 ms | backlog max | backlog slope leads/s | left after | sent late p99 ms |\n"
               "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";
        for (const Json& r : run.arrival["runs"]) {
            out << "| " << r["mode"].get<std::string>()
                << (r["poll_s"].is_number() ? " every " + num_text(r["poll_s"], 1) + " s" : "") << " | "
                << num_text(r["offered_leads_per_s"]) << " | " << num_text(r["achieved_leads_per_s"]) << " | "
                << num_text(r["inserted"]) << " | " << num_text(r["routed"]) << " | " << num_text(r["p50_ms"], 2)
                << " | " << num_text(r["p95_ms"], 2) << " | " << num_text(r["p99_ms"], 2) << " | "
                << num_text(r["max_ms"], 2) << " | " << num_text(r.value("from_insert_p50_ms", Json(nullptr)), 2)
                << " / " << num_text(r.value("from_insert_p99_ms", Json(nullptr)), 2) << " | "
                << num_text(r["backlog"]["max_due"]) << " | " << num_text(r["backlog"]["slope_leads_per_s"], 2) << " | "
                << num_text(r["left_after_load"]) << " | " << num_text(r["send_behind_schedule_p99_ms"], 2) << " |\n";
        }
    }
    if (run.drain.is_object()) {
        out << "\n### Drain (issue 13)\n\nA backlog of " << num_text(run.drain["leads"])
            << " due leads routed by the worker(s) on arrival; a server restart per setting.\n\n"
               "| lead_router.workers | running | backlog | s | leads/s | ÷ 1 worker | left "
               "|\n|--:|--:|--:|--:|--:|--:|--:|\n";
        for (const Json& r : run.drain["runs"]) {
            out << "| " << num_text(r["workers"]) << " | " << num_text(r["workers_running"]) << " | "
                << num_text(r["backlog"]) << " | " << num_text(r["seconds"], 2) << " | " << num_text(r["leads_per_s"])
                << " | " << num_text(r["ratio_to_first"], 2) << " | " << num_text(r["left"]) << " |\n";
        }
    }
    for (const Json& p : run.profiles) {
        out << "\n### Profile: " << p.value("name", "perf") << "\n\n";
        if (p.contains("error")) {
            out << "none: " << p["error"].get<std::string>() << "\n";
            continue;
        }
        out << p.value("samples", "?") << " samples over " << num_text(p["seconds"]) << " s of the backends ("
            << num_text(p.value("leads_routed", Json(nullptr))) << " leads). By object:";
        for (const Json& o : p["by_object"]) {
            out << " " << o["object"].get<std::string>() << " " << fixed(o["percent"].get<double>(), 1) << " %;";
        }
        out << "\n\n| % | object | symbol |\n|--:|---|---|\n";
        int shown = 0;
        for (const Json& sym : p["by_symbol"]) {
            if (++shown > 25) break;
            out << "| " << fixed(sym["percent"].get<double>(), 2) << " | " << sym["object"].get<std::string>() << " | `"
                << sym["symbol"].get<std::string>() << "` |\n";
        }
    }
    return out.str();
}

}  // namespace

std::string to_markdown(const RunInfo& run) {
    std::ostringstream out;
    out << "## lead_router benchmark, " << run.started_at << "\n\n";
    out << "commit " << (run.git_commit.empty() ? "unknown" : run.git_commit)
        << (run.git_dirty ? " (with uncommitted changes)" : "") << "; PostgreSQL " << run.server_version
        << ", lead_router " << run.extension_version << "; " << run.nproc << " CPUs (" << run.cpu_model << "), "
        << with_commas(run.memory_mb) << " MB RAM; " << fixed(run.wall_s, 0) << " s wall; load average " << run.loadavg
        << " at the start\n\n";
    out << "Server settings:";
    for (std::size_t i = 0; i < run.settings.size(); ++i) {
        out << (i == 0 ? " " : ", ") << run.settings[i].first << "=" << run.settings[i].second;
    }
    out << "\n\n" << markdown_header();
    for (const Measurement& m : run.measurements) out << markdown_row(m);
    out << "\nleads/s: leads whose routing was decided (routed, duplicate, queued, failed) per second;"
           " \"locked\" answers and replays are not leads. pgbench_N: transactions/s. retry:"
           " queue rows/s. s: measured seconds (* = ended when its working set ran out)."
           " success: routed or duplicate, of all answers. lock acq.: answers other than"
           " \"locked\". WAL/lead: WAL written per lead (per transaction for pgbench_N).\n\n";
    out << extra_markdown(run);
    for (const int issue : {6, 11, 12, 13, 15}) {
        out << "\n### Bars (issue " << issue << ")\n\n| bar | target | measured | verdict |\n|---|--:|--:|---|\n";
        for (const Bar& b : run.bars) {
            if (b.issue != issue) continue;
            out << "| " << b.description << " | " << target_text(b) << " | " << measured_text(b) << " | " << b.verdict
                << (b.detail.empty() ? "" : " (" + b.detail + ")") << " |\n";
        }
    }
    return out.str();
}

std::string explain_markdown(const RunInfo& run) {
    std::ostringstream out;
    out << "Plans of the statements lead_router's functions ran, captured with auto_explain"
           " (ANALYZE, BUFFERS, TRIGGERS; nested statements) in one short pass on a table of "
        << with_commas(run.explain_table_leads) << " leads, "
        << (run.generic_plans ? "plan_cache_mode = auto (the extension prepares its statements"
                                " with CURSOR_OPT_GENERIC_PLAN: generic plans)"
                              : "plan_cache_mode = force_custom_plan (--custom-plans)")
        << ", " << run.started_at
        << ". Per caller and statement: executions captured, their"
           " mean and maximum duration as auto_explain measured them (instrumentation"
           " included), the access paths and the plan of the median execution.\n\n";
    if (!run.explain_problems.empty()) {
        out << "**The capture failed:**\n\n";
        for (const std::string& p : run.explain_problems) out << "- " << p << "\n";
        out << "\n";
    }
    out << "| statement | what it does | calls | mean ms | max ms | access paths |\n"
           "|---|---|--:|--:|--:|---|\n";
    for (const ExplainPlan& e : run.explains) {
        std::string paths;
        for (const std::string& p : e.access_paths) paths += (paths.empty() ? "" : ", ") + p;
        out << "| " << e.name << " | " << e.summary << " | " << with_commas(static_cast<double>(e.calls)) << " | "
            << fixed(e.mean_ms, 3) << " | " << fixed(e.max_ms, 3) << " | " << paths << " |\n";
    }
    out << "\n";
    for (const ExplainPlan& e : run.explains) {
        out << "#### " << e.name << ": " << e.summary << "\n\n```sql\n"
            << e.statement << "\n```\n\n"
            << with_commas(static_cast<double>(e.calls)) << " executions, mean " << fixed(e.mean_ms, 3) << " ms, max "
            << fixed(e.max_ms, 3) << " ms; the median one (" << fixed(e.median_ms, 3) << " ms):\n\n```\n"
            << e.plan << "```\n\n";
    }
    return out.str();
}

std::string to_json(const RunInfo& run) {
    Json settings = Json::object();
    for (const auto& [name, value] : run.settings) settings[name] = value;

    Json measurements = Json::array();
    for (const Measurement& m : run.measurements) {
        Json outcomes = Json::object();
        for (const auto& [status, n] : m.tally.outcomes) outcomes[status] = n;
        measurements.push_back({
            {"scenario", m.scenario},
            {"variant", m.variant},
            {"clients", m.clients},
            {"scale_size", m.scale_size > 0 ? Json(m.scale_size) : Json(nullptr)},
            {"leads_in_table", m.leads_in_table},
            {"working_set", m.working_set},
            {"skipped", text_or_null(m.skipped)},
            {"duration_s", figure(m.duration_s, 3)},
            {"exhausted", m.exhausted},
            {"ops", m.tally.ops},
            {"items", m.tally.items},
            {"leads", m.tally.leads},
            {"errors", m.tally.errors},
            {"throughput_ops_s", figure(m.throughput_ops_s, 1)},
            {"throughput_leads_s", figure(m.throughput_leads_s, 1)},
            {"p50_ms", figure(m.p50_ms, 3)},
            {"p95_ms", figure(m.p95_ms, 3)},
            {"p99_ms", figure(m.p99_ms, 3)},
            {"mean_ms", figure(m.mean_ms, 3)},
            {"max_ms", figure(m.max_ms, 3)},
            {"wal_bytes", m.wal_bytes},
            {"wal_bytes_per_lead",
             m.tally.leads > 0 ? figure(static_cast<double>(m.wal_bytes) / m.tally.leads, 0) : Json(nullptr)},
            {"wal_syncs", m.wal_syncs},
            {"checkpoints", m.checkpoints},
            {"success_rate", figure(m.success_rate, 4)},
            {"lock_acquisition_rate", figure(m.lock_acquisition_rate, 4)},
            {"outcomes", outcomes},
            {"first_error", text_or_null(m.tally.first_error)},
            {"note", text_or_null(m.note)},
        });
    }

    Json bars = Json::array();
    for (const Bar& b : run.bars) {
        bars.push_back({
            {"issue", b.issue},
            {"id", b.id},
            {"description", b.description},
            {"comparison", b.comparison},
            {"target", figure(b.target, 2)},
            {"unit", b.unit},
            {"measured", figure(b.measured, 4)},
            {"verdict", b.verdict},
            {"detail", text_or_null(b.detail)},
        });
    }

    Json statements = Json::array();
    for (const ExplainPlan& e : run.explains) {
        statements.push_back({
            {"name", e.name},
            {"caller", e.caller},
            {"summary", e.summary},
            {"statement", e.statement},
            {"calls", e.calls},
            {"mean_ms", figure(e.mean_ms, 3)},
            {"median_ms", figure(e.median_ms, 3)},
            {"max_ms", figure(e.max_ms, 3)},
            {"access_paths", e.access_paths},
            {"plan", e.plan},
        });
    }

    const Json doc = {
        {"schema_version", 3},
        {"started_at", run.started_at},
        {"finished_at", run.finished_at},
        {"wall_s", figure(run.wall_s, 1)},
        {"git_commit", run.git_commit},
        {"git_dirty", run.git_dirty},
        {"server_version", run.server_version},
        {"server_version_full", run.server_version_full},
        {"extension_version", run.extension_version},
        {"settings", settings},
        {"machine",
         {{"nproc", run.nproc},
          {"memory_mb", run.memory_mb},
          {"cpu_model", run.cpu_model},
          {"kernel", run.kernel},
          {"loadavg_at_start", run.loadavg}}},
        {"parameters", run.parameters},
        {"role", run.role},
        {"library", run.library},
        {"measurements", measurements},
        {"bars", bars},
        {"identity", run.identity},
        {"wal_splits", run.wal_splits},
        {"sustained", run.sustained},
        {"pool", run.pool},
        {"arrival", run.arrival},
        {"drain", run.drain},
        {"profiles", run.profiles},
        {"normalize", run.normalize},
        {"versus_050", versus_baseline(run)},
        {"paired_050", run.paired},
        {"baseline_050", run.baseline},
        {"explain",
         {{"table_leads", run.explain_table_leads},
          {"plan_cache_mode", run.generic_plans ? "auto" : "force_custom_plan"},
          {"captured_by", "auto_explain"},
          {"plans_received", run.explain_notices},
          {"problems", run.explain_problems},
          {"statements", statements}}},
    };
    // Invalid UTF-8 in a server message (first_error) is replaced, not a reason to lose the run.
    return doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace bench
