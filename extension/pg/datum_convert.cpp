// Argument checks and datum conversions shared by the entry points.
#include "pg/datum_convert.h"

namespace lead_router::pg {

namespace {

void require_width(FunctionCallInfo fcinfo, TupleDesc desc, int columns) {
    if (desc->natts == columns) return;
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("%s() returns %d columns in the installed SQL, the lead_router library %s "
                           "returns %d",
                           get_func_name(fcinfo->flinfo->fn_oid), desc->natts, LEAD_ROUTER_VERSION, columns),
                    errhint("Run ALTER EXTENSION lead_router UPDATE after installing a new library.")));
}

}  // namespace

TupleDesc result_row(FunctionCallInfo fcinfo, int columns) {
    TupleDesc desc;
    if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE) {
        ereport(ERROR,
                (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                 errmsg("%s() must be called in a context that accepts a row", get_func_name(fcinfo->flinfo->fn_oid))));
    }
    require_width(fcinfo, desc, columns);
    return BlessTupleDesc(desc);
}

ReturnSetInfo* result_set(FunctionCallInfo fcinfo, int columns) {
    InitMaterializedSRF(fcinfo, 0);
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    require_width(fcinfo, rsinfo->setDesc, columns);
    return rsinfo;
}

void require_not_null(FunctionCallInfo fcinfo, int n, const char* name) {
    if (PG_ARGISNULL(n)) {
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("argument \"%s\" must not be null", name)));
    }
}

int32 int32_arg_in_range(FunctionCallInfo fcinfo, int n, const char* name, int32 low, int32 high) {
    require_not_null(fcinfo, n, name);
    const int32 value = PG_GETARG_INT32(n);
    if (value < low || value > high) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("%s must be between %d and %d, not %d", name, low, high, value)));
    }
    return value;
}

namespace {

Datum interval_literal(const char* text) {
    return DirectFunctionCall3(interval_in, CStringGetDatum(text), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

}  // namespace

Interval* interval_arg_in_range(FunctionCallInfo fcinfo, int n, const char* name, const char* low, const char* high) {
    require_not_null(fcinfo, n, name);
    const Datum value = PG_GETARG_DATUM(n);
    if (DatumGetInt32(DirectFunctionCall2(interval_cmp, value, interval_literal(low))) < 0 ||
        DatumGetInt32(DirectFunctionCall2(interval_cmp, value, interval_literal(high))) > 0) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("%s must be between %s and %s, not \"%s\"", name, low, high,
                               DatumGetCString(DirectFunctionCall1(interval_out, value)))));
    }
    return DatumGetIntervalP(value);
}

Datum make_array(const Datum* elems, const bool* nulls, int n, Oid element_type) {
    int16 len;
    bool byval;
    char align;
    get_typlenbyvalalign(element_type, &len, &byval, &align);
    int dims[1] = {n};
    int lbs[1] = {1};
    return PointerGetDatum(construct_md_array(const_cast<Datum*>(elems), const_cast<bool*>(nulls), 1, dims, lbs,
                                              element_type, len, byval, align));
}

const char* clipped_for_message(const char* text, int max_bytes) {
    const int len = static_cast<int>(strlen(text));
    if (len <= max_bytes) return text;
    return psprintf("%s...", pnstrdup(text, pg_mbcliplen(text, len, max_bytes)));
}

std::string_view text_bytes(Datum value) {
    text* t = DatumGetTextPP(value);
    return {VARDATA_ANY(t), static_cast<std::size_t>(VARSIZE_ANY_EXHDR(t))};
}

std::string_view text_arg_bytes(FunctionCallInfo fcinfo, int n) {
    if (PG_ARGISNULL(n)) return {};
    return text_bytes(PG_GETARG_DATUM(n));
}

Datum clipped_text(Datum value, int max_bytes) {
    const std::string_view bytes = text_bytes(value);
    if (static_cast<int>(bytes.size()) <= max_bytes) return value;
    const int keep = pg_mbcliplen(bytes.data(), static_cast<int>(bytes.size()), max_bytes);
    return PointerGetDatum(cstring_to_text_with_len(bytes.data(), keep));
}

bool parse_input(PGFunction input, const char* text, Datum* result) {
    MemoryContext caller = CurrentMemoryContext;
    volatile bool valid = true;
    volatile Datum parsed = (Datum)0;
    PG_TRY();
    { parsed = DirectFunctionCall3(input, CStringGetDatum(text), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)); }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller);
        ErrorData* error = CopyErrorData();
        if (error->sqlerrcode != ERRCODE_INVALID_TEXT_REPRESENTATION) PG_RE_THROW();
        FlushErrorState();
        FreeErrorData(error);
        valid = false;
    }
    PG_END_TRY();
    *result = parsed;
    return valid;
}

bool same_column_value(TupleTableSlot* a, TupleTableSlot* b, int attnum) {
    bool a_null, b_null;
    const Datum av = slot_getattr(a, attnum, &a_null);
    const Datum bv = slot_getattr(b, attnum, &b_null);
    if (a_null || b_null) return a_null == b_null;
    const Form_pg_attribute att = TupleDescAttr(a->tts_tupleDescriptor, attnum - 1);
    return datumIsEqual(av, bv, att->attbyval, att->attlen);
}

Datum uuid_datum(const pg_uuid_t& value) {
    pg_uuid_t* copy = static_cast<pg_uuid_t*>(palloc(sizeof(pg_uuid_t)));
    *copy = value;
    return UUIDPGetDatum(copy);
}

const char* uuid_to_cstring(Datum uuid) { return DatumGetCString(DirectFunctionCall1(uuid_out, uuid)); }

}  // namespace lead_router::pg
