// SQL entry points of routing: route_lead, route_pending_leads, explain_route.
#include "pg/access_control.h"
#include "pg/boundary.h"

#include <cstring>

#include "pg/datum_convert.h"
#include "pg/lead_fields.h"
#include "pg/lead_transitions.h"
#include "pg/route_distribution.h"
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
    put(has_key ? CStringGetTextDatum(lead_router::core::duplicate_key_name(o.duplicate_key)) : (Datum)0, !has_key);
    Assert(i == kResultColumns);
}

}  // namespace

// route_lead(lead_id uuid, source_workspace_id uuid default null, max_attempts int default 3)
//   returns lead_router.route_result
LEAD_ROUTER_FUNCTION(lr_route_lead) {
    pg::require_not_null(fcinfo, 0, "lead_id");
    const int32 max_attempts = pg::int32_arg_in_range(fcinfo, 2, "max_attempts", 1, pg::kMaxAttemptsLimit);
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
    "SELECT " LEAD_ROUTER_LEAD_COLUMNS " FROM lead_router.leads l WHERE l.id = $1", 2, {UUIDOID, TIMESTAMPTZOID}};

constexpr int kExplainColumns = 12;

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
//   destination_workspace_id, matched, failed_condition, expected, lead_value, weight,
//   eligible, ineligible_reason, next_pick): a pool rule once per member
LEAD_ROUTER_FUNCTION(lr_explain_route) {
    namespace rd = pg::route_distribution;
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

    // The rules, copied out of the cache before anything else reads a table.
    const lead_router::core::RuleSet& rules = pg::rule_cache::rules_for(source);
    auto* values =
        static_cast<lead_router::core::Value*>(palloc0(sizeof(lead_router::core::Value) * (rules.fields().size() + 1)));
    pg::lead_fields::fill_values(rules, lead->vals[0], lead->tupdesc, values);
    const int n = static_cast<int>(rules.size());
    ExplainRow* rows = static_cast<ExplainRow*>(palloc(sizeof(ExplainRow) * (n + 1)));
    rd::MatchedRule* copies = static_cast<rd::MatchedRule*>(palloc(sizeof(rd::MatchedRule) * (n + 1)));
    bool* matched = static_cast<bool*>(palloc(sizeof(bool) * (n + 1)));
    char** names = static_cast<char**>(palloc(sizeof(char*) * (n + 1)));
    int32* priorities = static_cast<int32*>(palloc(sizeof(int32) * (n + 1)));
    for (int i = 0; i < n; ++i) {
        const lead_router::core::RuleSpec& rule = rules.rule(static_cast<std::size_t>(i));
        rows[i] = explain_rule(rules, static_cast<std::size_t>(i), values);
        matched[i] = rows[i].matched;
        copies[i] = rd::copy_rule(rule);
        names[i] = pstrdup(rule.name.c_str());
        priorities[i] = rule.priority;
    }

    rd::Explained** explained = static_cast<rd::Explained**>(palloc(sizeof(rd::Explained*) * (n + 1)));
    rd::explain(copies, matched, n, explained);
    for (int i = 0; i < n; ++i) {
        for (int m = 0; m < copies[i].members; ++m) {
            const rd::Explained& e = explained[i][m];
            Datum out[kExplainColumns];
            bool out_nulls[kExplainColumns] = {};
            int c = 0;
            const auto put = [&](Datum value, bool null = false) {
                out_nulls[c] = null;
                out[c++] = null ? (Datum)0 : value;
            };
            put(pg::uuid_datum(copies[i].rule));
            put(CStringGetTextDatum(names[i]));
            put(Int32GetDatum(priorities[i]));
            put(pg::uuid_datum(copies[i].destination[m]));
            put(BoolGetDatum(rows[i].matched));
            put(rows[i].matched ? (Datum)0 : CStringGetTextDatum(rows[i].failed_condition), rows[i].matched);
            put(rows[i].matched ? (Datum)0 : CStringGetTextDatum(rows[i].expected), rows[i].matched);
            put(rows[i].matched ? (Datum)0 : CStringGetTextDatum(rows[i].lead_value), rows[i].matched);
            put(Int32GetDatum(copies[i].weight[m]), !copies[i].pool);
            put(BoolGetDatum(e.eligible));
            put(e.reason, e.reason == (Datum)0);
            put(BoolGetDatum(e.next_pick));
            Assert(c == kExplainColumns);
            tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, out, out_nulls);
        }
    }
    pg::finish();
    return (Datum)0;
}
