// SQL entry point of the retry queue: process_retry_queue (also what the worker calls).
#include "pg/boundary.h"
#include "pg/datum_convert.h"
#include "pg/retry_queue.h"
#include "pg/spi_statement.h"

extern "C" {
#include "utils/inval.h"
}

namespace pg = lead_router::pg;

// process_retry_queue(batch_size int default 100)
//   returns table (processed int, routed int, requeued int, failed int)
LEAD_ROUTER_FUNCTION(lr_process_retry_queue) {
    const int32 batch_size = pg::int32_arg_in_range(fcinfo, 0, "batch_size", 1, pg::kMaxBatchSize);
    ReturnSetInfo* rsinfo = pg::result_set(fcinfo, 4);

    AcceptInvalidationMessages();  // rules changed since our last look are used now
    pg::connect();
    const pg::retry_queue::Counts counts = pg::retry_queue::process(batch_size);
    pg::finish();

    Datum values[] = {Int32GetDatum(counts.processed), Int32GetDatum(counts.routed), Int32GetDatum(counts.requeued),
                      Int32GetDatum(counts.failed)};
    bool nulls[4] = {};
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    return (Datum)0;
}
