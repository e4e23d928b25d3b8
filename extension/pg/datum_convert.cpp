// Argument checks and datum conversions shared by the entry points.
#include "pg/datum_convert.h"

namespace lead_router::pg {

void require_not_null(FunctionCallInfo fcinfo, int n, const char* name) {
    if (PG_ARGISNULL(n)) {
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                        errmsg("argument \"%s\" must not be null", name)));
    }
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

const char* uuid_to_cstring(Datum uuid) {
    return DatumGetCString(DirectFunctionCall1(uuid_out, uuid));
}

}  // namespace lead_router::pg
