// The driver's libpq wrappers are the integration tests' (test/integration/pg_connection.h):
// one PGconn per Connection (used by one thread), one PGresult per Result, data only ever as
// parameters, and prepared statements, because every client an application would run
// (PostgREST, node-postgres, JDBC) prepares its statements and the comparison between the
// flows must not be decided by parse/plan overhead on one side only.
#pragma once

#include "pg_connection.h"

namespace bench {

using lrtest::Connection;
using lrtest::Param;
using lrtest::PgError;
using lrtest::Result;

}  // namespace bench
