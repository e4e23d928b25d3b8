// Trigger functions of distribution: pool members, caps and accepting hours validated on
// write (22023 naming the bad part), and the check, at commit, that a rule without a single
// destination has a pool.
#include "pg/boundary.h"
#include "pg/datum_convert.h"
#include "pg/destinations.h"
#include "pg/spi_statement.h"

#include "core/capacity_window.h"

extern "C" {
#include "utils/date.h"
}

namespace pg = lead_router::pg;

namespace {

pg::Statement rule_of_member_stmt = {
    "SELECT workspace_id, destination_workspace_id IS NOT NULL, name FROM lead_router.routing_rules WHERE id = $1",
    1,
    {UUIDOID}};
pg::Statement workspace_kind_stmt = {
    "SELECT workspace_type = 'partner' FROM lead_router.workspaces WHERE id = $1", 1, {UUIDOID}};
pg::Statement rule_without_pool_stmt = {
    R"sql(
SELECT r.name FROM lead_router.routing_rules r
 WHERE r.id = $1 AND r.destination_workspace_id IS NULL
   AND NOT EXISTS (SELECT 1 FROM lead_router.routing_rule_destinations p WHERE p.rule_id = r.id))sql",
    1,
    {UUIDOID}};

Datum field(HeapTuple row, TupleDesc desc, const char* name, bool* isnull) {
    const int attnum = SPI_fnumber(desc, name);
    if (attnum <= 0) {
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN), errmsg("column \"%s\" is missing", name)));
    }
    return heap_getattr(row, attnum, desc, isnull);
}

void validate_member(HeapTuple row, TupleDesc desc) {
    bool isnull;
    const Datum weight = field(row, desc, "weight", &isnull);
    if (!isnull && (DatumGetInt32(weight) < 1 || DatumGetInt32(weight) > 1000)) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("pool member weight %d is out of range", DatumGetInt32(weight)),
                        errdetail("A weight is between 1 and 1000.")));
    }
    bool rule_null, destination_null;
    const Datum rule = field(row, desc, "rule_id", &rule_null);
    const Datum destination = field(row, desc, "destination_workspace_id", &destination_null);
    if (rule_null || destination_null) return;  // NOT NULL reports it
    pg::connect();
    const Datum args[] = {rule};
    if (pg::execute(rule_of_member_stmt, args, nullptr, true) == 1) {
        const Datum source = pg::column(0, 1, &isnull);
        if (pg::column_bool(0, 2)) {
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("rule \"%s\" has a single destination and cannot have a pool",
                                   pg::clipped_for_message(TextDatumGetCString(pg::column(0, 3, &isnull)), 100)),
                            errhint("Set the rule's destination_workspace_id to NULL to distribute over a pool.")));
        }
        pg::destinations::require_usable(source, destination, "the rule's own workspace",
                                         "A rule routes leads away from its workspace.");
    }
    pg::finish();
}

// Caps and hours belong to partner workspaces.
void require_partner(HeapTuple row, TupleDesc desc) {
    bool isnull;
    const Datum workspace = field(row, desc, "workspace_id", &isnull);
    if (isnull) return;
    pg::connect();
    const Datum args[] = {workspace};
    if (pg::execute(workspace_kind_stmt, args, nullptr, true) == 1 && !pg::column_bool(0, 1)) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("workspace %s is not a partner workspace", pg::uuid_to_cstring(workspace)),
                        errdetail("Caps and accepting hours limit what a partner receives.")));
    }
    pg::finish();
}

void validate_cap(HeapTuple row, TupleDesc desc) {
    bool isnull;
    const Datum period = field(row, desc, "period", &isnull);
    if (!isnull && !lead_router::core::cap_period(pg::text_bytes(period))) {
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                 errmsg("cap period \"%s\" is not known", pg::clipped_for_message(TextDatumGetCString(period), 40)),
                 errhint("A cap counts per hour, day, week or month.")));
    }
    const Datum max = field(row, desc, "max_leads", &isnull);
    if (!isnull && DatumGetInt32(max) < 0) {
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("cap max_leads %d is negative", DatumGetInt32(max)),
                 errhint("Use 0 to stop a partner from receiving leads in a window.")));
    }
    require_partner(row, desc);
}

void validate_hours(HeapTuple row, TupleDesc desc) {
    bool isnull;
    const Datum weekday = field(row, desc, "iso_weekday", &isnull);
    if (!isnull && (DatumGetInt16(weekday) < 1 || DatumGetInt16(weekday) > 7)) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("iso_weekday %d is out of range", DatumGetInt16(weekday)),
                        errdetail("ISO weekdays run from 1 (Monday) to 7 (Sunday).")));
    }
    bool opens_null, closes_null;
    const Datum opens = field(row, desc, "opens", &opens_null);
    const Datum closes = field(row, desc, "closes", &closes_null);
    if (!opens_null && !closes_null && DatumGetTimeADT(opens) >= DatumGetTimeADT(closes)) {
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                 errmsg("opens %s is not before closes %s", DatumGetCString(DirectFunctionCall1(time_out, opens)),
                        DatumGetCString(DirectFunctionCall1(time_out, closes))),
                 errhint("A span across midnight is two rows: one until 24:00, one from 00:00.")));
    }
    require_partner(row, desc);
}

TriggerData* trigger_data(FunctionCallInfo fcinfo, const char* name) {
    if (!CALLED_AS_TRIGGER(fcinfo)) {
        ereport(ERROR,
                (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED), errmsg("%s() must be called as a trigger", name)));
    }
    return reinterpret_cast<TriggerData*>(fcinfo->context);
}

}  // namespace

// distribution_validate(): BEFORE INSERT OR UPDATE FOR EACH ROW on routing_rule_destinations,
// partner_caps and partner_hours
LEAD_ROUTER_FUNCTION(lr_distribution_validate) {
    TriggerData* trig = trigger_data(fcinfo, "distribution_validate");
    HeapTuple row = TRIGGER_FIRED_BY_INSERT(trig->tg_event) ? trig->tg_trigtuple : trig->tg_newtuple;
    // A dump being restored carries rows that were valid when written.
    if (!check_function_bodies) return PointerGetDatum(row);
    const TupleDesc desc = trig->tg_relation->rd_att;
    const char* table = RelationGetRelationName(trig->tg_relation);
    if (strcmp(table, "routing_rule_destinations") == 0) {
        validate_member(row, desc);
    } else if (strcmp(table, "partner_caps") == 0) {
        validate_cap(row, desc);
    } else if (strcmp(table, "partner_hours") == 0) {
        validate_hours(row, desc);
    }
    return PointerGetDatum(row);
}

// routing_rules_have_destinations(): AFTER ... DEFERRABLE INITIALLY DEFERRED FOR EACH ROW on
// routing_rules (the rule written) and routing_rule_destinations (the rule of a member moved
// or removed)
LEAD_ROUTER_FUNCTION(lr_routing_rules_have_destinations) {
    TriggerData* trig = trigger_data(fcinfo, "routing_rules_have_destinations");
    if (!check_function_bodies) return PointerGetDatum(nullptr);
    const TupleDesc desc = trig->tg_relation->rd_att;
    const bool rules = strcmp(RelationGetRelationName(trig->tg_relation), "routing_rules") == 0;
    HeapTuple row = rules && TRIGGER_FIRED_BY_UPDATE(trig->tg_event) ? trig->tg_newtuple : trig->tg_trigtuple;
    bool isnull;
    const Datum rule = field(row, desc, rules ? "id" : "rule_id", &isnull);
    if (isnull) return PointerGetDatum(nullptr);
    pg::connect();
    const Datum args[] = {rule};
    if (pg::execute_latest(rule_without_pool_stmt, args, nullptr) == 1) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("rule \"%s\" has no destination",
                               pg::clipped_for_message(TextDatumGetCString(pg::column(0, 1, &isnull)), 100)),
                        errdetail("Its destination_workspace_id is NULL and it has no routing_rule_destinations rows."),
                        errhint("Give the rule a destination_workspace_id, or pool rows in the same transaction.")));
    }
    pg::finish();
    return PointerGetDatum(nullptr);
}
