// Trigger functions of routing rules: validation on write, and the cache invalidation that
// makes a committed rule change visible to the next routing in every session.
#include "pg/boundary.h"
#include "pg/datum_convert.h"
#include "pg/destinations.h"
#include "pg/spi_statement.h"

#include "core/rule_engine.h"
#include "pg/jsonb_document.h"

extern "C" {
#include "utils/inval.h"
}

namespace pg = lead_router::pg;

namespace {

// Pure C++: throws core::UserError (22023) naming the bad part.
void validate_document(const pg::jsonb_document::Tokens& tokens) {
    lead_router::core::validate_conditions(pg::jsonb_document::build(tokens));
}

pg::Statement has_pool_stmt = {
    "SELECT EXISTS (SELECT 1 FROM lead_router.routing_rule_destinations WHERE rule_id = $1)", 1, {UUIDOID}};

// A single destination, usable; and not beside a pool (a rule has one or the other).  Pool
// rows can exist only for a rule whose destination was NULL (distribution_validate refuses
// them otherwise), so only such an update looks for them: writing a single-destination rule
// needs no privilege on routing_rule_destinations.
void check_destination(Datum rule, bool had_no_destination, Datum source, Datum destination) {
    pg::connect();
    pg::destinations::require_usable(source, destination, "the rule's own workspace",
                                     "A rule routes leads away from its workspace.");
    const Datum args[] = {rule};
    if (had_no_destination && pg::execute(has_pool_stmt, args, nullptr, true) == 1 && pg::column_bool(0, 1)) {
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                 errmsg("rule %s has a pool and cannot have a single destination", pg::uuid_to_cstring(rule)),
                 errhint("Delete its routing_rule_destinations rows first, or keep destination_workspace_id NULL.")));
    }
    pg::finish();
}

}  // namespace

// routing_rules_validate(): BEFORE INSERT OR UPDATE ON routing_rules FOR EACH ROW
LEAD_ROUTER_FUNCTION(lr_routing_rules_validate) {
    if (!CALLED_AS_TRIGGER(fcinfo)) {
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("routing_rules_validate() must be called as a trigger")));
    }
    TriggerData* trig = reinterpret_cast<TriggerData*>(fcinfo->context);
    const bool inserting = TRIGGER_FIRED_BY_INSERT(trig->tg_event);
    HeapTuple row = inserting ? trig->tg_trigtuple : trig->tg_newtuple;
    // Restoring a dump (pg_dump sets check_function_bodies = off, as for function bodies):
    // the rows were valid when written, and a rule whose destination has been deactivated
    // since must come back as it was.  The rule cache validates every rule it compiles.
    if (!check_function_bodies) return PointerGetDatum(row);
    const TupleDesc desc = trig->tg_relation->rd_att;
    const int conditions = SPI_fnumber(desc, "conditions");
    const int source = SPI_fnumber(desc, "workspace_id");
    const int destination = SPI_fnumber(desc, "destination_workspace_id");
    if (conditions <= 0 || source <= 0 || destination <= 0) {
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                        errmsg("routing_rules_validate() needs conditions, workspace_id and "
                               "destination_workspace_id columns")));
    }

    bool isnull;
    if (inserting || !pg::same_column_value(trig->tg_trigslot, trig->tg_newslot, conditions)) {
        const Datum value = heap_getattr(row, conditions, desc, &isnull);
        if (!isnull) {  // NOT NULL reports a missing value itself
            validate_document(pg::jsonb_document::read(DatumGetJsonbP(value)));
        }
    }
    if (inserting || !pg::same_column_value(trig->tg_trigslot, trig->tg_newslot, destination) ||
        !pg::same_column_value(trig->tg_trigslot, trig->tg_newslot, source)) {
        bool source_null, destination_null;
        const Datum s = heap_getattr(row, source, desc, &source_null);
        const Datum d = heap_getattr(row, destination, desc, &destination_null);
        bool rule_null, old_destination_null = false;
        const Datum rule = heap_getattr(row, SPI_fnumber(desc, "id"), desc, &rule_null);
        if (!inserting) heap_getattr(trig->tg_trigtuple, destination, desc, &old_destination_null);
        if (!source_null && !destination_null) {
            check_destination(rule, !inserting && !rule_null && old_destination_null, s, d);
        }
    }
    return PointerGetDatum(row);
}

// routing_rules_changed(): AFTER ... FOR EACH STATEMENT on routing_rules and workspaces
LEAD_ROUTER_FUNCTION(lr_routing_rules_changed) {
    if (!CALLED_AS_TRIGGER(fcinfo)) {
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("routing_rules_changed() must be called as a trigger")));
    }
    // Delivered to every backend (this one at the next command, others at commit), where
    // the rule cache's relcache callback marks the compiled rules stale.
    CacheInvalidateRelcache(reinterpret_cast<TriggerData*>(fcinfo->context)->tg_relation);
    return PointerGetDatum(nullptr);
}
