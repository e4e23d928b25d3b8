// Trigger functions: the leads row trigger (identity keys, defaults, updated_at, allowed
// status transitions), updated_at maintenance, and the append-only guard on routing_logs.
#include "pg/boundary.h"

#include "core/lead_state_machine.h"
#include "core/user_error.h"
#include "pg/arrival_wakeup.h"
#include "pg/datum_convert.h"
#include "pg/history_pruning.h"
#include "pg/identity_keys.h"
#include "pg/lead_attnums.h"
#include "pg/settings.h"
#include "pg/workspace_cache.h"

extern "C" {
#include "catalog/pg_enum.h"
#include "utils/syscache.h"
}

namespace pg = lead_router::pg;

namespace {

TriggerData* row_trigger_data(FunctionCallInfo fcinfo, const char* name) {
    if (!CALLED_AS_TRIGGER(fcinfo)) {
        ereport(ERROR,
                (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED), errmsg("%s() must be called as a trigger", name)));
    }
    TriggerData* data = reinterpret_cast<TriggerData*>(fcinfo->context);
    if (!TRIGGER_FIRED_BEFORE(data->tg_event) || !TRIGGER_FIRED_FOR_ROW(data->tg_event)) {
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("%s() must be a BEFORE ... FOR EACH ROW trigger", name)));
    }
    return data;
}

const char* status_label(Datum enum_value) {
    HeapTuple tup = SearchSysCache1(ENUMOID, enum_value);
    if (!HeapTupleIsValid(tup)) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("invalid routing status value %u", DatumGetObjectId(enum_value))));
    }
    const char* label = pstrdup(NameStr(reinterpret_cast<Form_pg_enum>(GETSTRUCT(tup))->enumlabel));
    ReleaseSysCache(tup);
    return label;
}

// The row's columns are read through the trigger's slots, which deform each row once, up to
// the highest column read, instead of walking the tuple for every column.
std::string_view text_or_empty(TupleTableSlot* slot, int column) {
    bool isnull;
    const Datum value = slot_getattr(slot, column, &isnull);
    return isnull ? std::string_view() : pg::text_bytes(value);
}

}  // namespace

// leads_before_write(): BEFORE INSERT OR UPDATE ON leads FOR EACH ROW
LEAD_ROUTER_FUNCTION(lr_leads_before_write) {
    TriggerData* trig = row_trigger_data(fcinfo, "leads_before_write");
    const bool inserting = TRIGGER_FIRED_BY_INSERT(trig->tg_event);
    if (!inserting && !TRIGGER_FIRED_BY_UPDATE(trig->tg_event)) {
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("leads_before_write() fires on INSERT or UPDATE only")));
    }
    const TupleDesc desc = trig->tg_relation->rd_att;
    const pg::lead_attnums::Columns& col = pg::lead_attnums::of(trig->tg_relation);
    HeapTuple row = inserting ? trig->tg_trigtuple : trig->tg_newtuple;
    TupleTableSlot* const slot = inserting ? trig->tg_trigslot : trig->tg_newslot;  // the row being written
    TupleTableSlot* const old_slot = inserting ? nullptr : trig->tg_trigslot;

    bool status_null;
    const Datum status = slot_getattr(slot, col.routing_status, &status_null);
    if (!inserting) {
        bool old_null;
        const Datum from = slot_getattr(old_slot, col.routing_status, &old_null);
        if (!old_null && !status_null && from != status) {
            const char* from_label = status_label(from);
            const char* to_label = status_label(status);
            const auto from_status = lead_router::core::lead_status(from_label);
            const auto to_status = lead_router::core::lead_status(to_label);
            if (!from_status || !to_status || !lead_router::core::transition_allowed(*from_status, *to_status)) {
                bool id_null;
                const Datum id = slot_getattr(old_slot, col.id, &id_null);
                ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                                errmsg("lead %s cannot change routing status from %s to %s",
                                       id_null ? "(null)" : pg::uuid_to_cstring(id), from_label, to_label),
                                errhint("routed and expired are final; only pending and failed leads "
                                        "can be locked or expire.")));
            }
        }
    }

    constexpr int kMaxReplaced = 9;
    int columns[kMaxReplaced];
    Datum values[kMaxReplaced];
    bool nulls[kMaxReplaced];
    int replaced = 0;
    const auto replace = [&](int column, Datum value, bool isnull) {
        columns[replaced] = column;
        values[replaced] = value;
        nulls[replaced] = isnull;
        ++replaced;
    };

    // The identity keys (from 0.6.0 on; the library also serves tables still at older
    // versions, which have only dedupe_hash).  Recomputed when an identity field changes,
    // and when the keys are of another identity version: rebuild_identity_keys() asks for
    // that by setting identity_version to NULL.
    const bool keyed = col.email_key > 0 && col.phone_key > 0 && col.identity_version > 0;
    const int32 current_version = keyed ? pg::identity_keys::current_version() : 0;
    bool rebuild_requested = false;
    bool outdated = false;
    if (keyed && !inserting) {
        bool isnull;
        const Datum v = slot_getattr(slot, col.identity_version, &isnull);
        rebuild_requested = isnull;
        outdated = isnull || DatumGetInt32(v) != current_version;
    }
    const auto changed = [&](int column) { return !pg::same_column_value(old_slot, slot, column); };
    const bool fields_changed = inserting || changed(col.email) || changed(col.phone) || changed(col.company_name) ||
                                changed(col.country) || changed(col.dedupe_hash) ||
                                (keyed && (changed(col.email_key) || changed(col.phone_key)));
    if (fields_changed || outdated) {
        bool isnull;
        const Datum source = slot_getattr(slot, col.source_workspace_id, &isnull);
        const char* workspace_region = keyed && !isnull ? pg::workspace_cache::phone_region(source) : "";
        pg::identity_keys::Keys keys{};
        bool unreadable = false;
        try {
            keys = pg::identity_keys::compute({text_or_empty(slot, col.email), text_or_empty(slot, col.phone),
                                               text_or_empty(slot, col.company_name), text_or_empty(slot, col.country),
                                               workspace_region, true});
        } catch (const lead_router::core::UserError& e) {
            // New text that is not UTF-8 is refused (22021).  A lead stored so before its
            // keys existed (a SQL_ASCII database) keeps working: it gets no keys, so it
            // matches no one, and changing anything else about it still works.
            if (fields_changed || strcmp(e.sqlstate(), "22021") != 0) throw;
            keys.version = current_version;
            unreadable = true;
        }
        if (unreadable) {
            ereport(WARNING, (errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
                              errmsg("lead %s has text that is not valid UTF-8: it has no identity keys",
                                     pg::uuid_to_cstring(slot_getattr(slot, col.id, &isnull))),
                              errhint("Correct its email, phone or company to let lead_router recognise the person.")));
        }
        const auto put = [&](int column, const pg::identity_keys::Key& key) {
            replace(column, key.present ? CStringGetTextDatum(key.hex) : (Datum)0, !key.present);
        };
        put(col.dedupe_hash, keys.combined);
        if (keyed) {
            put(col.email_key, keys.email);
            put(col.phone_key, keys.phone);
            replace(col.identity_version, Int32GetDatum(keys.version), false);
        }
    }

    // routing_due_at as it will be written, for the wake-up at commit.  It exists from 0.2.0
    // on; the same library also serves a table still at 0.1.0, which lacks it.
    bool due_null = true;
    Datum due = col.routing_due_at > 0 ? slot_getattr(slot, col.routing_due_at, &due_null) : (Datum)0;
    const TimestampTz now = GetCurrentTransactionStartTimestamp();
    if (inserting) {
        bool isnull;
        slot_getattr(slot, col.workspace_id, &isnull);
        if (isnull) {  // a new lead is owned by the workspace it arrived in
            const Datum source = slot_getattr(slot, col.source_workspace_id, &isnull);
            replace(col.workspace_id, source, isnull);
        }
        if (col.routing_due_at > 0 && due_null) {  // a new lead is due when it arrives
            const Datum created = slot_getattr(slot, col.created_at, &isnull);
            due = isnull ? TimestampTzGetDatum(now) : created;
            due_null = false;
            replace(col.routing_due_at, due, false);
        }
        slot_getattr(slot, col.lead_expires_at, &isnull);
        if (isnull) {
            const TimestampTz ttl = static_cast<TimestampTz>(lead_router::settings::lead_ttl_s) * USECS_PER_SEC;
            replace(col.lead_expires_at, TimestampTzGetDatum(now + ttl), false);
        }
    } else if (!rebuild_requested) {  // a key rebuild is not an update of the lead
        replace(col.updated_at, TimestampTzGetDatum(now), false);
    }

    pg::arrival_wakeup::note_written_lead(due, due_null, status, status_null);  // a due pending lead wakes a worker at commit
    if (replaced > 0) row = heap_modify_tuple_by_cols(row, desc, replaced, columns, values, nulls);
    return PointerGetDatum(row);
}

// set_updated_at(): BEFORE UPDATE FOR EACH ROW on tables with an updated_at column
LEAD_ROUTER_FUNCTION(lr_set_updated_at) {
    TriggerData* trig = row_trigger_data(fcinfo, "set_updated_at");
    if (!TRIGGER_FIRED_BY_UPDATE(trig->tg_event)) return PointerGetDatum(trig->tg_trigtuple);
    const TupleDesc desc = trig->tg_relation->rd_att;
    int column = pg::lead_attnums::required(desc, "updated_at");
    Datum value = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
    bool isnull = false;
    return PointerGetDatum(heap_modify_tuple_by_cols(trig->tg_newtuple, desc, 1, &column, &value, &isnull));
}

// routing_logs_append_only(): BEFORE UPDATE OR DELETE (row) and BEFORE TRUNCATE (statement)
LEAD_ROUTER_FUNCTION(lr_routing_logs_append_only) {
    if (!CALLED_AS_TRIGGER(fcinfo)) {
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("routing_logs_append_only() must be called as a trigger")));
    }
    TriggerData* trig = reinterpret_cast<TriggerData*>(fcinfo->context);
    if (TRIGGER_FIRED_BY_DELETE(trig->tg_event) && TRIGGER_FIRED_FOR_ROW(trig->tg_event) &&
        pg::history_pruning::pruning_now()) {
        return PointerGetDatum(trig->tg_trigtuple);  // the retention job's bounded delete
    }
    ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE), errmsg("routing_logs is append-only"),
                    errdetail("UPDATE, DELETE and TRUNCATE of the routing audit log are refused."),
                    errhint("Old audit rows are removed only by lead_router's retention job.")));
    PG_RETURN_NULL();
}
