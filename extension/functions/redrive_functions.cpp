// SQL entry point of redrive_failed_leads (pg/lead_redrive.h).
#include "pg/boundary.h"
#include "pg/datum_convert.h"
#include "pg/lead_redrive.h"
#include "pg/spi_statement.h"

extern "C" {
#include "utils/array.h"
}

namespace pg = lead_router::pg;
namespace redrive = lead_router::pg::redrive;

namespace {

constexpr int kResultColumns = 2;

const char* status_text(const redrive::Item& item) {
    switch (item.result) {
        case redrive::Result::redriven:
            return "redriven";
        case redrive::Result::expired:
            return "expired";
        case redrive::Result::locked:
            return "locked";
        case redrive::Result::skipped:
            return item.status;
    }
    return item.status;
}

}  // namespace

// redrive_failed_leads(lead_ids uuid[] DEFAULT NULL, max_attempts integer DEFAULT 3)
//   returns table (lead_id uuid, status text)
// status: redriven; or why not: expired (it was past lead_expires_at and is now expired),
// locked (another session holds it), or the lead's own status (pending, routing, routed,
// expired) when it was not failed.
LEAD_ROUTER_FUNCTION(lr_redrive_failed_leads) {
    const int32 max_attempts = pg::int32_arg_in_range(fcinfo, 1, "max_attempts", 1, pg::kMaxAttemptsLimit);
    const bool all = PG_ARGISNULL(0);
    if (!all && array_contains_nulls(PG_GETARG_ARRAYTYPE_P(0))) {
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("lead_ids must not contain NULL"),
                        errhint("Pass NULL instead of an array to redrive every failed lead you "
                                "may see.")));
    }
    ReturnSetInfo* rsinfo = pg::result_set(fcinfo, kResultColumns);

    pg::connect();
    redrive::Item* items = nullptr;
    const int n = all ? redrive::redrive_all(max_attempts, &items)
                      : redrive::redrive_listed(PG_GETARG_DATUM(0), max_attempts, &items);
    for (int i = 0; i < n; ++i) {
        Datum values[kResultColumns];
        bool nulls[kResultColumns] = {};
        int k = 0;
        values[k++] = pg::uuid_datum(items[i].lead);
        values[k++] = CStringGetTextDatum(status_text(items[i]));
        Assert(k == kResultColumns);
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
    pg::finish();
    return (Datum)0;
}
