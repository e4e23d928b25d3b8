// SQL entry point of the retry queue: process_retry_queue (also what the worker calls).
#include "pg/boundary.h"
#include "pg/datum_convert.h"
#include "pg/retry_queue.h"
#include "pg/spi_statement.h"

extern "C" {
#include "utils/inval.h"
}

namespace pg = lead_router::pg;

namespace {
constexpr int32 kMaxBatchSize = 10000;
}

// process_retry_queue(batch_size int default 100)
//   returns table (processed int, routed int, requeued int, failed int)
LEAD_ROUTER_FUNCTION(lr_process_retry_queue) {
    pg::require_not_null(fcinfo, 0, "batch_size");
    const int32 batch_size = PG_GETARG_INT32(0);
    if (batch_size < 1 || batch_size > kMaxBatchSize) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("batch_size must be between 1 and %d, not %d", kMaxBatchSize,
                               batch_size)));
    }
    InitMaterializedSRF(fcinfo, 0);
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);

    AcceptInvalidationMessages();  // rules changed since our last look are used now
    pg::connect();
    const pg::retry_queue::Counts counts = pg::retry_queue::process(batch_size);
    pg::finish();

    Datum values[] = {Int32GetDatum(counts.processed), Int32GetDatum(counts.routed),
                      Int32GetDatum(counts.requeued), Int32GetDatum(counts.failed)};
    bool nulls[4] = {};
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    return (Datum)0;
}
