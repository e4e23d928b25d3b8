// The bookkeeping of the distribution and arrival scenarios (bench/README.md, "Pool",
// "Arrival latency", "Drain"): samplers that read the server from their own connection while
// the clients run, the paced single-lead inserters of the arrival scenario, and the client
// that polls route_pending_leads once a second (the comparator of arrival routing).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <pqxx/pqxx>

#include "core/json_document.h"
#include "flows.h"

namespace bench {

// A thread on its own connection that runs `sample` every period_ms until stop().
class PeriodicSampler {
public:
    PeriodicSampler(std::string conninfo, double period_ms);
    virtual ~PeriodicSampler();
    void start();
    void stop();

protected:
    virtual void sample(pqxx::connection& conn, double t_s) = 0;
    mutable std::mutex mutex_;

private:
    void loop();
    std::string conninfo_;
    double period_ms_;
    std::thread thread_;
    std::condition_variable cv_;
    bool stopping_ = false;
    std::string error_;

public:
    std::string error() const;  // the first error of the sampling connection, if any
};

// Lock waits of the bench's client sessions (application_name lead_router_bench), from
// pg_stat_activity: per sample, the active sessions and those waiting with
// wait_event_type = 'Lock' (by wait_event: transactionid, tuple, relation, ...); and from
// pg_locks, the relations of the not-granted relation-level and tuple locks.  Row locks
// (routing_pool_state, partner_cap_usage rows, on a server that does not preload the library)
// are waited on as transactionid (the holder's transaction) or tuple (a queue of waiters
// behind it); with the library preloaded, pools and caps are behind one LWLock in shared
// memory (wait_event_type LWLock, wait_event 'lead_router distribution'), counted apart.
class LockSampler : public PeriodicSampler {
public:
    using PeriodicSampler::PeriodicSampler;
    ~LockSampler() override { stop(); }
    lead_router::core::Json summary() const;

private:
    void sample(pqxx::connection& conn, double t_s) override;
    long samples_ = 0, session_samples_ = 0, active_samples_ = 0, waiting_samples_ = 0;
    long samples_with_wait_ = 0;
    long distribution_lwlock_samples_ = 0;  // waiting on the LWLock of pools and caps
    std::map<std::string, long> by_event_, by_relation_;
};

// The arrival backlog: pending leads whose routing is due (leads_due_idx), per sample.
class BacklogSampler : public PeriodicSampler {
public:
    using PeriodicSampler::PeriodicSampler;
    ~BacklogSampler() override { stop(); }
    // [{t_s, due}], the maximum, and the least-squares slope over the run (leads/s)
    lead_router::core::Json summary() const;

private:
    void sample(pqxx::connection& conn, double t_s) override;
    std::vector<std::pair<double, long long>> points_;
};

// Every lead an arrival client inserted: its id, when its INSERT's commit returned to the
// client (microseconds since the Unix epoch, the client's clock: the server's is the same
// machine's) and when the server ran the INSERT.  On a loaded machine the client may read
// its reply late (its thread not scheduled), which makes commit → routed look shorter, even
// negative; the server-side INSERT time bounds the latency from the other side (it includes
// the commit's WAL flush).
struct Arrival {
    std::string id;
    long long committed_us;
    long long inserted_us;  // the server's clock_timestamp() in the INSERT (before its commit)
    double behind_ms;       // how late against its schedule the INSERT was sent
};
class ArrivalLog {
public:
    void record(Arrival a);
    std::vector<Arrival> arrivals() const;

private:
    mutable std::mutex mutex_;
    std::vector<Arrival> arrivals_;
};

// Client `client` of `clients`: one lead per transaction (an autocommit INSERT ... RETURNING
// id), paced so that all clients together offer `rate` leads/s (client i sends at
// start + (i + k * clients) / rate); a late client sends at once and keeps its schedule.
// Every lead matches a rule and is a new person.  run_once counts the lead as an item, not
// as decided: the worker (or the poller) decides it.
std::unique_ptr<Flow> make_arrival_flow(int client, int clients, double rate, long long run_tag, ArrivalLog& log);

// The comparator of arrival routing: every period_s, route_pending_leads(batch) until it
// returns fewer than batch rows, on its own connection.
class Poller {
public:
    Poller(std::string conninfo, double period_s, int batch);
    ~Poller();
    void start();
    void stop();
    long long routed() const { return routed_.load(); }
    long long calls() const { return calls_.load(); }
    std::string error() const;

private:
    std::string conninfo_;
    double period_s_;
    int batch_;
    std::thread thread_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    bool stopping_ = false;
    std::atomic<long long> routed_{0}, calls_{0};
    std::string error_;
};

}  // namespace bench
