// SQL entry points of routing: route_lead, route_pending_leads, explain_route.
#include "pg/access_control.h"
#include "pg/boundary.h"

#include <cstring>

#include "pg/datum_convert.h"
#include "pg/lead_fields.h"
#include "pg/lead_transitions.h"
#include "pg/route_flow.h"
#include "pg/rule_cache.h"
#include "pg/spi_statement.h"

namespace pg = lead_router::pg;
namespace flow = lead_router::pg::route_flow;

namespace {

constexpr int32 kDefaultMaxAttempts = 3;

// The columns of lead_router.route_result, in order, after an optional leading lead_id.
constexpr int kResultColumns = 9;

void outcome_datums(const flow::Outcome& o, Datum* values, bool* nulls) {
    int i = 0;
    const auto put = [&](Datum value, bool isnull = false) {
        nulls[i] = isnull;
        values[i++] = isnull ? (Datum)0 : value;
    };
    const bool routed = o.status == flow::Status::routed;
    const bool duplicate = o.status == flow::Status::duplicate;
    const char* error = lead_router::core::reason_message(o.reason);
    put(BoolGetDatum(lead_router::core::succeeded(o.status)));
    put(CStringGetTextDatum(lead_router::core::route_outcome_name(o.status)));
    put(routed ? pg::uuid_datum(o.destination) : (Datum)0, !routed);
    put(routed && o.has_rule ? pg::uuid_datum(o.rule) : (Datum)0, !(routed && o.has_rule));
    put(BoolGetDatum(duplicate));
    put(duplicate ? pg::uuid_datum(o.duplicate_lead) : (Datum)0, !duplicate);
    put(error ? CStringGetTextDatum(error) : (Datum)0, error == nullptr);
    put(Int32GetDatum(o.attempt));
    const bool has_key = duplicate && o.has_duplicate_key;
    put(has_key ? CStringGetTextDatum(lead_router::core::duplicate_key_name(o.duplicate_key)) : (Datum)0,
        !has_key);
    Assert(i == kResultColumns);
}

}  // namespace

// route_lead(lead_id uuid, source_workspace_id uuid default null, max_attempts int default 3)
//   returns lead_router.route_result
LEAD_ROUTER_FUNCTION(lr_route_lead) {
    pg::require_not_null(fcinfo, 0, "lead_id");
    const int32 max_attempts =
        pg::int32_arg_in_range(fcinfo, 2, "max_attempts", 1, pg::kMaxAttemptsLimit);
    const TupleDesc desc = pg::result_row(fcinfo, kResultColumns);
    const pg_uuid_t* source = PG_ARGISNULL(1) ? nullptr : PG_GETARG_UUID_P(1);

    pg::connect();
    const flow::Outcome outcome = flow::route_by_id(PG_GETARG_DATUM(0), source, max_attempts);
    pg::finish();

    Datum values[kResultColumns];
    bool nulls[kResultColumns] = {};
    outcome_datums(outcome, values, nulls);
    return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
}

// route_pending_leads(batch_size int default 100)
//   returns table (lead_id uuid, <route_result columns>)
LEAD_ROUTER_FUNCTION(lr_route_pending_leads) {
    const int32 batch_size = pg::int32_arg_in_range(fcinfo, 0, "batch_size", 1, pg::kMaxBatchSize);
    ReturnSetInfo* rsinfo = pg::result_set(fcinfo, 1 + kResultColumns);

    pg::connect();
    SPITupleTable* leads = flow::lock_due_pending(batch_size);
    const int count = static_cast<int>(SPI_processed);
    int32* max_attempts = static_cast<int32*>(palloc(sizeof(int32) * (count + 1)));
    for (int i = 0; i < count; ++i) max_attempts[i] = kDefaultMaxAttempts;
    flow::Outcome* outcomes = static_cast<flow::Outcome*>(palloc(sizeof(flow::Outcome) * (count + 1)));
    flow::route_rows(leads->vals, leads->tupdesc, count, max_attempts, outcomes);
    for (int i = 0; i < count; ++i) {
        Datum values[1 + kResultColumns];
        bool nulls[1 + kResultColumns] = {};
        values[0] = SPI_getbinval(leads->vals[i], leads->tupdesc, pg::lead_fields::kId, &nulls[0]);
        outcome_datums(outcomes[i], values + 1, nulls + 1);
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
    pg::finish();
    return (Datum)0;
}

namespace {

pg::Statement read_lead_stmt = {
    "SELECT " LEAD_ROUTER_LEAD_COLUMNS " FROM lead_router.leads l WHERE l.id = $1",
    2,
    {UUIDOID, TIMESTAMPTZOID}};

constexpr int kExplainColumns = 8;

// One explain_route row, copied out of the C++ explanation into palloc'd text.
struct ExplainRow {
    bool matched;
    char* failed_condition;
    char* expected;
    char* lead_value;
};

ExplainRow explain_rule(const lead_router::core::RuleSet& rules, std::size_t index,
                        const lead_router::core::Value* values) {
    ExplainRow row{};
    const lead_router::core::Explanation e = rules.explain(index, values);
    pg::call([&]() noexcept {
        row.matched = e.matched;
        if (!e.matched) {
            row.failed_condition = pstrdup(e.failed_path.c_str());
            row.expected = pstrdup(e.expected.c_str());
            row.lead_value = pstrdup(e.actual.c_str());
        }
    });
    return row;
}

}  // namespace

// explain_route(lead_id uuid) returns table (rule_id, rule_name, priority,
//   destination_workspace_id, matched, failed_condition, expected, lead_value)
LEAD_ROUTER_FUNCTION(lr_explain_route) {
    pg::require_not_null(fcinfo, 0, "lead_id");
    const Datum lead_id = PG_GETARG_DATUM(0);
    ReturnSetInfo* rsinfo = pg::result_set(fcinfo, kExplainColumns);

    pg::connect();
    const Datum args[] = {lead_id, TimestampTzGetDatum(GetCurrentTransactionStartTimestamp())};
    if (pg::execute(read_lead_stmt, args, nullptr, true) != 1) {
        pg::transitions::raise_unknown_lead(lead_id);
    }
    SPITupleTable* lead = SPI_tuptable;
    bool isnull;
    const Datum source = SPI_getbinval(lead->vals[0], lead->tupdesc, pg::lead_fields::kSource, &isnull);
    pg::access_control::require_lead_access(lead_id, source);
    const lead_router::core::RuleSet& rules = pg::rule_cache::rules_for(source);
    auto* values = static_cast<lead_router::core::Value*>(
        palloc0(sizeof(lead_router::core::Value) * (rules.fields().size() + 1)));
    pg::lead_fields::fill_values(rules, lead->vals[0], lead->tupdesc, values);

    for (std::size_t i = 0; i < rules.size(); ++i) {
        const lead_router::core::RuleSpec& rule = rules.rule(i);
        const ExplainRow row = explain_rule(rules, i, values);
        pg_uuid_t id, destination;
        std::memcpy(id.data, rule.id.data(), UUID_LEN);
        std::memcpy(destination.data, rule.destination.data(), UUID_LEN);
        Datum out[kExplainColumns];
        bool out_nulls[kExplainColumns] = {};
        out[0] = pg::uuid_datum(id);
        out[1] = CStringGetTextDatum(rule.name.c_str());
        out[2] = Int32GetDatum(rule.priority);
        out[3] = pg::uuid_datum(destination);
        out[4] = BoolGetDatum(row.matched);
        out_nulls[5] = out_nulls[6] = out_nulls[7] = row.matched;
        out[5] = row.matched ? (Datum)0 : CStringGetTextDatum(row.failed_condition);
        out[6] = row.matched ? (Datum)0 : CStringGetTextDatum(row.expected);
        out[7] = row.matched ? (Datum)0 : CStringGetTextDatum(row.lead_value);
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, out, out_nulls);
    }
    pg::finish();
    return (Datum)0;
}
