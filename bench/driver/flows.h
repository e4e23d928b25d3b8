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

#include <map>
#include <memory>
#include <mutex>
#include <optional>
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
    // The latency to record for the last operation when the flow timed one part of it itself
    // (the sustained flow times route_lead, not the INSERT before it); none: the whole.
    virtual std::optional<double> timed_ms() const { return std::nullopt; }
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

// route_lead's answers in the identity scenario, the first decided one per lead (not locked):
// its status, the original it named and the key that matched (NULL on 0.5.0, which has none).
struct RouteAnswer {
    std::string status;
    std::optional<std::string> duplicate_lead_id, duplicate_key;
};
class AnswerLog {
public:
    void record(const std::string& lead, RouteAnswer answer);
    std::map<std::string, RouteAnswer> answers() const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, RouteAnswer> answers_;
};

// route_lead(id) over the picker, its answers kept in `log`.
std::unique_ptr<Flow> make_identity_flow(LeadPicker& picker, AnswerLog& log);

// The sustained scenario's client `client`: each operation inserts one new lead (as an
// application would: a prepared INSERT ... RETURNING id with its values as parameters) and
// routes it with route_lead; the operation's latency is route_lead's.  The leads: a share
// nomatch_share match no rule, a share dup_share repeat, in capitals, the email and phone of a
// lead this client inserted before (a duplicate when that one was routed), the rest are new
// people; every value is a function of (client, sequence number).
std::unique_ptr<Flow> make_sustained_flow(int client, double dup_share, double nomatch_share);

// Each statement once, in order, one per operation (the maintenance functions).
std::unique_ptr<Flow> make_once_flow(std::vector<std::string> statements);

}  // namespace bench
