// Catch2 hooks of the integration tests: a statement error that escapes a test case fails it
// with the server's message, its SQLSTATE and the statement (pqxx::sql_error::what() alone
// names neither); and the runs shared by several test cases drop their databases when the test
// run ends, not from a static destructor at exit, when libpqxx's own statics may be gone.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>

#include "concurrent_routing_run.h"
#include "identity_concurrency_run.h"
#include "test_database.h"

CATCH_TRANSLATE_EXCEPTION(const pqxx::sql_error& e) { return lrtest::describe(e); }

namespace {

struct ReleaseSharedRuns : Catch::TestEventListenerBase {
    using TestEventListenerBase::TestEventListenerBase;
    void testRunEnded(const Catch::TestRunStats& stats) override {
        lrtest::release_concurrent_run();
        lrtest::identity::release_identity_run();
        TestEventListenerBase::testRunEnded(stats);
    }
};

}  // namespace

CATCH_REGISTER_LISTENER(ReleaseSharedRuns)
