// lead_router_bench: the benchmark driver (bench/README.md).  bench/run_bench.sh starts the
// server, loads bench/sql/*.sql and calls this with the connection and the options; this runs
// the scenarios and writes the results JSON, the EXPLAIN Markdown and the summary on stdout.
//
// Exit status: 0 when every measurement ran (whatever the bars say: a missed bar is a result,
// not a failure); 1 when the driver could not run or a measurement mostly failed with errors.
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include "scenarios.h"

namespace {

using namespace bench;

std::string utc_now() {
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

template <typename T>
std::vector<T> list_of(const std::string& text) {
    std::vector<T> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        if (item.empty()) continue;
        if constexpr (std::is_same_v<T, std::string>) {
            out.push_back(item);
        } else {
            out.push_back(static_cast<T>(std::stoll(item)));
        }
    }
    return out;
}

template <typename T>
std::string json_list(const std::vector<T>& v) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + std::to_string(v[i]);
    return out + "]";
}

void usage() {
    std::cerr << "usage: lead_router_bench --host H --port P [--user U] [--dbname D]\n"
                 "         [--pgbench PATH --pgbench-dbname D] [--json FILE] [--explain FILE]\n"
                 "         [--scratch DIR]\n"
                 "         [--quick] [--leads N] [--clients 1,4,8,16] [--duration S] [--rounds N]\n"
                 "         [--scenarios sequential,concurrent,duplicate,retry,batch,scale]\n"
                 "         [--scale-sizes 10000,1000000] [--scale-leads N] [--batch-leads N]\n"
                 "         [--retry-rows N] [--batch-clients 1,8] [--bar-clients 8]\n"
                 "         [--window-per-client F] [--custom-plans] [--git-commit C] [--git-dirty]\n";
}

// --quick: sizes for CI, which only proves that the driver still works (< 1 minute).
void apply_quick(Options& o) {
    o.working_set = 15000;
    o.rounds = 1;
    o.clients = {1, 4};
    o.duration_s = 1.5;
    o.bar_clients = 4;
    o.batch_clients = {1, 4};
    o.batch_working_set = 3000;
    o.retry_rows = 1000;
    o.scale_sizes = {2000, 20000};
    o.scale_working_set = 1000;
}

std::string read_first(const std::string& path, const std::string& key) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(key, 0) == 0) {
            const std::size_t colon = line.find(':');
            std::string v = colon == std::string::npos ? "" : line.substr(colon + 1);
            while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.erase(0, 1);
            return v;
        }
    }
    return "";
}

void describe_machine(RunInfo& run) {
    run.nproc = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
    const std::string mem = read_first("/proc/meminfo", "MemTotal");
    run.memory_mb = mem.empty() ? 0 : std::stoll(mem) / 1024;
    run.cpu_model = read_first("/proc/cpuinfo", "model name");
    std::ifstream load("/proc/loadavg");
    std::string one, five, fifteen;
    if (load >> one >> five >> fifteen) run.loadavg = one + " " + five + " " + fifteen;
    utsname u{};
    if (uname(&u) == 0) run.kernel = std::string(u.sysname) + " " + u.release;
}

void describe_server(Connection& admin, RunInfo& run) {
    run.server_version = admin.scalar("SHOW server_version");
    run.server_version_full = admin.scalar("SELECT version()");
    run.extension_version =
        admin.scalar("SELECT extversion FROM pg_extension WHERE extname = 'lead_router'");
    Result r = admin.exec(
        "SELECT name, current_setting(name) FROM unnest(ARRAY["
        "'fsync', 'synchronous_commit', 'full_page_writes', 'wal_level', 'wal_sync_method',"
        "'shared_buffers', 'wal_buffers', 'max_wal_size', 'checkpoint_timeout',"
        "'effective_cache_size', 'work_mem', 'maintenance_work_mem', 'max_connections',"
        "'autovacuum', 'jit', 'huge_pages', 'shared_preload_libraries',"
        "'lead_router.worker_enabled']) AS name"
        " WHERE EXISTS (SELECT 1 FROM pg_settings s WHERE s.name = name)");
    for (int i = 0; i < r.rows(); ++i) run.settings.emplace_back(r.text(i, 0), r.text(i, 1));
}

bool write_file(const std::string& path, const std::string& text) {
    if (path.empty()) return true;
    std::ofstream out(path);
    out << text;
    return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    std::string host, port, user = "postgres", dbname = "lead_router_bench", json_path, explain_path;
    RunInfo run;
    std::vector<std::string> args(argv + 1, argv + argc);
    for (const std::string& a : args) {
        if (a == "--quick") apply_quick(o);  // first, so that explicit options override it
    }
    try {
        for (std::size_t i = 0; i < args.size(); ++i) {
            const std::string& a = args[i];
            const auto value = [&]() -> std::string {
                if (i + 1 >= args.size()) throw std::invalid_argument(a + " needs a value");
                return args[++i];
            };
            if (a == "--quick") continue;
            if (a == "--help" || a == "-h") {
                usage();
                return 0;
            }
            else if (a == "--host") host = value();
            else if (a == "--port") port = value();
            else if (a == "--user") user = value();
            else if (a == "--dbname") dbname = value();
            else if (a == "--pgbench") o.pgbench.pgbench = value();
            else if (a == "--pgbench-dbname") o.pgbench.dbname = value();
            else if (a == "--json") json_path = value();
            else if (a == "--explain") explain_path = value();
            else if (a == "--scratch") o.pgbench.log_dir = value();
            else if (a == "--leads") o.working_set = std::stol(value());
            else if (a == "--clients") o.clients = list_of<int>(value());
            else if (a == "--duration") o.duration_s = std::stod(value());
            else if (a == "--rounds") o.rounds = std::stoi(value());
            else if (a == "--scenarios") {
                const auto list = list_of<std::string>(value());
                o.scenarios = std::set<std::string>(list.begin(), list.end());
            }
            else if (a == "--scale-sizes") o.scale_sizes = list_of<long long>(value());
            else if (a == "--scale-leads") o.scale_working_set = std::stol(value());
            else if (a == "--batch-leads") o.batch_working_set = std::stol(value());
            else if (a == "--batch-clients") o.batch_clients = list_of<int>(value());
            else if (a == "--retry-rows") o.retry_rows = std::stol(value());
            else if (a == "--bar-clients") o.bar_clients = std::stoi(value());
            else if (a == "--window-per-client") o.window_per_client = std::stod(value());
            else if (a == "--custom-plans") run.generic_plans = false;
            else if (a == "--git-commit") run.git_commit = value();
            else if (a == "--git-dirty") run.git_dirty = true;
            else throw std::invalid_argument("unknown option " + a);
        }
        if (host.empty() || port.empty()) throw std::invalid_argument("--host and --port are required");
        for (const std::string& s : o.scenarios) {
            if (s != "sequential" && s != "concurrent" && s != "duplicate" && s != "retry" &&
                s != "batch" && s != "scale") {
                throw std::invalid_argument("unknown scenario " + s);
            }
        }
    } catch (const std::exception& e) {
        std::cerr << "lead_router_bench: " << e.what() << "\n";
        usage();
        return 2;
    }
    o.conninfo = "host=" + host + " port=" + port + " user=" + user + " dbname=" + dbname;
    o.pgbench.host = host;
    o.pgbench.port = port;
    o.pgbench.user = user;
    if (o.pgbench.log_dir.empty()) o.pgbench.log_dir = "/tmp/lead_router_bench_pgbench";

    const auto started = std::chrono::steady_clock::now();
    run.started_at = utc_now();
    std::string scenario_list;
    for (const std::string& s : o.scenarios) scenario_list += (scenario_list.empty() ? "\"" : ", \"") + s + "\"";
    run.parameters = {{"leads", std::to_string(o.working_set)},
                      {"clients", json_list(o.clients)},
                      {"duration_s", std::to_string(o.duration_s)},
                      {"rounds", std::to_string(o.rounds)},
                      {"scenarios", "[" + scenario_list + "]"},
                      {"bar_clients", std::to_string(o.bar_clients)},
                      {"batch_clients", json_list(o.batch_clients)},
                      {"batch_leads", std::to_string(o.batch_working_set)},
                      {"retry_rows", std::to_string(o.retry_rows)},
                      {"scale_sizes", json_list(o.scale_sizes)},
                      {"scale_leads", std::to_string(o.scale_working_set)},
                      {"window_per_client", std::to_string(o.window_per_client)},
                      {"nomatch_share", std::to_string(o.nomatch_share)},
                      {"dup_share", std::to_string(o.dup_share)},
                      {"pgbench", o.pgbench.pgbench.empty() ? "false" : "true"}};
    describe_machine(run);
    try {
        Connection admin(o.conninfo);
        describe_server(admin, run);
        std::cerr << markdown_header();
        run_scenarios(o, admin, run, [](const Measurement& m) { std::cerr << markdown_row(m); });
    } catch (const std::exception& e) {
        std::cerr << "lead_router_bench: " << e.what() << "\n";
        return 1;
    }
    run.bars = compute_bars(run.measurements, o.bar_clients);
    run.finished_at = utc_now();
    run.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    const bool written = write_file(json_path, to_json(run)) &&
                         write_file(explain_path, explain_markdown(run));
    std::cout << to_markdown(run);
    if (!written) {
        std::cerr << "lead_router_bench: cannot write " << json_path << " / " << explain_path << "\n";
        return 1;
    }
    int status = 0;
    for (const Measurement& m : run.measurements) {
        if (m.skipped.empty() && (m.tally.ops == 0 || m.tally.errors * 10 > m.tally.ops)) {
            std::cerr << "lead_router_bench: " << m.scenario << "/" << m.variant << " at " << m.clients
                      << " clients: " << m.tally.errors << " errors in " << m.tally.ops
                      << " operations; first: " << m.tally.first_error << "\n";
            status = 1;
        }
    }
    return status;
}
