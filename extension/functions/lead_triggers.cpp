// Trigger functions: the leads row trigger (identity keys, defaults, updated_at, allowed
// status transitions), updated_at maintenance, and the append-only guard on routing_logs.
#include "pg/boundary.h"

#include "core/lead_state_machine.h"
#include "core/user_error.h"
#include "pg/arrival_wakeup.h"
#include "pg/datum_convert.h"
#include "pg/history_pruning.h"
#include "pg/identity_keys.h"
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

int attnum(TupleDesc desc, const char* column) {
    const int n = SPI_fnumber(desc, column);
    if (n <= 0) {
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                        errmsg("column \"%s\" required by lead_router trigger is missing", column)));
    }
    return n;
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

Datum attr(HeapTuple tuple, TupleDesc desc, int column, bool* isnull) {
    return heap_getattr(tuple, column, desc, isnull);
}

std::string_view text_or_empty(HeapTuple tuple, TupleDesc desc, int column) {
    bool isnull;
    const Datum value = attr(tuple, desc, column, &isnull);
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
    HeapTuple row = inserting ? trig->tg_trigtuple : trig->tg_newtuple;
    HeapTuple old_row = inserting ? nullptr : trig->tg_trigtuple;

    const int email = attnum(desc, "email");
    const int phone = attnum(desc, "phone");
    const int company = attnum(desc, "company_name");
    const int hash = attnum(desc, "dedupe_hash");
    const int status = attnum(desc, "routing_status");

    if (!inserting) {
        bool old_null, new_null;
        const Datum from = attr(old_row, desc, status, &old_null);
        const Datum to = attr(row, desc, status, &new_null);
        if (!old_null && !new_null && from != to) {
            const char* from_label = status_label(from);
            const char* to_label = status_label(to);
            const auto from_status = lead_router::core::lead_status(from_label);
            const auto to_status = lead_router::core::lead_status(to_label);
            if (!from_status || !to_status || !lead_router::core::transition_allowed(*from_status, *to_status)) {
                bool id_null;
                const Datum id = attr(old_row, desc, attnum(desc, "id"), &id_null);
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
    const int country = attnum(desc, "country");
    const int email_key = SPI_fnumber(desc, "email_key");
    const int phone_key = SPI_fnumber(desc, "phone_key");
    const int version = SPI_fnumber(desc, "identity_version");
    const bool keyed = email_key > 0 && phone_key > 0 && version > 0;
    const int32 current_version = keyed ? pg::identity_keys::current_version() : 0;
    bool rebuild_requested = false;
    bool outdated = false;
    if (keyed && !inserting) {
        bool isnull;
        const Datum v = attr(row, desc, version, &isnull);
        rebuild_requested = isnull;
        outdated = isnull || DatumGetInt32(v) != current_version;
    }
    const auto changed = [&](int column) { return !pg::same_column_value(old_row, row, desc, column); };
    const bool fields_changed = inserting || changed(email) || changed(phone) || changed(company) || changed(country) ||
                                changed(hash) || (keyed && (changed(email_key) || changed(phone_key)));
    if (fields_changed || outdated) {
        bool isnull;
        const Datum source = attr(row, desc, attnum(desc, "source_workspace_id"), &isnull);
        const char* workspace_region = keyed && !isnull ? pg::workspace_cache::phone_region(source) : "";
        pg::identity_keys::Keys keys{};
        bool unreadable = false;
        try {
            keys = pg::identity_keys::compute({text_or_empty(row, desc, email), text_or_empty(row, desc, phone),
                                               text_or_empty(row, desc, company), text_or_empty(row, desc, country),
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
                                     pg::uuid_to_cstring(attr(row, desc, attnum(desc, "id"), &isnull))),
                              errhint("Correct its email, phone or company to let lead_router recognise the person.")));
        }
        const auto put = [&](int column, const pg::identity_keys::Key& key) {
            replace(column, key.present ? CStringGetTextDatum(key.hex) : (Datum)0, !key.present);
        };
        put(hash, keys.combined);
        if (keyed) {
            put(email_key, keys.email);
            put(phone_key, keys.phone);
            replace(version, Int32GetDatum(keys.version), false);
        }
    }

    const TimestampTz now = GetCurrentTransactionStartTimestamp();
    if (inserting) {
        bool isnull;
        const int workspace = attnum(desc, "workspace_id");
        attr(row, desc, workspace, &isnull);
        if (isnull) {  // a new lead is owned by the workspace it arrived in
            const Datum source = attr(row, desc, attnum(desc, "source_workspace_id"), &isnull);
            replace(workspace, source, isnull);
        }
        // routing_due_at exists from 0.2.0 on; the same library also serves a table still
        // at 0.1.0, which lacks it.
        const int due = SPI_fnumber(desc, "routing_due_at");
        if (due > 0) {
            attr(row, desc, due, &isnull);
            if (isnull) {  // a new lead is due when it arrives
                const Datum created = attr(row, desc, attnum(desc, "created_at"), &isnull);
                replace(due, isnull ? TimestampTzGetDatum(now) : created, false);
            }
        }
        const int expires = attnum(desc, "lead_expires_at");
        attr(row, desc, expires, &isnull);
        if (isnull) {
            const TimestampTz ttl = static_cast<TimestampTz>(lead_router::settings::lead_ttl_s) * USECS_PER_SEC;
            replace(expires, TimestampTzGetDatum(now + ttl), false);
        }
    } else if (!rebuild_requested) {  // a key rebuild is not an update of the lead
        replace(attnum(desc, "updated_at"), TimestampTzGetDatum(now), false);
    }

    if (replaced > 0) row = heap_modify_tuple_by_cols(row, desc, replaced, columns, values, nulls);
    pg::arrival_wakeup::note_written_lead(row, desc, status);  // a due pending lead wakes a worker at commit
    return PointerGetDatum(row);
}

// set_updated_at(): BEFORE UPDATE FOR EACH ROW on tables with an updated_at column
LEAD_ROUTER_FUNCTION(lr_set_updated_at) {
    TriggerData* trig = row_trigger_data(fcinfo, "set_updated_at");
    if (!TRIGGER_FIRED_BY_UPDATE(trig->tg_event)) return PointerGetDatum(trig->tg_trigtuple);
    const TupleDesc desc = trig->tg_relation->rd_att;
    int column = attnum(desc, "updated_at");
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
