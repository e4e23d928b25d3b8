// core::assess_health: SPEC.md's health thresholds, each boundary on both sides.
#include <catch2/catch.hpp>

#include "core/health_verdict.h"

using lead_router::core::assess_health;
using lead_router::core::HealthFigures;
using lead_router::core::Verdict;
using lead_router::core::verdict_name;

namespace {

HealthFigures healthy_figures() {
    HealthFigures f;
    f.success_rate = 0.99;
    f.lock_acquisition_rate = 0.99;
    f.due_queue = 10;
    f.p95_ms = 5;
    return f;
}

Verdict verdict_with(void (*change)(HealthFigures&)) {
    HealthFigures f = healthy_figures();
    change(f);
    return assess_health(f).verdict;
}

}  // namespace

TEST_CASE("health is healthy when every figure meets its target, with no reasons", "[health]") {
    const auto a = assess_health(healthy_figures());
    CHECK(a.verdict == Verdict::healthy);
    CHECK(a.reasons.empty());
    CHECK(std::string(verdict_name(a.verdict)) == "healthy");
}

TEST_CASE("health success rate: >= 95 % healthy, 90-95 % degraded, < 90 % critical", "[health]") {
    CHECK(verdict_with([](HealthFigures& f) { f.success_rate = 0.95; }) == Verdict::healthy);
    CHECK(verdict_with([](HealthFigures& f) { f.success_rate = 0.9499; }) == Verdict::degraded);
    CHECK(verdict_with([](HealthFigures& f) { f.success_rate = 0.90; }) == Verdict::degraded);
    CHECK(verdict_with([](HealthFigures& f) { f.success_rate = 0.8999; }) == Verdict::critical);
}

TEST_CASE("health lock acquisition: >= 95 % healthy, 85-95 % degraded, < 85 % critical", "[health]") {
    CHECK(verdict_with([](HealthFigures& f) { f.lock_acquisition_rate = 0.95; }) == Verdict::healthy);
    CHECK(verdict_with([](HealthFigures& f) { f.lock_acquisition_rate = 0.94; }) == Verdict::degraded);
    CHECK(verdict_with([](HealthFigures& f) { f.lock_acquisition_rate = 0.85; }) == Verdict::degraded);
    CHECK(verdict_with([](HealthFigures& f) { f.lock_acquisition_rate = 0.84; }) == Verdict::critical);
}

TEST_CASE("health due queue: < 100 healthy, >= 100 degraded", "[health]") {
    CHECK(verdict_with([](HealthFigures& f) { f.due_queue = 99; }) == Verdict::healthy);
    CHECK(verdict_with([](HealthFigures& f) { f.due_queue = 100; }) == Verdict::degraded);
    CHECK(verdict_with([](HealthFigures& f) { f.due_queue = 100000; }) == Verdict::degraded);
}

TEST_CASE("health p95: < 2 s healthy, 2-5 s degraded, > 5 s critical", "[health]") {
    CHECK(verdict_with([](HealthFigures& f) { f.p95_ms = 1999; }) == Verdict::healthy);
    CHECK(verdict_with([](HealthFigures& f) { f.p95_ms = 2000; }) == Verdict::degraded);
    CHECK(verdict_with([](HealthFigures& f) { f.p95_ms = 5000; }) == Verdict::degraded);
    CHECK(verdict_with([](HealthFigures& f) { f.p95_ms = 5001; }) == Verdict::critical);
}

TEST_CASE("health: the worst threshold decides and every miss is a reason", "[health]") {
    HealthFigures f = healthy_figures();
    f.success_rate = 0.92;  // degraded
    f.p95_ms = 6000;        // critical
    f.due_queue = 150;      // degraded
    const auto a = assess_health(f);
    CHECK(a.verdict == Verdict::critical);
    REQUIRE(a.reasons.size() == 3);
    CHECK(a.reasons[0] == "success rate 92.0 % < 95 %");
    CHECK(a.reasons[1] == "due queue 150 >= 100");
    CHECK(a.reasons[2] == "p95 latency 6000.0 ms > 5000 ms");
}

TEST_CASE("health: figures without data do not count", "[health]") {
    HealthFigures f;  // no rates, no latency, empty queue
    const auto a = assess_health(f);
    CHECK(a.verdict == Verdict::healthy);
    CHECK(a.reasons.empty());
}
