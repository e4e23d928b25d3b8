// The route_lead comparison against 0.5.0, paired: the 0.5.0 server of the --compare-050 pass
// stays up, idle, beside this run's server, and route_lead at the bar's client count runs on
// the two in alternating slices (0.5.0 first in odd pairs, last in even ones).  Whatever the
// machine does meanwhile (another tenant of the host, write-back, a slower minute) lands on
// both sides of a pair alike, which two passes minutes apart cannot promise: there the two
// servers' pgbench -N differed by up to ±13 % in one run.  Each slice also counts the CPU
// time its backends used per lead (/proc/<pid>/stat): the cost of a routing, which the
// hypervisor's steal does not inflate as it does wall time.  The verdicts are the medians of
// the pairs' ratios.
#pragma once

#include <string>

#include "core/json_document.h"
#include "dataset.h"

namespace bench {

struct PairedOptions {
    std::string conninfo;           // this run's bench database
    std::string baseline_conninfo;  // the 0.5.0 server's bench database
    int clients = 8;
    int pairs = 10;
    double slice_s = 4;           // per side and pair
    long leads_per_side = 120000;  // each side's working set (route_lead only)
    double nomatch_share = 0.1;
    double window_per_client = 32;
};

// Runs the pairs; `main` and `baseline` are the admin datasets of the two servers.  Returns
// {"clients", "slice_s", "baseline_extversion", "leads_in_table_050", "leads_in_table",
// "steal_share", "pairs": [{"leads_per_s_050", "leads_per_s", "ratio", "cpu_us_per_lead_050",
// "cpu_us_per_lead", "cost_ratio", "first"}], "median_ratio", "min_ratio", "max_ratio",
// "median_cost_ratio", "min_cost_ratio", "max_cost_ratio"}; throws when the baseline server
// does not run 0.5.0.
lead_router::core::Json run_paired(const PairedOptions& o, Dataset& main, Dataset& baseline);

}  // namespace bench
