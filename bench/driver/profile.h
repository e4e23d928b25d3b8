// "Where the time goes": a CPU profile of the benchmark's backends while a scenario runs,
// taken with perf (linux-perf) when it is installed and allowed here (bench/README.md).
//
// perf record samples the client backends (their process ids, from the runner's on_ready)
// at 499 Hz for the profile's seconds; perf report then gives the share of samples per shared
// object (postgres, lead_router.so, libc, ICU, libphonenumber, the kernel) and per symbol.
// A profile is taken in a pass of its own, after the scenario's measurements, so that the
// sampling never slows a measured figure.
#pragma once

#include <string>
#include <vector>

#include "core/json_document.h"

namespace bench {

class Profiler {
public:
    Profiler(std::string perf, std::string scratch_dir);

    // Whether perf can sample a process here; why not, when it cannot.
    bool available() const { return why_not_.empty(); }
    const std::string& why_not() const { return why_not_; }

    // Starts sampling the processes for `seconds` in the background.
    void start(const std::vector<int>& pids, double seconds, const std::string& name);
    // Waits for the sampling to end and reads the report: {name, seconds, samples, by_object[],
    // by_symbol[]} or {name, error}.
    lead_router::core::Json finish();

private:
    std::string perf_, dir_, why_not_, name_, data_;
    double seconds_ = 0;
    int child_ = -1;
};

}  // namespace bench
