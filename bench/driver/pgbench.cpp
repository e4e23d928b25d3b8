#include "pgbench.h"

#include "shell.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace bench {
namespace {

double number_after(const std::string& text, const std::string& pattern) {
    std::smatch m;
    if (!std::regex_search(text, m, std::regex(pattern))) {
        throw std::runtime_error("pgbench printed no \"" + pattern + "\":\n" + text);
    }
    return std::stod(m[1].str());
}

}  // namespace

Measurement run_pgbench(const PgbenchTarget& t, int clients, int duration_s) {
    namespace fs = std::filesystem;
    const std::string prefix = "pgbench_c" + std::to_string(clients);
    fs::create_directories(t.log_dir);
    for (const auto& entry : fs::directory_iterator(t.log_dir)) {
        if (entry.path().filename().string().rfind(prefix + ".", 0) == 0) fs::remove(entry.path());
    }
    const std::string command =
        shell_quoted(t.pgbench) + " -h " + shell_quoted(t.host) + " -p " + shell_quoted(t.port) + " -U " +
        shell_quoted(t.user) + " -N -M prepared -c " + std::to_string(clients) + " -j " + std::to_string(clients) +
        " -T " + std::to_string(duration_s) + " -l --log-prefix=" + shell_quoted(t.log_dir + "/" + prefix) + " " +
        shell_quoted(t.dbname) + " 2>&1";
    int status = 0;
    const std::string output = run_command(command, &status);
    if (status != 0) throw std::runtime_error("pgbench failed:\n" + output);

    Measurement m;
    m.scenario = clients == 1 ? "sequential" : "concurrent";
    m.variant = "pgbench_N";
    m.clients = clients;
    m.lock_rate_applies = false;
    m.note = "pgbench -N -M prepared: transactions, not leads";
    const double processed = number_after(output, R"(number of transactions actually processed: (\d+))");
    double failed = 0;
    try {
        failed = number_after(output, R"(number of failed transactions: (\d+))");
    } catch (const std::runtime_error&) {
        // older pgbench prints no such line: none failed
    }
    const double tps = number_after(output, R"(tps = ([0-9.]+) \(without initial connection time\))");

    for (const auto& entry : fs::directory_iterator(t.log_dir)) {
        if (entry.path().filename().string().rfind(prefix + ".", 0) != 0) continue;
        std::ifstream log(entry.path());
        std::string line;
        while (std::getline(log, line)) {
            // client_id transaction_no time(us) script_no time_epoch time_us
            std::istringstream fields(line);
            long client, transaction;
            double latency_us;
            if (fields >> client >> transaction >> latency_us) {
                m.tally.latency_ms.push_back(latency_us / 1000.0);
            }
        }
        fs::remove(entry.path());
    }
    m.tally.ops = static_cast<long>(processed);
    m.tally.items = m.tally.ops + static_cast<long>(failed);
    m.tally.leads = m.tally.ops;
    m.tally.succeeded = m.tally.ops;
    m.tally.count("committed", m.tally.ops);
    if (failed > 0) m.tally.count("failed", static_cast<long>(failed));
    m.duration_s = tps > 0 ? processed / tps : duration_s;
    return m;
}

}  // namespace bench
