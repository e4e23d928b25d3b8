// Saved SPI plans and small result readers.
#include "pg/spi_statement.h"

extern "C" {
#include "utils/snapmgr.h"
}

namespace lead_router::pg {
namespace {

// A statement that does not prepare is, nearly always, a library newer than the installed
// SQL objects: the error says so.
void prepare_context(void*) {
    errcontext(
        "lead_router library %s preparing one of its statements; after installing a new "
        "library, run ALTER EXTENSION lead_router UPDATE in each database",
        LEAD_ROUTER_VERSION);
}

SPIPlanPtr prepared_plan(Statement& stmt) {
    if (stmt.plan == nullptr) {
        ErrorContextCallback context = {error_context_stack, prepare_context, nullptr};
        error_context_stack = &context;
        // Generic plans always: every statement is keyed by ids or arrays of them, and with an
        // array parameter the custom plans (which know its length) always look cheaper than
        // the generic one, so the plan cache would otherwise plan again on every call.
        SPIPlanPtr plan = SPI_prepare_cursor(stmt.sql, stmt.nargs, stmt.argtypes, CURSOR_OPT_GENERIC_PLAN);
        if (plan == nullptr) {
            ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                            errmsg("could not prepare lead_router statement: %s", SPI_result_code_string(SPI_result))));
        }
        if (SPI_keepplan(plan) != 0) {
            ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not keep lead_router statement plan")));
        }
        error_context_stack = context.previous;
        stmt.plan = plan;
    }
    return stmt.plan;
}

}  // namespace

uint64 execute(Statement& stmt, const Datum* values, const char* nulls, bool read_only, long max_rows) {
    const int rc = SPI_execute_plan(prepared_plan(stmt), const_cast<Datum*>(values), nulls, read_only, max_rows);
    if (rc < 0) {
        ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                        errmsg("lead_router statement failed: %s", SPI_result_code_string(rc))));
    }
    return SPI_processed;
}

uint64 execute_latest(Statement& stmt, const Datum* values, const char* nulls, long max_rows) {
    const int rc = SPI_execute_snapshot(prepared_plan(stmt), const_cast<Datum*>(values), nulls, GetLatestSnapshot(),
                                        InvalidSnapshot, false, false, max_rows);
    if (rc < 0) {
        ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                        errmsg("lead_router statement failed: %s", SPI_result_code_string(rc))));
    }
    return SPI_processed;
}

Datum column(uint64 row, int col, bool* isnull) {
    return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, isnull);
}

bool column_bool(uint64 row, int col) {
    bool isnull;
    const Datum d = column(row, col, &isnull);
    return !isnull && DatumGetBool(d);
}

int32 column_int32(uint64 row, int col) {
    bool isnull;
    const Datum d = column(row, col, &isnull);
    return isnull ? 0 : DatumGetInt32(d);
}

void connect() {
    const int rc = SPI_connect();
    if (rc != SPI_OK_CONNECT) {
        ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("SPI_connect failed: %s", SPI_result_code_string(rc))));
    }
}

void finish() {
    const int rc = SPI_finish();
    if (rc != SPI_OK_FINISH) {
        ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("SPI_finish failed: %s", SPI_result_code_string(rc))));
    }
}

}  // namespace lead_router::pg
