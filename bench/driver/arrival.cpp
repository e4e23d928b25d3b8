#include "arrival.h"

#include <algorithm>
#include <cmath>

namespace bench {
namespace {

using lead_router::core::Json;
using Clock = std::chrono::steady_clock;

long long unix_us_now() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

PeriodicSampler::PeriodicSampler(std::string conninfo, double period_ms)
    : conninfo_(std::move(conninfo)), period_ms_(period_ms) {}

PeriodicSampler::~PeriodicSampler() = default;  // subclasses stop() in their destructors

void PeriodicSampler::start() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = false;
    }
    thread_ = std::thread([this] { loop(); });
}

void PeriodicSampler::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

std::string PeriodicSampler::error() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return error_;
}

void PeriodicSampler::loop() {
    try {
        pqxx::connection conn(conninfo_);
        pqxx::nontransaction(conn).exec("SET application_name = 'lead_router_bench_sampler'");
        const Clock::time_point start = Clock::now();
        const auto period =
            std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(period_ms_));
        for (Clock::time_point next = start;; next += period) {
            sample(conn, std::chrono::duration<double>(Clock::now() - start).count());
            std::unique_lock<std::mutex> lock(mutex_);
            if (cv_.wait_until(lock, next + period, [&] { return stopping_; })) break;
        }
        // a last sample when stopped: the state at the end of the run
        sample(conn, std::chrono::duration<double>(Clock::now() - start).count());
    } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (error_.empty()) error_ = e.what();
    }
}

void LockSampler::sample(pqxx::connection& conn, double) {
    pqxx::nontransaction tx{conn};
    const pqxx::result sessions = tx.exec(
        "SELECT state = 'active', coalesce(wait_event_type = 'Lock', false), coalesce(wait_event, ''),"
        "       coalesce(wait_event_type = 'LWLock' AND wait_event IN ('lead_router distribution', 'extension'),"
        "                false)"
        "  FROM pg_stat_activity"
        " WHERE datname = current_database() AND application_name = 'lead_router_bench'"
        "   AND pid <> pg_backend_pid()");
    const pqxx::result relations = tx.exec(
        "SELECT coalesce(c.relname::text, l.locktype) FROM pg_locks l"
        "  LEFT JOIN pg_class c ON c.oid = l.relation"
        " WHERE NOT l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        "   AND l.locktype IN ('relation', 'tuple')");
    std::lock_guard<std::mutex> lock(mutex_);
    ++samples_;
    bool any = false;
    for (const pqxx::row& r : sessions) {
        ++session_samples_;
        if (r[0].as<bool>()) ++active_samples_;
        if (r[1].as<bool>()) {
            ++waiting_samples_;
            ++by_event_[r[2].c_str()];
            any = true;
        }
        if (r[3].as<bool>()) ++distribution_lwlock_samples_;
    }
    if (any) ++samples_with_wait_;
    for (const pqxx::row& r : relations) ++by_relation_[r[0].c_str()];
}

Json LockSampler::summary() const {
    std::lock_guard<std::mutex> lock(mutex_);
    Json events = Json::object(), rels = Json::object();
    for (const auto& [k, v] : by_event_) events[k] = v;
    for (const auto& [k, v] : by_relation_) rels[k] = v;
    return {{"samples", samples_},
            {"session_samples", session_samples_},
            {"active_session_samples", active_samples_},
            {"lock_waiting_session_samples", waiting_samples_},
            {"waiting_share_of_sessions",
             session_samples_ > 0 ? Json(static_cast<double>(waiting_samples_) / session_samples_) : Json(nullptr)},
            {"samples_with_a_wait", samples_with_wait_},
            {"distribution_lwlock_waiting_session_samples", distribution_lwlock_samples_},
            {"waiting_by_event", events},
            {"tuple_or_relation_waits_by_relation", rels}};
}

void BacklogSampler::sample(pqxx::connection& conn, double t_s) {
    pqxx::nontransaction tx{conn};
    const long long due = tx.exec1(
                                "SELECT count(*) FROM lead_router.leads"
                                " WHERE routing_status = 'pending' AND routing_due_at <= now()")[0]
                              .as<long long>();
    std::lock_guard<std::mutex> lock(mutex_);
    points_.emplace_back(t_s, due);
}

Json BacklogSampler::summary() const {
    std::lock_guard<std::mutex> lock(mutex_);
    Json points = Json::array();
    long long max_due = 0;
    double st = 0, sd = 0, stt = 0, std_ = 0;
    for (const auto& [t, d] : points_) {
        points.push_back({{"t_s", std::round(t * 100) / 100}, {"due", d}});
        max_due = std::max(max_due, d);
        st += t;
        sd += static_cast<double>(d);
        stt += t * t;
        std_ += t * static_cast<double>(d);
    }
    const double n = static_cast<double>(points_.size());
    const double denom = n * stt - st * st;
    Json slope = nullptr;
    if (points_.size() >= 3 && denom > 0) slope = (n * std_ - st * sd) / denom;
    return {{"samples", points},
            {"max_due", max_due},
            {"first_due", points_.empty() ? Json(nullptr) : Json(points_.front().second)},
            {"last_due", points_.empty() ? Json(nullptr) : Json(points_.back().second)},
            {"slope_leads_per_s", slope}};
}

void ArrivalLog::record(Arrival a) {
    std::lock_guard<std::mutex> lock(mutex_);
    arrivals_.push_back(std::move(a));
}

std::vector<Arrival> ArrivalLog::arrivals() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return arrivals_;
}

namespace {

class ArrivalFlow : public Flow {
public:
    ArrivalFlow(int client, int clients, double rate, long long run_tag, ArrivalLog& log)
        : client_(client), clients_(clients), rate_(rate), tag_(run_tag), log_(log) {}

    void prepare(pqxx::connection& conn) override {
        conn.prepare("arrive",
                     "INSERT INTO lead_router.leads"
                     "       (email, company_name, company_domain, company_industry, company_size,"
                     "        company_location, country, attributes, source_workspace_id)"
                     " VALUES ($1, $2, $3, 'software', 2500, 'New York', 'US',"
                     "         '{\"source\": \"webinar\", \"budget\": 60000}', $4::uuid)"
                     " RETURNING id::text, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint");
        conn.prepare_now("arrive");
    }

    bool run_once(pqxx::connection& conn, Tally& tally, std::mt19937_64&) override {
        if (seq_ == 0) start_ = Clock::now();
        const double at_s = (client_ + static_cast<double>(seq_) * clients_) / rate_;
        const Clock::time_point due =
            start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(at_s));
        const Clock::time_point now = Clock::now();
        if (due > now) std::this_thread::sleep_until(due);
        const double behind_ms = std::max(0.0, std::chrono::duration<double, std::milli>(Clock::now() - due).count());
        static const char* const kSources[] = {
            "10000000-0000-4000-8000-000000000001", "10000000-0000-4000-8000-000000000002",
            "10000000-0000-4000-8000-000000000003", "10000000-0000-4000-8000-000000000004"};
        const std::string n = std::to_string(tag_) + "." + std::to_string(client_) + "." + std::to_string(seq_);
        const std::string company = std::to_string((tag_ * 131 + client_ * 7919 + seq_) % 50000);
        try {
            pqxx::nontransaction tx{conn};
            const pqxx::row r =
                tx.exec_prepared1("arrive", "arrival" + n + "@arrival" + company + ".example",
                                  "Arrival company " + company, "arrival" + company + ".example", kSources[seq_ % 4]);
            // autocommit: the INSERT's commit has returned
            const long long committed = unix_us_now();
            log_.record({r[0].c_str(), committed, r[1].as<long long>(), behind_ms});
            tally.count("inserted");
        } catch (const std::exception& e) {
            tally.error(e.what());
        }
        ++seq_;
        ++tally.ops;
        ++tally.items;
        return true;
    }

private:
    int client_, clients_;
    double rate_;
    long long tag_;
    ArrivalLog& log_;
    long long seq_ = 0;
    Clock::time_point start_;
};

}  // namespace

std::unique_ptr<Flow> make_arrival_flow(int client, int clients, double rate, long long run_tag, ArrivalLog& log) {
    return std::make_unique<ArrivalFlow>(client, clients, rate, run_tag, log);
}

Poller::Poller(std::string conninfo, double period_s, int batch)
    : conninfo_(std::move(conninfo)), period_s_(period_s), batch_(batch) {}

Poller::~Poller() { stop(); }

void Poller::start() {
    thread_ = std::thread([this] {
        try {
            pqxx::connection conn(conninfo_);
            pqxx::nontransaction(conn).exec("SET application_name = 'lead_router_bench_poller'");
            conn.prepare("poll", "SELECT count(*) FROM lead_router.route_pending_leads($1::integer)");
            const auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(period_s_));
            for (Clock::time_point next = Clock::now() + period;; next += period) {
                {
                    std::unique_lock<std::mutex> lock(mutex_);
                    if (cv_.wait_until(lock, next, [&] { return stopping_; })) break;
                }
                for (;;) {
                    pqxx::nontransaction tx{conn};
                    const long long n = tx.exec_prepared1("poll", batch_)[0].as<long long>();
                    ++calls_;
                    routed_ += n;
                    // Until a call finds nothing due: a call may route fewer than asked (at
                    // most its share of the lock table), which does not mean the queue is empty.
                    if (n == 0) break;
                }
            }
        } catch (const std::exception& e) {
            std::lock_guard<std::mutex> lock(mutex_);
            if (error_.empty()) error_ = e.what();
        }
    });
}

void Poller::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

std::string Poller::error() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return error_;
}

}  // namespace bench
