// Trigger function of workspaces: the settings a workspace carries are validated on write.
#include "pg/boundary.h"

#include <optional>
#include <string>

#include "core/identity_normalizer.h"
#include "pg/datum_convert.h"
#include "pg/partner_cache.h"

extern "C" {
#include "pgtime.h"
}

namespace pg = lead_router::pg;

namespace {

// Whether `region` is a region code libphonenumber knows, written as it is stored (capitals).
bool known_region(std::string_view region) {
    const std::optional<std::string> known = lead_router::core::phone_region(region);
    return known && *known == region;
}

// Whether `name` is a zone of PostgreSQL's time zone database (pg_timezone_names: the IANA
// names, never a POSIX offset string such as "XXX3", which pg_tzset would also accept) that
// ICU knows under the same name.  The names are enumerated once per backend, when first
// needed.
bool known_time_zone(const char* name) {
    static char** names = nullptr;
    static int count = 0;
    if (strcmp(name, "UTC") == 0) return true;
    if (names == nullptr) {
        MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
        int capacity = 1024;
        char** found = static_cast<char**>(palloc(sizeof(char*) * capacity));
        pg_tzenum* e = pg_tzenumerate_start();
        for (pg_tz* tz = pg_tzenumerate_next(e); tz != nullptr; tz = pg_tzenumerate_next(e)) {
            if (count == capacity) {
                capacity *= 2;
                found = static_cast<char**>(repalloc(found, sizeof(char*) * capacity));
            }
            found[count++] = pstrdup(pg_get_timezone_name(tz));
        }
        pg_tzenumerate_end(e);
        names = found;
        MemoryContextSwitchTo(old);
    }
    bool listed = false;
    for (int i = 0; i < count && !listed; ++i) listed = strcmp(names[i], name) == 0;
    return listed && pg::partner_cache::zone(name) != nullptr;
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
    const int zone_column = SPI_fnumber(desc, "time_zone");
    if (zone_column > 0) {
        bool isnull;
        const Datum zone = heap_getattr(row, zone_column, desc, &isnull);
        if (!isnull && !known_time_zone(TextDatumGetCString(zone))) {
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("time_zone \"%s\" is not an IANA time zone name",
                                   pg::clipped_for_message(TextDatumGetCString(zone), 60)),
                            errhint("Use a name of pg_timezone_names, such as America/New_York or Europe/Berlin.")));
        }
    }
    return PointerGetDatum(row);
}
