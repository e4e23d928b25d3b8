// The sustained scenario's bookkeeping (bench/README.md, "Sustained"): a sampler that reads the
// tables' sizes, dead tuples, autovacuum counts and the WAL position from its own connection
// at the start, after the warm-up and at the end of every bucket ("minute"), and the summary
// of a run's timeline per bucket.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/json_document.h"
#include "runner.h"

namespace bench {

class SustainedSampler {
public:
    SustainedSampler(std::string conninfo, double warmup_s, double bucket_s);
    ~SustainedSampler();

    void start();  // the run's clock starts now: a sample now, then at warm-up + k * bucket
    void stop();   // a last sample, then the thread ends
    lead_router::core::Json samples() const;

private:
    void loop();
    lead_router::core::Json sample(pqxx::connection& conn, double t_s);

    std::string conninfo_;
    double warmup_s_, bucket_s_;
    std::thread thread_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    bool stopping_ = false;
    std::chrono::steady_clock::time_point start_;
    lead_router::core::Json samples_ = lead_router::core::Json::array();
};

// Per bucket after the warm-up: leads decided, leads/s, route_lead p50/p95/p99/max; the ratio
// of the last whole bucket to the first; the worst bucket's p99; and from the samples, each
// table's growth (heap and indexes), its dead tuples and its autovacuum and autoanalyze runs.
lead_router::core::Json summarize_sustained(const std::vector<TimelineEntry>& timeline,
                                            const lead_router::core::Json& samples, double warmup_s, double bucket_s,
                                            double sustained_s);

}  // namespace bench
