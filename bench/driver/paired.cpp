#include "paired.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "flows.h"
#include "lead_picker.h"
#include "runner.h"

namespace bench {
namespace {

using lead_router::core::Json;

double rounded(double v, int digits) {
    const double scale = std::pow(10.0, digits);
    return std::round(v * scale) / scale;
}

// CPU seconds (user + system) the processes have used so far, from /proc/<pid>/stat.  The
// kernel leaves out the time the hypervisor gave the vCPU to someone else (steal), which wall
// time on a shared host cannot.
double cpu_seconds(const std::vector<int>& pids) {
    static const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
    double total = 0;
    for (const int pid : pids) {
        std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
        std::string line;
        if (!std::getline(in, line)) throw std::runtime_error("cannot read /proc/" + std::to_string(pid) + "/stat");
        // fields after the command name (which may hold spaces), from field 3 on
        std::istringstream rest(line.substr(line.rfind(')') + 2));
        std::string field;
        unsigned long long utime = 0, stime = 0;
        for (int k = 3; k <= 15 && rest >> field; ++k) {
            if (k == 14) utime = std::stoull(field);
            if (k == 15) stime = std::stoull(field);
        }
        total += static_cast<double>(utime + stime) / tick;
    }
    return total;
}

// The host's steal time so far (all CPUs, seconds): the "st" of vmstat.
double steal_seconds() {
    static const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
    std::ifstream in("/proc/stat");
    std::string cpu;
    unsigned long long v[8] = {};
    in >> cpu;
    for (auto& x : v) in >> x;
    return static_cast<double>(v[7]) / tick;
}

struct Side {
    Dataset& data;
    const std::string& conninfo;
    std::unique_ptr<LeadPicker> picker;
    long long leads_in_table = 0;
};

struct Slice {
    double leads_per_s = std::nan("");
    double cpu_us_per_lead = std::nan("");  // CPU of the backends that routed, per lead decided
};

// One slice of route_lead on one side; NaN figures when the side's working set ran out
// before the slice could measure anything.
Slice slice(Side& side, int clients, double seconds, bool& exhausted) {
    double cpu_start = 0, cpu_end = 0;
    RunOptions options;
    options.on_ready = [&](const std::vector<int>& pids) { cpu_start = cpu_seconds(pids); };
    options.on_finished = [&](const std::vector<int>& pids) { cpu_end = cpu_seconds(pids); };
    RunResult r = run_clients(
        side.conninfo, clients, seconds, [&] { return make_single_lead_flow(Variant::route_lead, *side.picker); },
        options);
    exhausted = exhausted || r.exhausted;
    if (r.tally.errors > 0) throw std::runtime_error("paired route_lead: " + r.tally.first_error);
    Slice out;
    if (r.duration_s > 0 && r.tally.leads > 0) {
        out.leads_per_s = r.tally.leads / r.duration_s;
        out.cpu_us_per_lead = 1e6 * (cpu_end - cpu_start) / r.tally.leads;
    }
    return out;
}

double median_of(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

Json run_paired(const PairedOptions& o, Dataset& main, Dataset& baseline) {
    const pqxx::result v =
        baseline.query("SELECT extversion FROM pg_extension WHERE extname = 'lead_router'");
    const std::string base_version = v.empty() ? "" : v[0][0].c_str();
    if (base_version != "0.5.0") {
        throw std::runtime_error("the paired comparison's baseline server runs lead_router '" + base_version +
                                 "', not 0.5.0");
    }
    const auto window = static_cast<std::size_t>(std::lround(o.clients * o.window_per_client));
    Side sides[2] = {{baseline, o.baseline_conninfo, nullptr}, {main, o.conninfo, nullptr}};
    for (Side& s : sides) {
        WorkingSet ws = s.data.prepare(o.leads_per_side, 0, o.nomatch_share);
        s.leads_in_table = ws.leads_in_table;
        s.picker = std::make_unique<LeadPicker>(std::move(ws.ids), window);
    }

    Json pairs = Json::array();
    std::vector<double> ratios, cost_ratios;
    bool exhausted = false;
    const double steal_start = steal_seconds();
    const auto started = std::chrono::steady_clock::now();
    for (int p = 0; p < o.pairs && !exhausted; ++p) {
        const bool base_first = p % 2 == 0;
        Slice got[2];
        for (int k = 0; k < 2; ++k) {
            const int side = base_first ? k : 1 - k;
            got[side] = slice(sides[side], o.clients, o.slice_s, exhausted);
        }
        if (exhausted || !(got[0].leads_per_s > 0) || !(got[1].leads_per_s > 0)) break;  // not a whole pair
        const double ratio = got[1].leads_per_s / got[0].leads_per_s;
        const double cost = got[1].cpu_us_per_lead / got[0].cpu_us_per_lead;
        ratios.push_back(ratio);
        cost_ratios.push_back(cost);
        pairs.push_back({{"leads_per_s_050", rounded(got[0].leads_per_s, 1)},
                         {"leads_per_s", rounded(got[1].leads_per_s, 1)},
                         {"ratio", rounded(ratio, 3)},
                         {"cpu_us_per_lead_050", rounded(got[0].cpu_us_per_lead, 1)},
                         {"cpu_us_per_lead", rounded(got[1].cpu_us_per_lead, 1)},
                         {"cost_ratio", rounded(cost, 3)},
                         {"first", base_first ? "0.5.0" : "this version"}});
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    Json out = {{"clients", o.clients},
                {"slice_s", o.slice_s},
                {"baseline_extversion", base_version},
                {"leads_in_table_050", sides[0].leads_in_table},
                {"leads_in_table", sides[1].leads_in_table},
                {"steal_share", rounded((steal_seconds() - steal_start) / (wall * std::max(1L, cpus)), 3)},
                {"pairs", pairs}};
    if (ratios.empty()) {
        out["median_ratio"] = nullptr;
        out["median_cost_ratio"] = nullptr;
        out["note"] = "no complete pair: a working set ran out";
        return out;
    }
    out["median_ratio"] = rounded(median_of(ratios), 3);
    out["min_ratio"] = rounded(*std::min_element(ratios.begin(), ratios.end()), 3);
    out["max_ratio"] = rounded(*std::max_element(ratios.begin(), ratios.end()), 3);
    out["median_cost_ratio"] = rounded(median_of(cost_ratios), 3);
    out["min_cost_ratio"] = rounded(*std::min_element(cost_ratios.begin(), cost_ratios.end()), 3);
    out["max_cost_ratio"] = rounded(*std::max_element(cost_ratios.begin(), cost_ratios.end()), 3);
    return out;
}

}  // namespace bench
