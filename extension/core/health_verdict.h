// The routing health verdict of SPEC.md "Health thresholds" (from the seed's SLO table).
// Pure C++ so the thresholds are unit-tested without a server.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace lead_router::core {

struct HealthFigures {
    std::optional<double> success_rate;           // 0..1 over the window; empty: no attempts
    std::optional<double> lock_acquisition_rate;  // 0..1 over the window; empty: no attempts
    long long due_queue = 0;                      // retry-queue rows due now
    std::optional<double> p95_ms;                 // empty: no latency samples
};

enum class Verdict { healthy, degraded, critical };

struct HealthAssessment {
    Verdict verdict = Verdict::healthy;
    std::vector<std::string> reasons;  // one per threshold missed, e.g. "success rate 91.2 % < 95 %"
};

// healthy: success >= 95 %, lock acquisition >= 95 %, due queue < 100, p95 < 2 s.
// degraded: success 90-95 %, lock acquisition 85-95 %, due queue >= 100, p95 2-5 s.
// critical: success < 90 %, lock acquisition < 85 %, p95 > 5 s.
// The worst threshold decides; a figure with no data does not count.
HealthAssessment assess_health(const HealthFigures& figures);

const char* verdict_name(Verdict verdict);

}  // namespace lead_router::core
