#include "plan_capture.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <numeric>
#include <regex>
#include <set>

namespace bench {
namespace {

// A statement that reads or writes lead_router's relations names them schema-qualified: the
// extension's statements (lead_router.leads) and PostgreSQL's foreign-key checks
// ("lead_router"."workspaces").
bool names_lead_router(const std::string& sql) {
    static const std::regex re(R"re((^|[^A-Za-z0-9_$"])"?lead_router"?\s*\.\s*"?[A-Za-z_])re");
    return std::regex_search(sql, re);
}

// The lead_router function a client statement calls ("route_lead"), or "".
std::string called_function(const std::string& sql) {
    static const std::regex re(R"(lead_router\.([A-Za-z_][A-Za-z0-9_]*)\s*\()");
    std::smatch m;
    return std::regex_search(sql, m, re) ? m[1].str() : std::string();
}

// The first line of a text-format plan: its top node, not indented, with its costs.
bool is_plan_root(const std::string& line) {
    static const std::regex re(R"(^[A-Z][^ ].*  \(cost=[0-9.]+\.\.[0-9.]+ rows=[0-9]+ width=[0-9]+\))");
    return !line.empty() && line.find("  (cost=") != std::string::npos && std::regex_search(line, re);
}

std::string trimmed(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    std::size_t start = 0;
    while (start < s.size() && std::isspace(static_cast<unsigned char>(s[start]))) ++start;
    return s.substr(start);
}

struct ParsedPlan {
    double ms = 0;
    std::string statement, plan;
};

// An auto_explain notice as libpq formats it: "NOTICE:  duration: 0.050 ms  plan:\n"
// "Query Text: <statement, perhaps several lines>\n<plan lines>".  Returns false for any
// other notice; throws when it is a plan notice that cannot be read.
bool parse_notice(const std::string& message, ParsedPlan& out) {
    const std::size_t duration = message.find("duration: ");
    if (duration == std::string::npos || duration > 16) return false;
    const std::size_t marker = message.find(" ms  plan:\n", duration);
    if (marker == std::string::npos) return false;
    char* end = nullptr;
    out.ms = std::strtod(message.c_str() + duration + 10, &end);
    if (end != message.c_str() + marker) throw std::runtime_error("no duration");
    std::size_t at = marker + 11;
    static const std::string kQuery = "Query Text: ";
    if (message.compare(at, kQuery.size(), kQuery) != 0) throw std::runtime_error("no Query Text");
    at += kQuery.size();
    // The statement runs up to the first line that is a plan's top node.
    std::size_t line = message.find('\n', at);
    while (line != std::string::npos) {
        const std::size_t next = line + 1;
        const std::size_t stop = message.find('\n', next);
        if (is_plan_root(message.substr(next, stop == std::string::npos ? std::string::npos : stop - next))) {
            out.statement = trimmed(message.substr(at, line - at));
            out.plan = trimmed(message.substr(next)) + "\n";  // the top node is not indented
            return true;
        }
        line = stop;
    }
    throw std::runtime_error("no plan after the statement text");
}

// What a statement does, in a few words: its writes ("UPDATE leads, INSERT routing_logs"), or
// what it reads ("SELECT leads, workspaces"), its row lock, and whether it is PostgreSQL's
// foreign-key check.
std::string summary(const std::string& sql) {
    static const std::string kTable = R"re(\s+(?:ONLY\s+)?"?lead_router"?\s*\.\s*"?([A-Za-z_][A-Za-z0-9_]*))re";
    static const std::regex write("\\b(UPDATE|INSERT\\s+INTO|DELETE\\s+FROM)" + kTable, std::regex::icase);
    static const std::regex read("\\b(?:FROM|JOIN)" + kTable, std::regex::icase);
    static const std::regex lock(
        R"re(\bFOR\s+(UPDATE|NO\s+KEY\s+UPDATE|SHARE|KEY\s+SHARE)(\s+SKIP\s+LOCKED|\s+NOWAIT)?)re", std::regex::icase);
    std::vector<std::string> parts;
    const auto add = [&](const std::string& part) {
        if (std::find(parts.begin(), parts.end(), part) == parts.end()) parts.push_back(part);
    };
    for (auto it = std::sregex_iterator(sql.begin(), sql.end(), write); it != std::sregex_iterator(); ++it) {
        std::string verb = (*it)[1].str();
        verb = verb.substr(0, verb.find_first_of(" \t\n"));
        for (char& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        add(verb + " " + (*it)[2].str());
    }
    if (parts.empty()) {
        std::string tables;
        for (auto it = std::sregex_iterator(sql.begin(), sql.end(), read); it != std::sregex_iterator(); ++it) {
            const std::string t = (*it)[1].str();
            if (tables.find(" " + t + ",") == std::string::npos) tables += " " + t + ",";
        }
        if (!tables.empty()) tables.pop_back();
        add("SELECT" + tables);
    }
    std::string out;
    for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
    std::smatch m;
    if (std::regex_search(sql, m, lock)) {
        std::string clause = m[0].str();
        std::replace_if(
            clause.begin(), clause.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }, ' ');
        out += " " + clause;
    }
    if (sql.rfind("SELECT 1 FROM ONLY ", 0) == 0) out += " (foreign-key check)";
    return out;
}

std::vector<std::string> access_paths(const std::string& plan) {
    static const std::regex index(R"((?:Index Only Scan|Index Scan)(?: Backward)? using (\S+) on )");
    static const std::regex bitmap(R"(Bitmap Index Scan on (\S+))");
    static const std::regex seq(R"(Seq Scan on (\S+))");
    std::vector<std::string> out;
    const auto add = [&](const std::string& path) {
        if (std::find(out.begin(), out.end(), path) == out.end()) out.push_back(path);
    };
    std::size_t start = 0;
    while (start < plan.size()) {
        std::size_t stop = plan.find('\n', start);
        if (stop == std::string::npos) stop = plan.size();
        const std::string line = plan.substr(start, stop - start);
        std::smatch m;
        if (std::regex_search(line, m, index) || std::regex_search(line, m, bitmap)) {
            add(m[1].str());
        } else if (std::regex_search(line, m, seq)) {
            add("Seq Scan on " + m[1].str());
        }
        start = stop + 1;
    }
    return out;
}

// One capture connection's receiver of plan notices.  Nested plans wait in `pending_` until
// the plan of the client statement that ran them arrives.
class PlanNotices : public pqxx::errorhandler {
public:
    PlanNotices(pqxx::connection& conn, PlanCapture& capture, std::set<std::string> client_statements)
        : pqxx::errorhandler(conn), capture_(capture), client_(std::move(client_statements)) {}

    ~PlanNotices() override {
        if (!pending_.empty()) capture_.file("(after the last call)", false, std::move(pending_));
    }

    bool operator()(const char msg[]) noexcept override {
        try {
            ParsedPlan p;
            if (!parse_notice(msg, p)) return true;  // not a plan: pass it on
            capture_.count_notice();
            if (client_.count(p.statement) > 0) {
                const std::string function = called_function(p.statement);
                capture_.file(function.empty() ? "client statement" : function, !function.empty(), std::move(pending_));
                pending_.clear();
            } else if (names_lead_router(p.statement)) {
                pending_.push_back({std::move(p.statement), {p.ms, std::move(p.plan)}});
            }
        } catch (const std::exception& e) {
            const std::string text(msg);
            capture_.problem(std::string("a plan could not be read (") + e.what() + "): " + text.substr(0, 300));
        } catch (...) {
            capture_.problem("a plan could not be read");
        }
        return false;
    }

private:
    PlanCapture& capture_;
    const std::set<std::string> client_;
    std::vector<PlanCapture::Nested> pending_;
};

class CapturedFlow : public Flow {
public:
    CapturedFlow(std::unique_ptr<Flow> inner, PlanCapture& capture) : inner_(std::move(inner)), capture_(capture) {}

    void prepare(pqxx::connection& conn) override {
        inner_->prepare(conn);
        pqxx::nontransaction tx{conn};
        std::set<std::string> client;
        for (const pqxx::row& row : tx.exec("SELECT statement FROM pg_prepared_statements")) {
            client.insert(trimmed(row[0].c_str()));
        }
        tx.exec("LOAD 'auto_explain'");
        for (const char* setting : {"SET client_min_messages = notice", "SET auto_explain.log_level = notice",
                                    "SET auto_explain.log_format = text", "SET auto_explain.log_nested_statements = on",
                                    "SET auto_explain.log_analyze = on", "SET auto_explain.log_buffers = on",
                                    "SET auto_explain.log_timing = on", "SET auto_explain.log_triggers = on",
                                    "SET auto_explain.log_verbose = off", "SET auto_explain.sample_rate = 1",
                                    "SET auto_explain.log_min_duration = 0"}) {
            tx.exec(setting);
        }
        if (!capture_.generic_plans()) tx.exec("SET plan_cache_mode = force_custom_plan");
        notices_ = std::make_unique<PlanNotices>(conn, capture_, std::move(client));
    }

    bool run_once(pqxx::connection& conn, Tally& tally, std::mt19937_64& rng) override {
        return inner_->run_once(conn, tally, rng);
    }

private:
    std::unique_ptr<Flow> inner_;
    PlanCapture& capture_;
    std::unique_ptr<PlanNotices> notices_;  // unregisters itself first: the flow outlives it
};

}  // namespace

std::unique_ptr<Flow> PlanCapture::wrap(std::unique_ptr<Flow> inner) {
    return std::make_unique<CapturedFlow>(std::move(inner), *this);
}

void PlanCapture::problem(const std::string& what) {
    std::lock_guard<std::mutex> lock(mutex_);
    problems_.push_back(what);
}

void PlanCapture::count_notice() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++notices_;
}

void PlanCapture::file(const std::string& caller, bool is_function, std::vector<Nested>&& nested) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (std::find(callers_.begin(), callers_.end(), caller) == callers_.end()) {
        if (!is_function && nested.empty()) return;  // a client statement that ran nothing
        callers_.push_back(caller);
    }
    if (is_function) caller_plans_[caller] += static_cast<long>(nested.size());
    for (Nested& n : nested) {
        const auto key = std::make_pair(caller, n.statement);
        auto found = index_.find(key);
        if (found == index_.end()) {
            found = index_.emplace(key, groups_.size()).first;
            groups_.push_back({caller, n.statement, {}});
        }
        groups_[found->second].runs.push_back(std::move(n.run));
    }
}

std::vector<ExplainPlan> PlanCapture::statements() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<ExplainPlan> out;
    for (const std::string& caller : callers_) {
        int n = 0;
        for (const Group& g : groups_) {
            if (g.caller != caller) continue;
            ExplainPlan e;
            e.name = caller + " #" + std::to_string(++n);
            e.caller = caller;
            e.statement = g.statement;
            e.calls = static_cast<long>(g.runs.size());
            double total = 0;
            std::vector<std::size_t> order(g.runs.size());
            std::iota(order.begin(), order.end(), std::size_t{0});
            for (const Execution& r : g.runs) {
                total += r.ms;
                e.max_ms = std::max(e.max_ms, r.ms);
            }
            e.mean_ms = g.runs.empty() ? 0 : total / static_cast<double>(g.runs.size());
            std::sort(order.begin(), order.end(),
                      [&](std::size_t a, std::size_t b) { return g.runs[a].ms < g.runs[b].ms; });
            if (!order.empty()) {
                const Execution& median = g.runs[order[(order.size() - 1) / 2]];
                e.median_ms = median.ms;
                e.plan = median.plan;
            }
            e.summary = summary(g.statement);
            e.access_paths = access_paths(e.plan);
            out.push_back(std::move(e));
        }
    }
    return out;
}

std::vector<std::string> PlanCapture::problems() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out = problems_;
    if (groups_.empty()) {
        out.push_back("no lead_router statement was captured (" + std::to_string(notices_) + " plans received)");
    }
    for (const auto& [caller, plans] : caller_plans_) {
        if (plans == 0) {
            out.push_back("lead_router." + caller + "() was called but no plan of a statement it ran was captured");
        }
    }
    return out;
}

long long PlanCapture::notices() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return notices_;
}

}  // namespace bench
