// The operations the clients time.  One Flow object per client thread, on that thread's own
// libpqxx connection; run_once() is one timed operation.  Every statement is prepared once per
// connection, before the clock starts, and run with its values as parameters only: every
// client an application would run (PostgREST, node-postgres, JDBC) prepares its statements,
// and the comparison between the flows must not be decided by parse/plan overhead on one side
// only.
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
#include <vector>

#include <pqxx/pqxx>

#include "lead_picker.h"
#include "stats.h"

namespace bench {

class Flow {
public:
    virtual ~Flow() = default;
    // Prepares the statements on the thread's connection (before the clock starts).
    virtual void prepare(pqxx::connection& conn) = 0;
    // One operation, counted into `tally`.  Returns false, having done and counted nothing,
    // when no work is left.
    virtual bool run_once(pqxx::connection& conn, Tally& tally, std::mt19937_64& rng) = 0;
};

enum class Variant { route_lead, plpgsql, seed_flow };
const char* variant_name(Variant v);

// A single-lead flow over the shared picker.
std::unique_ptr<Flow> make_single_lead_flow(Variant variant, LeadPicker& picker);

// route_lead(id, NULL, max_attempts) over the picker: the plan capture's last attempt (a lead
// that matches no rule fails instead of being queued).
std::unique_ptr<Flow> make_route_lead_flow(LeadPicker& picker, int max_attempts);

// route_pending_leads(batch_size) / process_retry_queue(batch_size) until they return nothing.
std::unique_ptr<Flow> make_batch_flow(int batch_size);
std::unique_ptr<Flow> make_retry_flow(int batch_size);

// Each statement once, in order, one per operation (the maintenance functions).
std::unique_ptr<Flow> make_once_flow(std::vector<std::string> statements);

}  // namespace bench
