#include "profile.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shell.h"

#include <cstdio>
#include <filesystem>
#include <regex>

namespace bench {
namespace {

using lead_router::core::Json;

}  // namespace

Profiler::Profiler(std::string perf, std::string scratch_dir) : perf_(std::move(perf)), dir_(std::move(scratch_dir)) {
    if (perf_.empty()) {
        why_not_ = "perf not installed (Debian package linux-perf)";
        return;
    }
    std::filesystem::create_directories(dir_);
    // One short sample of a process of our own: perf may be installed but not allowed (a
    // container without perf events, or perf_event_paranoid).
    int status = 0;
    const std::string probe = dir_ + "/perf_probe.data";
    const std::string out = run_command(
        shell_quoted(perf_) + " record -q -e cpu-clock -F 99 -o " + shell_quoted(probe) + " -- sleep 0.1 2>&1",
        &status);
    std::filesystem::remove(probe);
    if (status != 0) why_not_ = "perf record does not work here: " + out.substr(0, 300);
}

void Profiler::start(const std::vector<int>& pids, double seconds, const std::string& name) {
    name_ = name;
    seconds_ = seconds;
    data_ = dir_ + "/perf_" + std::to_string(getpid()) + ".data";
    std::string list;
    for (const int pid : pids) list += (list.empty() ? "" : ",") + std::to_string(pid);
    const std::string command = "exec " + shell_quoted(perf_) + " record -q -e cpu-clock -F 499 -p " + list + " -o " +
                                shell_quoted(data_) + " -- sleep " + std::to_string(seconds) + " >/dev/null 2>&1";
    const pid_t child = fork();
    if (child == 0) {
        execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    child_ = child;
}

Json Profiler::finish() {
    Json out = {{"name", name_}, {"seconds", seconds_}};
    if (child_ <= 0) {
        out["error"] = "perf did not start";
        return out;
    }
    int status = 0;
    waitpid(child_, &status, 0);
    child_ = -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        out["error"] = "perf record failed (exit " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")";
        return out;
    }
    // "    12.34%  postgres   [.] hash_search_with_hash_value"
    static const std::regex row(R"(^\s+([0-9.]+)%\s+(\S+)\s+\[(.)\]\s+(.+?)\s*$)");
    static const std::regex object_row(R"(^\s+([0-9.]+)%\s+(\S+)\s*$)");
    static const std::regex samples_re(R"(# Samples: (\S+))");
    int rc = 0;
    const std::string base =
        shell_quoted(perf_) + " report -i " + shell_quoted(data_) + " --stdio --no-children 2>/dev/null";
    const std::string by_symbol = run_command(base + " --sort dso,sym --percent-limit 0.4", &rc);
    const std::string by_object = run_command(base + " --sort dso --percent-limit 0.2", &rc);
    std::filesystem::remove(data_);
    std::filesystem::remove(data_ + ".old");
    Json symbols = Json::array(), objects = Json::array();
    std::smatch m;
    std::string text = by_symbol;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        const std::string line = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
        start = end == std::string::npos ? text.size() : end + 1;
        if (std::regex_search(line, m, samples_re)) out["samples"] = m[1].str();
        if (std::regex_match(line, m, row)) {
            symbols.push_back({{"percent", std::stod(m[1].str())},
                               {"object", m[2].str()},
                               {"symbol", m[4].str()},
                               {"kernel", m[3].str() == "k"}});
        }
    }
    text = by_object;
    start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        const std::string line = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
        start = end == std::string::npos ? text.size() : end + 1;
        if (std::regex_match(line, m, object_row)) {
            objects.push_back({{"percent", std::stod(m[1].str())}, {"object", m[2].str()}});
        }
    }
    if (symbols.empty()) out["error"] = "perf report gave no samples";
    out["by_object"] = objects;
    out["by_symbol"] = symbols;
    return out;
}

}  // namespace bench
