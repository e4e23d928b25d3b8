// Runs one measurement: N client threads, one libpqxx connection each, timed together.
//
// Every thread connects and prepares its statements first; the clock starts only when all are
// ready (connection setup is not what is measured).  Each operation is timed on the client
// with std::chrono::steady_clock.  The measurement ends at the deadline or as soon as a client
// finds no work left; its duration is from the common start to the last client's last
// operation.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "flows.h"
#include "stats.h"

namespace bench {

struct RunResult {
    Tally tally;
    double duration_s = 0;
    bool exhausted = false;
};

RunResult run_clients(const std::string& conninfo, int clients, double duration_s,
                      const std::function<std::unique_ptr<Flow>()>& make_flow);

}  // namespace bench
