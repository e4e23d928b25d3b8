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
           "         [--scenarios sequential,concurrent,duplicate,identity,retry,batch,scale,\n"
           "                      pool,queue_head,sustained,arrival,drain]\n"
           "         [--identity-leads N] [--queue-table N] [--queue-leads N] [--queue-clients 1,8,16]\n"
           "         [--queue-batches 1,100] [--queue-duration S] [--queue-batch-budget N]\n"
           "         [--sustained-duration S] [--sustained-warmup S] [--sustained-bucket S]\n"
           "         [--pool-leads N] [--pool-batch-leads N] [--lock-sample-ms MS]\n"
           "         [--arrival-rates 200,1000] [--arrival-clients N] [--arrival-duration S]\n"
           "         [--arrival-poll S] [--backlog-sample-ms MS] [--drain-leads N] [--drain-workers 1,2,4]\n"
           "         [--restart-command CMD] [--paired-baseline CONNINFO] [--paired-pairs N]\n"
           "         [--paired-slice S]\n"
           "         [--sustained-clients N] [--perf PATH] [--profile-seconds S] [--pg-waldump PATH]\n"
           "         [--no-explain] [--role main|baseline] [--baseline-json FILE] [--normalize-json FILE]\n"
           "         [--expect-extversion V] [--expect-library FILE]\n"
           "         [--scale-sizes 10000,1000000] [--scale-leads N] [--batch-leads N]\n"
           "         [--retry-rows N] [--batch-clients 1,8] [--bar-clients 8]\n"
           "         [--window-per-client F] [--custom-plans] [--git-commit C] [--git-dirty]\n"
           "         [--help]\n"
           "Options and outputs: bench/README.md.\n";
}

// --quick: sizes for CI, which only proves that every scenario still runs (2-3 minutes with
// run_bench.sh on 2 shared cores).
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
    o.identity_leads = 1000;
    o.queue_table = 25000;
    o.queue_leads = 6000;
    o.queue_clients = {1, 4};
    o.queue_duration_s = 1;
    o.queue_batch_budget = 1500;
    o.sustained_clients = 4;
    o.sustained_s = 4;
    o.sustained_warmup_s = 1;
    o.sustained_bucket_s = 2;
    o.profile_s = 0.5;
    o.pool_leads = 4000;
    o.pool_batch_leads = 2000;
    o.arrival_s = 2;
    o.backlog_sample_ms = 500;
    o.drain_leads = 2000;
    o.paired_pairs = 2;
    o.paired_slice_s = 1;
    o.paired_leads = 8000;
}

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string run_command(const std::string& command) {
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return "";
    std::string out;
    char buffer[4096];
    std::size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
    pclose(pipe);
    return out;
}

std::string sha256_of(const std::string& path) {
    std::string quoted = "'";
    for (const char c : path) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    quoted += "'";
    const std::string out = run_command("sha256sum " + quoted + " 2>/dev/null");
    return out.size() >= 64 ? out.substr(0, 64) : "";
}

// The lead_router library the server really runs: the file the backend mapped (its
// /proc/<pid>/maps; the server is preloaded with it, so every backend has it), its sha256,
// and the library's own settings (0.6.0 defines lead_router.duplicate_keys, 0.5.0 does not).
lead_router::core::Json describe_library(pqxx::connection& admin) {
    pqxx::nontransaction tx{admin};
    const int pid = tx.exec1("SELECT pg_backend_pid()")[0].as<int>();
    std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
    std::string line, path;
    while (std::getline(maps, line)) {
        const std::size_t at = line.find('/');
        if (at != std::string::npos && line.find("/lead_router.so") != std::string::npos) {
            path = line.substr(at);
            break;
        }
    }
    lead_router::core::Json settings = lead_router::core::Json::array();
    for (const pqxx::row& r : tx.exec("SELECT name FROM pg_settings WHERE name LIKE 'lead_router.%' ORDER BY 1")) {
        settings.push_back(r[0].c_str());
    }
    return {{"path", path.empty() ? lead_router::core::Json(nullptr) : lead_router::core::Json(path)},
            {"sha256", path.empty() ? "" : sha256_of(path)},
            {"settings", settings}};
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
    run.extension_version = tx.exec1("SELECT extversion FROM pg_extension WHERE extname = 'lead_router'")[0].c_str();
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
    kHost = 1000,
    kPort,
    kUser,
    kDbname,
    kPgbench,
    kPgbenchDbname,
    kJson,
    kExplain,
    kScratch,
    kQuick,
    kLeads,
    kClients,
    kDuration,
    kRounds,
    kScenarios,
    kScaleSizes,
    kScaleLeads,
    kBatchLeads,
    kBatchClients,
    kRetryRows,
    kBarClients,
    kWindowPerClient,
    kCustomPlans,
    kGitCommit,
    kGitDirty,
    kIdentityLeads,
    kQueueTable,
    kQueueLeads,
    kQueueClients,
    kQueueBatches,
    kQueueDuration,
    kQueueBatchBudget,
    kSustainedDuration,
    kSustainedWarmup,
    kSustainedBucket,
    kSustainedClients,
    kPerf,
    kProfileSeconds,
    kPgWaldump,
    kNoExplain,
    kRole,
    kBaselineJson,
    kNormalizeJson,
    kExpectExtversion,
    kExpectLibrary,
    kPoolLeads,
    kPoolBatchLeads,
    kLockSampleMs,
    kArrivalRates,
    kArrivalClients,
    kArrivalDuration,
    kArrivalPoll,
    kBacklogSampleMs,
    kDrainLeads,
    kDrainWorkers,
    kRestartCommand,
    kPairedBaseline,
    kPairedPairs,
    kPairedSlice,
    kHelp = 'h'
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
    {"identity-leads", required_argument, nullptr, kIdentityLeads},
    {"queue-table", required_argument, nullptr, kQueueTable},
    {"queue-leads", required_argument, nullptr, kQueueLeads},
    {"queue-clients", required_argument, nullptr, kQueueClients},
    {"queue-batches", required_argument, nullptr, kQueueBatches},
    {"queue-duration", required_argument, nullptr, kQueueDuration},
    {"queue-batch-budget", required_argument, nullptr, kQueueBatchBudget},
    {"sustained-duration", required_argument, nullptr, kSustainedDuration},
    {"sustained-warmup", required_argument, nullptr, kSustainedWarmup},
    {"sustained-bucket", required_argument, nullptr, kSustainedBucket},
    {"sustained-clients", required_argument, nullptr, kSustainedClients},
    {"perf", required_argument, nullptr, kPerf},
    {"profile-seconds", required_argument, nullptr, kProfileSeconds},
    {"pg-waldump", required_argument, nullptr, kPgWaldump},
    {"no-explain", no_argument, nullptr, kNoExplain},
    {"role", required_argument, nullptr, kRole},
    {"baseline-json", required_argument, nullptr, kBaselineJson},
    {"normalize-json", required_argument, nullptr, kNormalizeJson},
    {"expect-extversion", required_argument, nullptr, kExpectExtversion},
    {"expect-library", required_argument, nullptr, kExpectLibrary},
    {"pool-leads", required_argument, nullptr, kPoolLeads},
    {"pool-batch-leads", required_argument, nullptr, kPoolBatchLeads},
    {"lock-sample-ms", required_argument, nullptr, kLockSampleMs},
    {"arrival-rates", required_argument, nullptr, kArrivalRates},
    {"arrival-clients", required_argument, nullptr, kArrivalClients},
    {"arrival-duration", required_argument, nullptr, kArrivalDuration},
    {"arrival-poll", required_argument, nullptr, kArrivalPoll},
    {"backlog-sample-ms", required_argument, nullptr, kBacklogSampleMs},
    {"drain-leads", required_argument, nullptr, kDrainLeads},
    {"drain-workers", required_argument, nullptr, kDrainWorkers},
    {"paired-baseline", required_argument, nullptr, kPairedBaseline},
    {"paired-pairs", required_argument, nullptr, kPairedPairs},
    {"paired-slice", required_argument, nullptr, kPairedSlice},
    {"restart-command", required_argument, nullptr, kRestartCommand},
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
    std::string baseline_json, normalize_json, expect_extversion, expect_library;
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
                case kHost:
                    host = value;
                    break;
                case kPort:
                    port = value;
                    break;
                case kUser:
                    user = value;
                    break;
                case kDbname:
                    dbname = value;
                    break;
                case kPgbench:
                    o.pgbench.pgbench = value;
                    break;
                case kPgbenchDbname:
                    o.pgbench.dbname = value;
                    break;
                case kJson:
                    json_path = value;
                    break;
                case kExplain:
                    explain_path = value;
                    break;
                case kScratch:
                    o.pgbench.log_dir = value;
                    o.scratch_dir = value;
                    break;
                case kIdentityLeads:
                    o.identity_leads = number_of<long>(name, value);
                    break;
                case kQueueTable:
                    o.queue_table = number_of<long long>(name, value);
                    break;
                case kQueueLeads:
                    o.queue_leads = number_of<long>(name, value);
                    break;
                case kQueueClients:
                    o.queue_clients = list_of<int>(name, value);
                    break;
                case kQueueBatches:
                    o.queue_batches = list_of<int>(name, value);
                    break;
                case kQueueDuration:
                    o.queue_duration_s = number_of<double>(name, value);
                    break;
                case kQueueBatchBudget:
                    o.queue_batch_budget = number_of<long>(name, value);
                    break;
                case kSustainedDuration:
                    o.sustained_s = number_of<double>(name, value);
                    break;
                case kSustainedWarmup:
                    o.sustained_warmup_s = number_of<double>(name, value);
                    break;
                case kSustainedBucket:
                    o.sustained_bucket_s = number_of<double>(name, value);
                    break;
                case kSustainedClients:
                    o.sustained_clients = number_of<int>(name, value);
                    break;
                case kPerf:
                    o.perf = value;
                    break;
                case kProfileSeconds:
                    o.profile_s = number_of<double>(name, value);
                    break;
                case kPgWaldump:
                    o.pg_waldump = value;
                    break;
                case kNoExplain:
                    o.explain = false;
                    break;
                case kRole:
                    run.role = value;
                    break;
                case kBaselineJson:
                    baseline_json = value;
                    break;
                case kNormalizeJson:
                    normalize_json = value;
                    break;
                case kExpectExtversion:
                    expect_extversion = value;
                    break;
                case kExpectLibrary:
                    expect_library = value;
                    break;
                case kPairedBaseline:
                    o.paired_baseline = value;
                    break;
                case kPairedPairs:
                    o.paired_pairs = number_of<int>(name, value);
                    break;
                case kPairedSlice:
                    o.paired_slice_s = number_of<double>(name, value);
                    break;
                case kPoolLeads:
                    o.pool_leads = number_of<long>(name, value);
                    break;
                case kPoolBatchLeads:
                    o.pool_batch_leads = number_of<long>(name, value);
                    break;
                case kLockSampleMs:
                    o.lock_sample_ms = number_of<double>(name, value);
                    break;
                case kArrivalRates:
                    o.arrival_rates = list_of<double>(name, value);
                    break;
                case kArrivalClients:
                    o.arrival_clients = number_of<int>(name, value);
                    break;
                case kArrivalDuration:
                    o.arrival_s = number_of<double>(name, value);
                    break;
                case kArrivalPoll:
                    o.arrival_poll_s = number_of<double>(name, value);
                    break;
                case kBacklogSampleMs:
                    o.backlog_sample_ms = number_of<double>(name, value);
                    break;
                case kDrainLeads:
                    o.drain_leads = number_of<long>(name, value);
                    break;
                case kDrainWorkers:
                    o.drain_workers = list_of<int>(name, value);
                    break;
                case kRestartCommand:
                    o.restart_command = value;
                    break;
                case kQuick:
                    break;  // applied above
                case kLeads:
                    o.working_set = number_of<long>(name, value);
                    break;
                case kClients:
                    o.clients = list_of<int>(name, value);
                    break;
                case kDuration:
                    o.duration_s = number_of<double>(name, value);
                    break;
                case kRounds:
                    o.rounds = number_of<int>(name, value);
                    break;
                case kScenarios: {
                    const auto list = list_of<std::string>(name, value);
                    o.scenarios = std::set<std::string>(list.begin(), list.end());
                    break;
                }
                case kScaleSizes:
                    o.scale_sizes = list_of<long long>(name, value);
                    break;
                case kScaleLeads:
                    o.scale_working_set = number_of<long>(name, value);
                    break;
                case kBatchLeads:
                    o.batch_working_set = number_of<long>(name, value);
                    break;
                case kBatchClients:
                    o.batch_clients = list_of<int>(name, value);
                    break;
                case kRetryRows:
                    o.retry_rows = number_of<long>(name, value);
                    break;
                case kBarClients:
                    o.bar_clients = number_of<int>(name, value);
                    break;
                case kWindowPerClient:
                    o.window_per_client = number_of<double>(name, value);
                    break;
                case kCustomPlans:
                    run.generic_plans = false;
                    break;
                case kGitCommit:
                    run.git_commit = value;
                    break;
                case kGitDirty:
                    run.git_dirty = true;
                    break;
                default:
                    throw std::invalid_argument(std::string("unhandled option --") + name);
            }
        }
        if (host.empty() || port.empty()) throw std::invalid_argument("--host and --port are required");
        if (run.role != "main" && run.role != "baseline") throw std::invalid_argument("--role: main or baseline");
        if (o.arrival_clients < 1 || o.arrival_s <= 0 || o.arrival_poll_s <= 0 || o.lock_sample_ms <= 0 ||
            o.backlog_sample_ms <= 0) {
            throw std::invalid_argument(
                "--arrival-clients, --arrival-duration, --arrival-poll and the sample periods must be positive");
        }
        for (const double r : o.arrival_rates) {
            if (r <= 0) throw std::invalid_argument("--arrival-rates: rates must be positive");
        }
        for (const int w : o.drain_workers) {
            if (w < 1 || w > 8) throw std::invalid_argument("--drain-workers: 1 to 8 (lead_router.workers)");
        }
        if (o.paired_pairs < 1 || o.paired_slice_s <= 0) {
            throw std::invalid_argument("--paired-pairs and --paired-slice must be positive");
        }
        if (o.sustained_bucket_s <= 0 || o.sustained_s < o.sustained_bucket_s) {
            throw std::invalid_argument("--sustained-duration must hold at least one --sustained-bucket");
        }
        for (const std::string& s : o.scenarios) {
            if (s != "sequential" && s != "concurrent" && s != "duplicate" && s != "retry" && s != "batch" &&
                s != "scale" && s != "identity" && s != "queue_head" && s != "sustained" && s != "pool" &&
                s != "arrival" && s != "drain") {
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
                      {"pgbench", !o.pgbench.pgbench.empty()},
                      {"identity_leads", o.identity_leads},
                      {"identity_variant_share", o.identity_variant_share},
                      {"identity_near_share", o.identity_near_share},
                      {"queue_table", o.queue_table},
                      {"queue_leads", o.queue_leads},
                      {"queue_clients", o.queue_clients},
                      {"queue_batches", o.queue_batches},
                      {"queue_duration_s", o.queue_duration_s},
                      {"queue_batch_budget", o.queue_batch_budget},
                      {"queue_dup_share", o.queue_dup_share},
                      {"queue_nomatch_share", o.queue_nomatch_share},
                      {"sustained_clients", o.sustained_clients},
                      {"sustained_s", o.sustained_s},
                      {"sustained_warmup_s", o.sustained_warmup_s},
                      {"sustained_bucket_s", o.sustained_bucket_s},
                      {"profile_s", o.profile_s},
                      {"perf", !o.perf.empty()},
                      {"pg_waldump", !o.pg_waldump.empty()},
                      {"pool_leads", o.pool_leads},
                      {"pool_batch_leads", o.pool_batch_leads},
                      {"lock_sample_ms", o.lock_sample_ms},
                      {"arrival_rates", o.arrival_rates},
                      {"arrival_clients", o.arrival_clients},
                      {"arrival_s", o.arrival_s},
                      {"arrival_poll_s", o.arrival_poll_s},
                      {"backlog_sample_ms", o.backlog_sample_ms},
                      {"drain_leads", o.drain_leads},
                      {"drain_workers", o.drain_workers},
                      {"restart_command", !o.restart_command.empty()}};
    if (!baseline_json.empty()) {
        try {
            run.baseline = lead_router::core::Json::parse(read_all(baseline_json));
        } catch (const std::exception& e) {
            std::cerr << "lead_router_bench: --baseline-json " << baseline_json << ": " << e.what() << "\n";
            return 1;
        }
    }
    describe_machine(run);
    try {
        pqxx::connection admin(o.conninfo);
        describe_server(admin, run);
        run.library = describe_library(admin);
        // --expect-*: the run must be of this extension version and this very library file
        // (the 0.5.0 pass of --compare-050 checks it really runs the 0.5.0 build)
        std::string check;
        if (!expect_extversion.empty() && run.extension_version != expect_extversion) {
            check = "extension version " + run.extension_version + ", expected " + expect_extversion;
        }
        if (!expect_library.empty()) {
            const std::string want = sha256_of(expect_library);
            if (want.empty() || want != run.library["sha256"].get<std::string>()) {
                check += (check.empty() ? "" : "; ") + std::string("the server's lead_router library (") +
                         run.library["path"].dump() + ") is not " + expect_library;
            }
        }
        if (!check.empty()) {
            std::cerr << "lead_router_bench: " << check << "\n";
            return 1;
        }
        if (!expect_library.empty() || !expect_extversion.empty()) {
            run.library["check"] = "verified: extversion " + run.extension_version +
                                   (expect_library.empty() ? "" : ", library file identical to " + expect_library);
        }
        std::cerr << markdown_header();
        run_scenarios(o, admin, run, [](const Measurement& m) { std::cerr << markdown_row(m); });
    } catch (const std::exception& e) {
        std::cerr << "lead_router_bench: " << e.what() << "\n";
        return 1;
    }
    if (!normalize_json.empty()) {
        try {
            run.normalize = lead_router::core::Json::parse(read_all(normalize_json));
        } catch (const std::exception& e) {
            std::cerr << "lead_router_bench: --normalize-json " << normalize_json << ": " << e.what() << "\n";
            return 1;
        }
    }
    run.bars = compute_bars(run, o.bar_clients);
    run.finished_at = utc_now();
    run.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    const bool written = write_file(json_path, to_json(run)) && write_file(explain_path, explain_markdown(run));
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
