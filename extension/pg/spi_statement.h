// SQL statements run through SPI: prepared once per backend with parameters and kept
// (SPI_keepplan), never built from input.  Callers declare them as constant-initialised
// statics, so nothing runs at library load:
//
//   static pg::Statement lock_lead = {"UPDATE ... WHERE id = $1", 1, {UUIDOID}};
//   int rows = pg::execute(lock_lead, values, nulls);
//
// Every statement names its objects schema-qualified; the functions that run them also pin
// search_path, so a hostile search_path can capture nothing.
#pragma once

#include "pg/postgres_headers.h"

namespace lead_router::pg {

constexpr int kMaxStatementArgs = 10;

struct Statement {
    const char* sql;
    int nargs;
    Oid argtypes[kMaxStatementArgs];
    SPIPlanPtr plan;
};

// Runs the statement (preparing it on first use) and returns SPI_processed.
// `nulls` may be nullptr when no argument is NULL.  Requires SPI_connect.
uint64 execute(Statement& stmt, const Datum* values, const char* nulls, bool read_only, long max_rows = 0);

// Like execute(), but reads with the latest snapshot instead of the statement's or the
// transaction's, so that it sees what committed since (as PostgreSQL's RI checks do).  Not
// read-only, so the command counter advances and this transaction's own earlier changes
// are seen too.
uint64 execute_latest(Statement& stmt, const Datum* values, const char* nulls, long max_rows = 0);

// Convenience readers for row `row` of SPI_tuptable; column numbers start at 1.
Datum column(uint64 row, int col, bool* isnull);
bool column_bool(uint64 row, int col);    // NULL reads as false
int32 column_int32(uint64 row, int col);  // NULL reads as 0

// SPI_connect / SPI_finish with an explicit SQLSTATE on failure.
void connect();
void finish();

}  // namespace lead_router::pg
