// The operations the clients time.  One Flow object per client thread, on that thread's own
// connection; run_once() is one timed operation.
//
//   route_lead       SELECT lead_router.route_lead(id): the product, one call per lead
//   plpgsql          SELECT bench.plpgsql_route_lead(id): the same logic in PL/pgSQL
//   seed_flow        the seed design's client-driven flow, five round trips in their own
//                    transactions, rules evaluated in the client (client_rules.h)
//   route_pending_leads   SELECT lead_router.route_pending_leads(batch): a batch per call
//   process_retry_queue   SELECT lead_router.process_retry_queue(batch): drains due retries
#pragma once

#include <memory>
#include <random>
#include <string>

#include "lead_picker.h"
#include "pq.h"
#include "stats.h"

namespace bench {

class Flow {
public:
    virtual ~Flow() = default;
    // Prepares the statements on the thread's connection (before the clock starts).
    virtual void prepare(Connection& conn) = 0;
    // One operation, counted into `tally`.  Returns false, having done and counted nothing,
    // when no work is left.
    virtual bool run_once(Connection& conn, Tally& tally, std::mt19937_64& rng) = 0;
};

enum class Variant { route_lead, plpgsql, seed_flow };
const char* variant_name(Variant v);

// A single-lead flow over the shared picker.
std::unique_ptr<Flow> make_single_lead_flow(Variant variant, LeadPicker& picker);

// route_pending_leads(batch_size) / process_retry_queue(batch_size) until they return nothing.
std::unique_ptr<Flow> make_batch_flow(int batch_size);
std::unique_ptr<Flow> make_retry_flow(int batch_size);

}  // namespace bench
