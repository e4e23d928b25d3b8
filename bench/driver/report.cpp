#include "report.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace bench {
namespace {

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (const char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

std::string json_number(double v, int decimals = 3) {
    if (!std::isfinite(v)) return "null";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string json_optional(const std::optional<double>& v, int decimals = 4) {
    return v ? json_number(*v, decimals) : "null";
}

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

// An argument as the EXPLAIN Markdown shows it: a long array literal (the 100 lead ids of a batch
// statement) as its first two elements and its length; the JSON keeps every value.
std::string shown_arg(const std::string& a) {
    if (a.size() <= 120 || a.front() != '{' || a.back() != '}') return "'" + a + "'";
    std::size_t elements = 1, cut = 0;
    bool quoted = false;
    for (std::size_t i = 1; i + 1 < a.size(); ++i) {
        if (a[i] == '\\') {
            ++i;
        } else if (a[i] == '"') {
            quoted = !quoted;
        } else if (a[i] == ',' && !quoted) {
            if (++elements == 3) cut = i;
        }
    }
    if (cut == 0) return "'" + a + "'";
    return "'" + a.substr(0, cut) + ",…}' (" + std::to_string(elements) + " elements)";
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
    out << "EXPLAIN (ANALYZE, BUFFERS) on a table of " << with_commas(run.explain_table_leads)
        << " leads, " << (run.generic_plans ? "generic" : "custom")
        << " plans (PREPARE + EXPLAIN EXECUTE), " << run.started_at << "\n\n";
    for (const ExplainPlan& e : run.explains) {
        out << "#### " << e.name << " — " << e.source << "\n\n```sql\n" << e.statement << "\n```\n\n";
        out << "Parameters:";
        for (std::size_t i = 0; i < e.args.size(); ++i) {
            out << (i == 0 ? " " : ", ") << "$" << i + 1 << " = "
                << (e.args[i] ? shown_arg(*e.args[i]) : "NULL");
        }
        out << "\n\n```\n" << e.plan << "```\n\n";
    }
    return out.str();
}

std::string to_json(const RunInfo& run) {
    std::ostringstream o;
    o << "{\n  \"schema_version\": 1,\n";
    o << "  \"started_at\": " << json_string(run.started_at) << ",\n";
    o << "  \"finished_at\": " << json_string(run.finished_at) << ",\n";
    o << "  \"wall_s\": " << json_number(run.wall_s, 1) << ",\n";
    o << "  \"git_commit\": " << json_string(run.git_commit) << ",\n";
    o << "  \"git_dirty\": " << (run.git_dirty ? "true" : "false") << ",\n";
    o << "  \"server_version\": " << json_string(run.server_version) << ",\n";
    o << "  \"server_version_full\": " << json_string(run.server_version_full) << ",\n";
    o << "  \"extension_version\": " << json_string(run.extension_version) << ",\n";
    o << "  \"settings\": {";
    for (std::size_t i = 0; i < run.settings.size(); ++i) {
        o << (i ? ", " : "") << json_string(run.settings[i].first) << ": "
          << json_string(run.settings[i].second);
    }
    o << "},\n  \"machine\": {\"nproc\": " << run.nproc << ", \"memory_mb\": " << run.memory_mb
      << ", \"cpu_model\": " << json_string(run.cpu_model) << ", \"kernel\": "
      << json_string(run.kernel) << ", \"loadavg_at_start\": " << json_string(run.loadavg) << "},\n";
    o << "  \"parameters\": {";
    for (std::size_t i = 0; i < run.parameters.size(); ++i) {
        o << (i ? ", " : "") << json_string(run.parameters[i].first) << ": "
          << run.parameters[i].second;
    }
    o << "},\n  \"measurements\": [";
    for (std::size_t i = 0; i < run.measurements.size(); ++i) {
        const Measurement& m = run.measurements[i];
        o << (i ? ",\n" : "\n") << "    {\"scenario\": " << json_string(m.scenario)
          << ", \"variant\": " << json_string(m.variant) << ", \"clients\": " << m.clients
          << ", \"scale_size\": " << (m.scale_size > 0 ? std::to_string(m.scale_size) : "null")
          << ", \"leads_in_table\": " << m.leads_in_table << ", \"working_set\": "
          << m.working_set << ",\n     \"skipped\": "
          << (m.skipped.empty() ? "null" : json_string(m.skipped))
          << ", \"duration_s\": " << json_number(m.duration_s) << ", \"exhausted\": "
          << (m.exhausted ? "true" : "false") << ", \"ops\": " << m.tally.ops
          << ", \"items\": " << m.tally.items << ", \"leads\": " << m.tally.leads
          << ", \"errors\": " << m.tally.errors << ",\n     \"throughput_ops_s\": "
          << json_number(m.throughput_ops_s, 1) << ", \"throughput_leads_s\": "
          << json_number(m.throughput_leads_s, 1) << ", \"p50_ms\": " << json_number(m.p50_ms)
          << ", \"p95_ms\": " << json_number(m.p95_ms) << ", \"p99_ms\": "
          << json_number(m.p99_ms) << ", \"mean_ms\": " << json_number(m.mean_ms)
          << ", \"max_ms\": " << json_number(m.max_ms) << ", \"wal_bytes\": " << m.wal_bytes
          << ", \"wal_bytes_per_lead\": "
          << (m.tally.leads > 0 ? json_number(static_cast<double>(m.wal_bytes) / m.tally.leads, 0) : "null")
          << ", \"wal_syncs\": " << m.wal_syncs << ", \"checkpoints\": " << m.checkpoints
          << ",\n     \"success_rate\": "
          << json_optional(m.success_rate) << ", \"lock_acquisition_rate\": "
          << json_optional(m.lock_acquisition_rate) << ", \"outcomes\": {";
        std::size_t j = 0;
        for (const auto& [status, n] : m.tally.outcomes) {
            o << (j++ ? ", " : "") << json_string(status) << ": " << n;
        }
        o << "}, \"first_error\": "
          << (m.tally.first_error.empty() ? "null" : json_string(m.tally.first_error))
          << ", \"note\": " << (m.note.empty() ? "null" : json_string(m.note)) << "}";
    }
    o << "\n  ],\n  \"bars\": [";
    for (std::size_t i = 0; i < run.bars.size(); ++i) {
        const Bar& b = run.bars[i];
        o << (i ? ",\n" : "\n") << "    {\"id\": " << json_string(b.id) << ", \"description\": "
          << json_string(b.description) << ", \"comparison\": " << json_string(b.comparison)
          << ", \"target\": " << json_number(b.target, 2) << ", \"unit\": " << json_string(b.unit)
          << ", \"measured\": " << json_optional(b.measured) << ", \"verdict\": "
          << json_string(b.verdict) << ", \"detail\": "
          << (b.detail.empty() ? "null" : json_string(b.detail)) << "}";
    }
    o << "\n  ],\n  \"explain\": {\"table_leads\": " << run.explain_table_leads
      << ", \"plan_cache_mode\": "
      << json_string(run.generic_plans ? "force_generic_plan" : "force_custom_plan")
      << ", \"statements\": [";
    for (std::size_t i = 0; i < run.explains.size(); ++i) {
        const ExplainPlan& e = run.explains[i];
        o << (i ? ",\n" : "\n") << "    {\"name\": " << json_string(e.name) << ", \"source\": "
          << json_string(e.source) << ", \"statement\": " << json_string(e.statement)
          << ", \"args\": [";
        for (std::size_t j = 0; j < e.args.size(); ++j) {
            o << (j ? ", " : "") << (e.args[j] ? json_string(*e.args[j]) : "null");
        }
        o << "], \"plan\": " << json_string(e.plan) << "}";
    }
    o << "\n  ]}\n}\n";
    return o.str();
}

}  // namespace bench
