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

Json figure(const std::optional<double>& v, int decimals) {
    return v ? figure(*v, decimals) : Json(nullptr);
}

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

std::string percent(const std::optional<double>& v) {
    return v ? fixed(*v * 100, 1) + " %" : "–";
}

const Measurement* find(const std::vector<Measurement>& ms, const std::string& scenario,
                        const std::string& variant, int clients, long long scale_size = 0) {
    for (const Measurement& m : ms) {
        if (m.scenario == scenario && m.variant == variant && m.clients == clients &&
            m.scale_size == scale_size && m.skipped.empty() && m.tally.ops > 0) {
            return &m;
        }
    }
    return nullptr;
}

Bar make_bar(std::string id, std::string description, std::string comparison, double target,
             std::string unit) {
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
    if (b.unit == "x") return fixed(*b.measured, 2) + "×";
    if (b.unit == "ms") return fixed(*b.measured, 2) + " ms";
    return with_commas(*b.measured) + " " + b.unit;
}

std::string target_text(const Bar& b) {
    const std::string op = b.comparison == ">=" ? "≥ " : "≤ ";
    if (b.unit == "x") return op + fixed(b.target, 2) + "×";
    if (b.unit == "ms") return op + fixed(b.target, 0) + " ms";
    return op + with_commas(b.target) + " " + b.unit;
}

}  // namespace

std::vector<Bar> compute_bars(const std::vector<Measurement>& ms, int n) {
    const std::string c = std::to_string(n);
    const Measurement* lead = find(ms, "concurrent", "route_lead", n);
    const Measurement* seed = find(ms, "concurrent", "seed_flow", n);
    const Measurement* plpgsql = find(ms, "concurrent", "plpgsql", n);
    const Measurement* pgbench = find(ms, "concurrent", "pgbench_N", n);
    const std::string no_conc = "concurrent scenario at " + c + " clients not measured";
    std::vector<Bar> bars;

    Bar b = make_bar("route_lead_vs_seed_flow", "route_lead ÷ seed-design flow, leads/s at " + c + " clients", ">=", 3.0, "x");
    judge(b, ratio(lead, seed), no_conc);
    bars.push_back(b);

    b = make_bar("route_lead_vs_plpgsql", "route_lead ÷ PL/pgSQL single call, leads/s at " + c + " clients", ">=", 1.3, "x");
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
                        with_commas(small->scale_size) + " leads, " +
                        std::to_string(large->clients) + " clients (drop ≤ 20 %)";
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
           (m.leads_in_table > 0 ? with_commas(m.leads_in_table) : "–") + " | " +
           fixed(m.duration_s, 1) + (m.exhausted ? "*" : "") + " | " + with_commas(m.tally.ops) +
           " | " + with_commas(m.throughput_leads_s) + " | " + fixed(m.p50_ms, 2) + " | " +
           fixed(m.p95_ms, 2) + " | " + fixed(m.p99_ms, 2) + " | " + percent(m.success_rate) +
           " | " + percent(m.lock_acquisition_rate) + " | " +
           (m.tally.leads > 0 ? fixed(m.wal_bytes / 1024.0 / m.tally.leads, 1) + " kB" : "–") +
           (m.checkpoints > 0 ? " (ckpt)" : "") + " |" +
           (m.tally.errors > 0 ? " **" + std::to_string(m.tally.errors) + " errors**" : "") + "\n";
}

std::string to_markdown(const RunInfo& run) {
    std::ostringstream out;
    out << "## lead_router benchmark, " << run.started_at << "\n\n";
    out << "commit " << (run.git_commit.empty() ? "unknown" : run.git_commit)
        << (run.git_dirty ? " (with uncommitted changes)" : "") << "; PostgreSQL "
        << run.server_version << ", lead_router " << run.extension_version << "; " << run.nproc
        << " CPUs (" << run.cpu_model << "), " << with_commas(run.memory_mb) << " MB RAM; "
        << fixed(run.wall_s, 0) << " s wall; load average " << run.loadavg << " at the start\n\n";
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
    out << "### Bars (issue 6)\n\n| bar | target | measured | verdict |\n|---|--:|--:|---|\n";
    for (const Bar& b : run.bars) {
        out << "| " << b.description << " | " << target_text(b) << " | " << measured_text(b)
            << " | " << b.verdict << (b.detail.empty() ? "" : " (" + b.detail + ")") << " |\n";
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
        << ", " << run.started_at << ". Per caller and statement: executions captured, their"
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
        out << "| " << e.name << " | " << e.summary << " | "
            << with_commas(static_cast<double>(e.calls)) << " | "
            << fixed(e.mean_ms, 3) << " | " << fixed(e.max_ms, 3) << " | " << paths << " |\n";
    }
    out << "\n";
    for (const ExplainPlan& e : run.explains) {
        out << "#### " << e.name << ": " << e.summary << "\n\n```sql\n" << e.statement << "\n```\n\n"
            << with_commas(static_cast<double>(e.calls)) << " executions, mean "
            << fixed(e.mean_ms, 3) << " ms, max " << fixed(e.max_ms, 3)
            << " ms; the median one (" << fixed(e.median_ms, 3) << " ms):\n\n```\n" << e.plan
            << "```\n\n";
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
             m.tally.leads > 0 ? figure(static_cast<double>(m.wal_bytes) / m.tally.leads, 0)
                               : Json(nullptr)},
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
        {"schema_version", 2},
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
        {"measurements", measurements},
        {"bars", bars},
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
