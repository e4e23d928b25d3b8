// Health thresholds.
#include "core/health_verdict.h"

#include <cstdio>

namespace lead_router::core {
namespace {

std::string describe(const char* what, double value, const char* op, double bound, const char* unit) {
    char text[128];
    std::snprintf(text, sizeof text, "%s %.1f%s %s %g%s", what, value, unit, op, bound, unit);
    return text;
}

void raise(HealthAssessment& a, Verdict v, std::string reason) {
    if (v > a.verdict) a.verdict = v;
    a.reasons.push_back(std::move(reason));
}

}  // namespace

HealthAssessment assess_health(const HealthFigures& f) {
    HealthAssessment a;
    if (f.success_rate) {
        const double pct = *f.success_rate * 100;
        if (pct < 90) {
            raise(a, Verdict::critical, describe("success rate", pct, "<", 90, " %"));
        } else if (pct < 95) {
            raise(a, Verdict::degraded, describe("success rate", pct, "<", 95, " %"));
        }
    }
    if (f.lock_acquisition_rate) {
        const double pct = *f.lock_acquisition_rate * 100;
        if (pct < 85) {
            raise(a, Verdict::critical, describe("lock acquisition", pct, "<", 85, " %"));
        } else if (pct < 95) {
            raise(a, Verdict::degraded, describe("lock acquisition", pct, "<", 95, " %"));
        }
    }
    if (f.due_queue >= 100) {
        raise(a, Verdict::degraded,
              "due queue " + std::to_string(f.due_queue) + " >= 100");
    }
    if (f.p95_ms) {
        if (*f.p95_ms > 5000) {
            raise(a, Verdict::critical, describe("p95 latency", *f.p95_ms, ">", 5000, " ms"));
        } else if (*f.p95_ms >= 2000) {
            raise(a, Verdict::degraded, describe("p95 latency", *f.p95_ms, ">=", 2000, " ms"));
        }
    }
    return a;
}

const char* verdict_name(Verdict verdict) {
    switch (verdict) {
        case Verdict::healthy: return "healthy";
        case Verdict::degraded: return "degraded";
        case Verdict::critical: return "critical";
    }
    return "unknown";
}

}  // namespace lead_router::core
