// Trigger function of workspaces: the settings a workspace carries are validated on write.
#include "pg/boundary.h"

#include <optional>
#include <string>

#include "core/identity_normalizer.h"
#include "pg/datum_convert.h"

namespace pg = lead_router::pg;

namespace {

// Whether `region` is a region code libphonenumber knows, written as it is stored (capitals).
bool known_region(std::string_view region) {
    const std::optional<std::string> known = lead_router::core::phone_region(region);
    return known && *known == region;
}

}  // namespace

// workspaces_validate(): BEFORE INSERT OR UPDATE ON workspaces FOR EACH ROW
LEAD_ROUTER_FUNCTION(lr_workspaces_validate) {
    if (!CALLED_AS_TRIGGER(fcinfo)) {
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("workspaces_validate() must be called as a trigger")));
    }
    TriggerData* trig = reinterpret_cast<TriggerData*>(fcinfo->context);
    HeapTuple row = TRIGGER_FIRED_BY_INSERT(trig->tg_event) ? trig->tg_trigtuple : trig->tg_newtuple;
    // A dump being restored carries values that were valid when written.
    if (!check_function_bodies) return PointerGetDatum(row);
    const TupleDesc desc = trig->tg_relation->rd_att;
    const int region_column = SPI_fnumber(desc, "phone_region");
    if (region_column > 0) {
        bool isnull;
        const Datum region = heap_getattr(row, region_column, desc, &isnull);
        if (!isnull && !known_region(pg::text_bytes(region))) {
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("phone_region \"%s\" is not an ISO 3166-1 alpha-2 code libphonenumber knows",
                                   pg::clipped_for_message(TextDatumGetCString(region), 40)),
                            errhint("Use a code in capitals, such as US or GB, or NULL.")));
        }
    }
    return PointerGetDatum(row);
}
