// SQL entry points of the original design's deduplication: generate_dedupe_hash and
// check_cross_partner_duplicate, on the combined key.
#include "pg/access_control.h"
#include "pg/boundary.h"
#include "pg/datum_convert.h"
#include "pg/identity_keys.h"
#include "pg/spi_statement.h"

namespace pg = lead_router::pg;

namespace {

// Owners of a dedupe hash among partner workspaces; served by leads_dedupe_owner_idx.
pg::Statement partner_owners_stmt = {
    R"sql(
SELECT l.id, l.workspace_id
  FROM lead_router.leads l
  JOIN lead_router.workspaces w ON w.id = l.workspace_id
 WHERE l.dedupe_hash = $1 AND l.routing_status = 'routed' AND l.duplicate_of IS NULL
   AND l.workspace_id IS DISTINCT FROM $2 AND w.workspace_type = 'partner'
 ORDER BY l.created_at, l.id)sql",
    2,
    {TEXTOID, UUIDOID}};

bool is_dedupe_hash(std::string_view s) {
    if (s.size() != 64) return false;
    for (const char c : s) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

}  // namespace

// generate_dedupe_hash(email text, phone text, company text) returns text: the combined key,
// with no region and no canonicalisation, so that it is IMMUTABLE.
LEAD_ROUTER_FUNCTION(lr_generate_dedupe_hash) {
    const pg::identity_keys::Keys keys = pg::identity_keys::compute(
        {pg::text_arg_bytes(fcinfo, 0), pg::text_arg_bytes(fcinfo, 1), pg::text_arg_bytes(fcinfo, 2), {}, {}, false});
    if (!keys.combined.present) PG_RETURN_NULL();
    PG_RETURN_TEXT_P(cstring_to_text_with_len(keys.combined.hex, 64));
}

// check_cross_partner_duplicate(dedupe_hash text, source_workspace_id uuid)
//   returns table (id uuid, workspace_id uuid)
LEAD_ROUTER_FUNCTION(lr_check_cross_partner_duplicate) {
    ReturnSetInfo* rsinfo = pg::result_set(fcinfo, 2);
    if (PG_ARGISNULL(0)) return (Datum)0;  // no identity, no duplicate

    const Datum hash = PG_GETARG_DATUM(0);
    if (!is_dedupe_hash(pg::text_bytes(hash))) {
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
                 errmsg("invalid dedupe hash: \"%s\"", text_to_cstring(DatumGetTextPP(pg::clipped_text(hash, 80)))),
                 errhint("A dedupe hash is 64 lower-case hex digits, as returned by "
                         "generate_dedupe_hash().")));
    }
    const Datum values[] = {hash, PG_GETARG_DATUM(1)};
    const char nulls[] = {' ', PG_ARGISNULL(1) ? 'n' : ' '};

    pg::connect();
    // Owners in other workspaces are what this reports: only for a source the caller may
    // act on (or for any source, to the service path).
    if (PG_ARGISNULL(1) ? !pg::access_control::caller_bypasses_isolation()
                        : !pg::access_control::caller_may_act_on(PG_GETARG_DATUM(1))) {
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("permission denied for source workspace %s",
                               PG_ARGISNULL(1) ? "(null)" : pg::uuid_to_cstring(PG_GETARG_DATUM(1))),
                        errhint("Set lead_router.user_id to a user of that workspace.")));
    }
    const uint64 rows = pg::execute(partner_owners_stmt, values, nulls, true);
    for (uint64 i = 0; i < rows; ++i) {
        Datum out[2];
        bool out_nulls[2];
        out[0] = pg::column(i, 1, &out_nulls[0]);
        out[1] = pg::column(i, 2, &out_nulls[1]);
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, out, out_nulls);
    }
    pg::finish();
    return (Datum)0;
}
