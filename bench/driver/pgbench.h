// The ceiling: pgbench's built-in simple-update script (-N: UPDATE pgbench_accounts, SELECT,
// INSERT pgbench_history, one transaction) on the same server, at the same client count and
// duration, prepared statements (-M prepared, as the driver's flows use), one thread per client
// (-j = -c, as the driver).  Per-transaction latencies come from pgbench's own log (-l), so
// p50/p95/p99 are computed exactly like the driver's.
#pragma once

#include <string>

#include "stats.h"

namespace bench {

struct PgbenchTarget {
    std::string pgbench;  // path of the pgbench binary
    std::string host, port, user, dbname;
    std::string log_dir;  // scratch folder for the per-transaction logs
};

// Runs pgbench -N; throws std::runtime_error when it fails or prints no result.
Measurement run_pgbench(const PgbenchTarget& target, int clients, int duration_s);

}  // namespace bench
