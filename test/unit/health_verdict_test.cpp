// core::assess_health: the verdict is decided by system failures only, each threshold on
// both sides of its boundary; business outcomes never enter it; rates need a minimum sample.
#include <catch2/catch.hpp>

#include <string>

#include "core/health_verdict.h"

using lead_router::core::assess_health;
using lead_router::core::cron_period_seconds;
using lead_router::core::HealthFigures;
using lead_router::core::JobRecord;
using lead_router::core::Verdict;
using lead_router::core::verdict_name;
using lead_router::core::WorkerState;

namespace {

HealthFigures healthy_figures() {
    HealthFigures f;
    f.succeeded = 990;
    f.errors = 10;
    f.due_queue = 10;
    f.latency_samples = 1000;
    f.p95_ms = 5;
    f.worker = WorkerState::running;
    return f;
}

Verdict verdict_with(void (*change)(HealthFigures&)) {
    HealthFigures f = healthy_figures();
    change(f);
    return assess_health(f).verdict;
}

JobRecord job(std::optional<std::int64_t> since_success, bool failed = false) {
    JobRecord j;
    j.name = "lead_router_expire_leads";
    j.period_s = 86400;
    j.since_success_s = since_success;
    j.last_run_failed = failed;
    j.ever_ran = true;
    return j;
}

}  // namespace

TEST_CASE("health is healthy when nothing failed, with no reasons", "[health]") {
    const auto a = assess_health(healthy_figures());
    CHECK(a.verdict == Verdict::healthy);
    CHECK(a.reasons.empty());
    CHECK(std::string(verdict_name(a.verdict)) == "healthy");
    REQUIRE(a.success_rate);
    CHECK(*a.success_rate == Approx(0.99));
}

TEST_CASE("health error rate: <= 5 % healthy, 5-10 % degraded, > 10 % critical", "[health]") {
    const auto with_errors = [](long long errors) {
        HealthFigures f = healthy_figures();
        f.succeeded = 1000 - errors;
        f.errors = errors;
        return assess_health(f).verdict;
    };
    CHECK(with_errors(50) == Verdict::healthy);
    CHECK(with_errors(51) == Verdict::degraded);
    CHECK(with_errors(100) == Verdict::degraded);
    CHECK(with_errors(101) == Verdict::critical);
}

TEST_CASE("health: a rate needs 20 attempts before it counts", "[health]") {
    HealthFigures f = healthy_figures();
    f.succeeded = 2;
    f.errors = 17;  // 19 attempts, 89 % errors: not enough to judge
    auto a = assess_health(f);
    CHECK(a.verdict == Verdict::healthy);
    CHECK_FALSE(a.success_rate);
    f.succeeded = 3;  // 20 attempts
    a = assess_health(f);
    CHECK(a.verdict == Verdict::critical);
    REQUIRE(a.reasons.size() == 1);
    CHECK(a.reasons[0] == "error rate 85.0 % (17 of 20 attempts) > 10 %");
}

TEST_CASE("health due queue: < 100 healthy, >= 100 degraded", "[health]") {
    CHECK(verdict_with([](HealthFigures& f) { f.due_queue = 99; }) == Verdict::healthy);
    CHECK(verdict_with([](HealthFigures& f) { f.due_queue = 100; }) == Verdict::degraded);
    CHECK(verdict_with([](HealthFigures& f) { f.due_queue = 100000; }) == Verdict::degraded);
}

TEST_CASE("health: any stale lock is degraded", "[health]") {
    CHECK(verdict_with([](HealthFigures& f) { f.stale_locks = 1; }) == Verdict::degraded);
    HealthFigures f = healthy_figures();
    f.stale_locks = 3;
    CHECK(assess_health(f).reasons.at(0) == "3 stale routing locks older than lead_router.lock_timeout");
}

TEST_CASE("health worker: judged only while retries are due", "[health]") {
    HealthFigures f = healthy_figures();
    f.worker = WorkerState::not_running;
    f.due_queue = 0;
    CHECK(assess_health(f).verdict == Verdict::healthy);
    f.due_queue = 7;
    auto a = assess_health(f);
    CHECK(a.verdict == Verdict::critical);
    CHECK(a.reasons.at(0) == "no lead_router worker is running while 7 retries are due");
    f.worker = WorkerState::disabled;
    f.due_queue = 1;
    a = assess_health(f);
    CHECK(a.verdict == Verdict::degraded);
    CHECK(a.reasons.at(0) == "the worker is disabled (lead_router.worker_enabled = off) while 1 retry is due");
    f.worker = WorkerState::unknown;  // not preloaded, or not this database's: nothing to judge
    CHECK(assess_health(f).verdict == Verdict::healthy);
}

TEST_CASE("health maintenance jobs: failed, or not succeeded for twice the period, is degraded", "[health]") {
    HealthFigures f = healthy_figures();
    f.jobs = {job(3600)};
    CHECK(assess_health(f).verdict == Verdict::healthy);
    f.jobs = {job(2 * 86400)};
    CHECK(assess_health(f).verdict == Verdict::healthy);
    f.jobs = {job(2 * 86400 + 1)};
    auto a = assess_health(f);
    CHECK(a.verdict == Verdict::degraded);
    CHECK(a.reasons.at(0) ==
          "maintenance job lead_router_expire_leads has not succeeded for 172801 s (runs every 1 d)");
    f.jobs = {job(60, true)};
    f.jobs[0].last_error = "ERROR:  boom";
    a = assess_health(f);
    CHECK(a.verdict == Verdict::degraded);
    CHECK(a.reasons.at(0) == "maintenance job lead_router_expire_leads failed: ERROR:  boom");
    f.jobs = {job(std::nullopt)};
    CHECK(assess_health(f).reasons.at(0) == "maintenance job lead_router_expire_leads has never succeeded");
    f.jobs = {job(std::nullopt)};
    f.jobs[0].ever_ran = false;  // scheduled, not due for the first time yet
    CHECK(assess_health(f).verdict == Verdict::healthy);
}

TEST_CASE("health p95: < 2 s healthy, 2-5 s degraded, > 5 s critical, from 5 samples", "[health]") {
    CHECK(verdict_with([](HealthFigures& f) { f.p95_ms = 1999; }) == Verdict::healthy);
    CHECK(verdict_with([](HealthFigures& f) { f.p95_ms = 2000; }) == Verdict::degraded);
    CHECK(verdict_with([](HealthFigures& f) { f.p95_ms = 5000; }) == Verdict::degraded);
    CHECK(verdict_with([](HealthFigures& f) { f.p95_ms = 5001; }) == Verdict::critical);
    CHECK(verdict_with([](HealthFigures& f) { f.p95_ms = 9000, f.latency_samples = 4; }) == Verdict::healthy);
    CHECK(verdict_with([](HealthFigures& f) { f.p95_ms = 9000, f.latency_samples = 5; }) == Verdict::critical);
}

TEST_CASE("health: the worst failure decides and every failure is a reason", "[health]") {
    HealthFigures f = healthy_figures();
    f.succeeded = 92;
    f.errors = 8;       // degraded
    f.p95_ms = 6000;    // critical
    f.due_queue = 150;  // degraded
    const auto a = assess_health(f);
    CHECK(a.verdict == Verdict::critical);
    REQUIRE(a.reasons.size() == 3);
    CHECK(a.reasons[0] == "error rate 8.0 % (8 of 100 attempts) > 5 %");
    CHECK(a.reasons[1] == "due queue 150 >= 100");
    CHECK(a.reasons[2] == "p95 latency 6000.0 ms > 5000 ms");
}

TEST_CASE("health: no data at all is healthy", "[health]") {
    const auto a = assess_health(HealthFigures{});
    CHECK(a.verdict == Verdict::healthy);
    CHECK(a.reasons.empty());
}

TEST_CASE("cron periods of the schedules lead_router uses", "[health]") {
    CHECK(cron_period_seconds("* * * * *") == 60);
    CHECK(cron_period_seconds("*/10 * * * *") == 600);
    CHECK(cron_period_seconds("0 * * * *") == 3600);
    CHECK(cron_period_seconds("30 3 * * *") == 86400);
    CHECK(cron_period_seconds("0 2 * * *") == 86400);
    CHECK(cron_period_seconds("0 2 * * 1") == 86400);  // anything else: a day
    CHECK(cron_period_seconds("nonsense") == 86400);
    CHECK(cron_period_seconds("*/0 * * * *") == 86400);
}
