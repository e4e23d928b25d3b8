// Health thresholds.
#include "core/health_verdict.h"

#include <cstdio>
#include <sstream>

namespace lead_router::core {
namespace {

void raise(HealthAssessment& a, Verdict v, std::string reason) {
    if (v > a.verdict) a.verdict = v;
    a.reasons.push_back(std::move(reason));
}

std::string percent(double fraction) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f %%", fraction * 100);
    return text;
}

std::string duration(std::int64_t seconds) {
    if (seconds % 86400 == 0) return std::to_string(seconds / 86400) + " d";
    if (seconds % 3600 == 0) return std::to_string(seconds / 3600) + " h";
    if (seconds % 60 == 0) return std::to_string(seconds / 60) + " min";
    return std::to_string(seconds) + " s";
}

void assess_job(HealthAssessment& a, const JobRecord& job) {
    if (job.last_run_failed) {
        raise(a, Verdict::degraded,
              "maintenance job " + job.name + " failed" +
                  (job.last_error.empty() ? std::string() : ": " + job.last_error));
        return;
    }
    if (!job.ever_ran) return;  // scheduled, not due for the first time yet
    const std::int64_t overdue_after = 2 * job.period_s;
    if (!job.since_success_s) {
        raise(a, Verdict::degraded, "maintenance job " + job.name + " has never succeeded");
    } else if (*job.since_success_s > overdue_after) {
        raise(a, Verdict::degraded,
              "maintenance job " + job.name + " has not succeeded for " + duration(*job.since_success_s) +
                  " (runs every " + duration(job.period_s) + ")");
    }
}

}  // namespace

HealthAssessment assess_health(const HealthFigures& f) {
    HealthAssessment a;
    const long long attempts = f.succeeded + f.errors;
    if (attempts >= kMinRateSample) {
        a.success_rate = double(f.succeeded) / double(attempts);
        const double error_rate = double(f.errors) / double(attempts);
        const std::string errors = "error rate " + percent(error_rate) + " (" + std::to_string(f.errors) + " of " +
                                   std::to_string(attempts) + " attempts)";
        if (error_rate > 0.10) {
            raise(a, Verdict::critical, errors + " > 10 %");
        } else if (error_rate > 0.05) {
            raise(a, Verdict::degraded, errors + " > 5 %");
        }
    }
    if (f.due_queue >= 100) {
        raise(a, Verdict::degraded, "due queue " + std::to_string(f.due_queue) + " >= 100");
    }
    if (f.stale_locks > 0) {
        raise(a, Verdict::degraded,
              std::to_string(f.stale_locks) + " stale routing lock" + (f.stale_locks == 1 ? "" : "s") +
                  " older than lead_router.lock_timeout");
    }
    if (f.due_queue > 0) {
        const std::string due =
            std::to_string(f.due_queue) + " retr" + (f.due_queue == 1 ? "y is" : "ies are") + " due";
        if (f.worker == WorkerState::not_running) {
            raise(a, Verdict::critical, "no lead_router worker is running while " + due);
        } else if (f.worker == WorkerState::disabled) {
            raise(a, Verdict::degraded, "the worker is disabled (lead_router.worker_enabled = off) while " + due);
        }
    }
    for (const JobRecord& job : f.jobs) assess_job(a, job);
    if (f.p95_ms && f.latency_samples >= kMinLatencySample) {
        char text[64];
        std::snprintf(text, sizeof text, "p95 latency %.1f ms", *f.p95_ms);
        if (*f.p95_ms > 5000) {
            raise(a, Verdict::critical, std::string(text) + " > 5000 ms");
        } else if (*f.p95_ms >= 2000) {
            raise(a, Verdict::degraded, std::string(text) + " >= 2000 ms");
        }
    }
    return a;
}

const char* verdict_name(Verdict verdict) {
    switch (verdict) {
        case Verdict::healthy:
            return "healthy";
        case Verdict::degraded:
            return "degraded";
        case Verdict::critical:
            return "critical";
    }
    return "unknown";
}

std::int64_t cron_period_seconds(const std::string& schedule) {
    std::istringstream fields(schedule);
    std::string minute, hour, day, month, weekday, extra;
    constexpr std::int64_t kDay = 86400;
    if (!(fields >> minute >> hour >> day >> month >> weekday) || (fields >> extra) || day != "*" || month != "*" ||
        weekday != "*") {
        return kDay;
    }
    const auto is_number = [](const std::string& s) {
        return !s.empty() && s.size() <= 2 && s.find_first_not_of("0123456789") == std::string::npos;
    };
    if (hour == "*") {
        if (minute == "*") return 60;
        if (minute.rfind("*/", 0) == 0 && is_number(minute.substr(2))) {
            const int step = std::stoi(minute.substr(2));
            return step > 0 ? 60 * step : kDay;
        }
        if (is_number(minute)) return 3600;
        return kDay;
    }
    return kDay;
}

}  // namespace lead_router::core
