// lead_router_bench: the benchmark driver (bench/README.md).  bench/run_bench.sh starts the
// server, loads bench/sql/*.sql and calls this with the connection and the options; this runs
// the scenarios and writes the results JSON, the EXPLAIN Markdown and the summary on stdout.
//
// Exit status: 0 when every measurement ran (whatever the bars say: a missed bar is a result,
// not a failure); 1 when the driver could not run, a measurement mostly failed with errors or
// the plan capture found no lead_router statement or could not read a plan; 2 for a bad
// command line.
#include <getopt.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <type_traits>

#include "scenarios.h"

namespace {

using namespace bench;

std::string utc_now() {
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

// A number option's value; throws naming the option when it is not one.
template <typename T>
T number_of(const char* option, const std::string& text) {
    std::size_t used = 0;
    T value{};
    try {
        if constexpr (std::is_floating_point_v<T>) {
            value = static_cast<T>(std::stod(text, &used));
        } else {
            value = static_cast<T>(std::stoll(text, &used));
        }
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text.size()) {
        throw std::invalid_argument(std::string("--") + option + ": not a number: " + text);
    }
    return value;
}

// A comma-separated list (empty items skipped).
template <typename T>
std::vector<T> list_of(const char* option, const std::string& text) {
    std::vector<T> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        if (item.empty()) continue;
        if constexpr (std::is_same_v<T, std::string>) {
            out.push_back(item);
        } else {
            out.push_back(number_of<T>(option, item));
        }
    }
    return out;
}

void usage(std::ostream& out = std::cerr) {
    out << "usage: lead_router_bench --host H --port P [--user U] [--dbname D]\n"
           "         [--pgbench PATH --pgbench-dbname D] [--json FILE] [--explain FILE]\n"
           "         [--scratch DIR]\n"
           "         [--quick] [--leads N] [--clients 1,4,8,16] [--duration S] [--rounds N]\n"
           "         [--scenarios sequential,concurrent,duplicate,retry,batch,scale]\n"
           "         [--scale-sizes 10000,1000000] [--scale-leads N] [--batch-leads N]\n"
           "         [--retry-rows N] [--batch-clients 1,8] [--bar-clients 8]\n"
           "         [--window-per-client F] [--custom-plans] [--git-commit C] [--git-dirty]\n"
           "         [--help]\n"
           "Options and outputs: bench/README.md.\n";
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
    o.capture_leads = 300;
    o.capture_retry_rows = 200;
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

void describe_server(pqxx::connection& admin, RunInfo& run) {
    pqxx::nontransaction tx{admin};
    run.server_version = tx.exec1("SHOW server_version")[0].c_str();
    run.server_version_full = tx.exec1("SELECT version()")[0].c_str();
    run.extension_version =
        tx.exec1("SELECT extversion FROM pg_extension WHERE extname = 'lead_router'")[0].c_str();
    const pqxx::result r = tx.exec(
        "SELECT name, current_setting(name) FROM unnest(ARRAY["
        "'fsync', 'synchronous_commit', 'full_page_writes', 'wal_level', 'wal_sync_method',"
        "'shared_buffers', 'wal_buffers', 'max_wal_size', 'checkpoint_timeout',"
        "'effective_cache_size', 'work_mem', 'maintenance_work_mem', 'max_connections',"
        "'autovacuum', 'jit', 'huge_pages', 'shared_preload_libraries',"
        "'lead_router.worker_enabled']) AS name"
        " WHERE EXISTS (SELECT 1 FROM pg_settings s WHERE s.name = name)");
    for (const pqxx::row& row : r) run.settings.emplace_back(row[0].c_str(), row[1].c_str());
}

bool write_file(const std::string& path, const std::string& text) {
    if (path.empty()) return true;
    std::ofstream out(path);
    out << text;
    return static_cast<bool>(out);
}

// The options, in getopt_long's table; each with a value but --quick, --custom-plans,
// --git-dirty and --help.
enum OptionId {
    kHost = 1000, kPort, kUser, kDbname, kPgbench, kPgbenchDbname, kJson, kExplain, kScratch,
    kQuick, kLeads, kClients, kDuration, kRounds, kScenarios, kScaleSizes, kScaleLeads,
    kBatchLeads, kBatchClients, kRetryRows, kBarClients, kWindowPerClient, kCustomPlans,
    kGitCommit, kGitDirty, kHelp = 'h'
};

const option kOptions[] = {
    {"host", required_argument, nullptr, kHost},
    {"port", required_argument, nullptr, kPort},
    {"user", required_argument, nullptr, kUser},
    {"dbname", required_argument, nullptr, kDbname},
    {"pgbench", required_argument, nullptr, kPgbench},
    {"pgbench-dbname", required_argument, nullptr, kPgbenchDbname},
    {"json", required_argument, nullptr, kJson},
    {"explain", required_argument, nullptr, kExplain},
    {"scratch", required_argument, nullptr, kScratch},
    {"quick", no_argument, nullptr, kQuick},
    {"leads", required_argument, nullptr, kLeads},
    {"clients", required_argument, nullptr, kClients},
    {"duration", required_argument, nullptr, kDuration},
    {"rounds", required_argument, nullptr, kRounds},
    {"scenarios", required_argument, nullptr, kScenarios},
    {"scale-sizes", required_argument, nullptr, kScaleSizes},
    {"scale-leads", required_argument, nullptr, kScaleLeads},
    {"batch-leads", required_argument, nullptr, kBatchLeads},
    {"batch-clients", required_argument, nullptr, kBatchClients},
    {"retry-rows", required_argument, nullptr, kRetryRows},
    {"bar-clients", required_argument, nullptr, kBarClients},
    {"window-per-client", required_argument, nullptr, kWindowPerClient},
    {"custom-plans", no_argument, nullptr, kCustomPlans},
    {"git-commit", required_argument, nullptr, kGitCommit},
    {"git-dirty", no_argument, nullptr, kGitDirty},
    {"help", no_argument, nullptr, kHelp},
    {nullptr, 0, nullptr, 0},
};

const char* option_name(int id) {
    for (const option& o : kOptions) {
        if (o.val == id) return o.name;
    }
    return "?";
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    std::string host, port, user = "postgres", dbname = "lead_router_bench", json_path, explain_path;
    RunInfo run;
    // Read every option first, then apply --quick before the others, wherever it stands, so
    // that explicit options override its sizes.
    std::vector<std::pair<int, std::string>> given;
    opterr = 1;  // getopt_long names an unknown option or a missing value on stderr
    for (int id; (id = getopt_long(argc, argv, "h", kOptions, nullptr)) != -1;) {
        if (id == '?' || id == ':') {
            usage();
            return 2;
        }
        if (id == kHelp) {
            usage(std::cout);
            return 0;
        }
        given.emplace_back(id, optarg != nullptr ? optarg : "");
    }
    try {
        if (optind < argc) throw std::invalid_argument(std::string("unexpected argument ") + argv[optind]);
        for (const auto& [id, value] : given) {
            if (id == kQuick) apply_quick(o);
        }
        for (const auto& [id, value] : given) {
            const char* name = option_name(id);
            switch (id) {
                case kHost: host = value; break;
                case kPort: port = value; break;
                case kUser: user = value; break;
                case kDbname: dbname = value; break;
                case kPgbench: o.pgbench.pgbench = value; break;
                case kPgbenchDbname: o.pgbench.dbname = value; break;
                case kJson: json_path = value; break;
                case kExplain: explain_path = value; break;
                case kScratch: o.pgbench.log_dir = value; break;
                case kQuick: break;  // applied above
                case kLeads: o.working_set = number_of<long>(name, value); break;
                case kClients: o.clients = list_of<int>(name, value); break;
                case kDuration: o.duration_s = number_of<double>(name, value); break;
                case kRounds: o.rounds = number_of<int>(name, value); break;
                case kScenarios: {
                    const auto list = list_of<std::string>(name, value);
                    o.scenarios = std::set<std::string>(list.begin(), list.end());
                    break;
                }
                case kScaleSizes: o.scale_sizes = list_of<long long>(name, value); break;
                case kScaleLeads: o.scale_working_set = number_of<long>(name, value); break;
                case kBatchLeads: o.batch_working_set = number_of<long>(name, value); break;
                case kBatchClients: o.batch_clients = list_of<int>(name, value); break;
                case kRetryRows: o.retry_rows = number_of<long>(name, value); break;
                case kBarClients: o.bar_clients = number_of<int>(name, value); break;
                case kWindowPerClient: o.window_per_client = number_of<double>(name, value); break;
                case kCustomPlans: run.generic_plans = false; break;
                case kGitCommit: run.git_commit = value; break;
                case kGitDirty: run.git_dirty = true; break;
                default: throw std::invalid_argument(std::string("unhandled option --") + name);
            }
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
    run.parameters = {{"leads", o.working_set},
                      {"clients", o.clients},
                      {"duration_s", o.duration_s},
                      {"rounds", o.rounds},
                      {"scenarios", o.scenarios},
                      {"bar_clients", o.bar_clients},
                      {"batch_clients", o.batch_clients},
                      {"batch_leads", o.batch_working_set},
                      {"retry_rows", o.retry_rows},
                      {"scale_sizes", o.scale_sizes},
                      {"scale_leads", o.scale_working_set},
                      {"window_per_client", o.window_per_client},
                      {"nomatch_share", o.nomatch_share},
                      {"dup_share", o.dup_share},
                      {"pgbench", !o.pgbench.pgbench.empty()}};
    describe_machine(run);
    try {
        pqxx::connection admin(o.conninfo);
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
    // The plans are part of the result: a capture that found nothing, or a plan it could not
    // read, fails the run as the statement extractor did.
    for (const std::string& problem : run.explain_problems) {
        std::cerr << "lead_router_bench: plan capture: " << problem << "\n";
        status = 1;
    }
    return status;
}
