// SQL entry points of identity: normalize_email, normalize_phone, find_lead_duplicates,
// identity_normalization, and the procedure rebuild_identity_keys.
#include "pg/access_control.h"
#include "pg/boundary.h"

#include <optional>
#include <string>

#include "core/dedupe_hash.h"
#include "core/identity_normalizer.h"
#include "core/routing_decision.h"
#include "core/user_error.h"
#include "pg/datum_convert.h"
#include "pg/identity_keys.h"
#include "pg/identity_owners.h"
#include "pg/lead_transitions.h"
#include "pg/settings.h"
#include "pg/spi_statement.h"

extern "C" {
#include "nodes/parsenodes.h"
}

namespace pg = lead_router::pg;
namespace core = lead_router::core;

namespace {

// A C++ string result as a text datum, copied while the string is alive (pg::call turns a
// PostgreSQL error into a C++ exception, so nothing longjmps over the string).
text* text_of(const std::string& s) {
    text* out = nullptr;
    pg::call([&]() noexcept { out = cstring_to_text_with_len(s.data(), static_cast<int>(s.size())); });
    return out;
}

text* normalized_email(std::string_view raw) {
    const std::string email = core::normalize_email(raw);
    return email.empty() ? nullptr : text_of(email);
}

// E.164, or nothing; an unknown region is 22023.
text* normalized_phone(std::string_view raw, std::string_view region_text, bool has_region) {
    std::string region;
    if (has_region) {
        const std::optional<std::string> known = core::phone_region(region_text);
        if (!known) {
            // at most 40 bytes, cut before a character, never inside one
            std::size_t cut = std::min<std::size_t>(region_text.size(), 40);
            while (cut > 0 && cut < region_text.size() && (static_cast<unsigned char>(region_text[cut]) & 0xC0) == 0x80)
                --cut;
            throw core::UserError(
                "22023",
                "\"" + std::string(region_text.substr(0, cut)) + "\" is not a region code libphonenumber knows", {},
                "Pass an ISO 3166-1 alpha-2 code such as US or GB, or NULL.");
        }
        region = *known;
    }
    const core::NormalizedPhone phone = core::normalize_phone(raw, region);
    return phone.form == core::NormalizedPhone::Form::e164 ? text_of(phone.text) : nullptr;
}

pg::Statement lead_keys_stmt = {
    R"sql(
SELECT source_workspace_id, email_key, phone_key, dedupe_hash
  FROM lead_router.leads WHERE id = $1)sql",
    1,
    {UUIDOID}};

// Leads whose keys are of another identity version, after `after` in id order.
pg::Statement outdated_stmt = {
    R"sql(
SELECT id FROM lead_router.leads
 WHERE id OPERATOR(pg_catalog.>) $1
   AND (identity_version IS NULL OR identity_version OPERATOR(pg_catalog.<>) $2)
 ORDER BY id LIMIT $3)sql",
    3,
    {UUIDOID, INT4OID, INT4OID}};

// Asks the leads trigger to recompute the keys (identity_version NULL), and fills routed_at
// of leads routed before it was recorded, from their audit rows.
pg::Statement rebuild_stmt = {
    R"sql(
UPDATE lead_router.leads l
   SET identity_version = NULL,
       routed_at = CASE WHEN l.routing_status OPERATOR(pg_catalog.=) 'routed' AND l.routed_at IS NULL
                        THEN coalesce((SELECT pg_catalog.max(g.created_at) FROM lead_router.routing_logs g
                                        WHERE g.lead_id OPERATOR(pg_catalog.=) l.id
                                          AND g.routing_result OPERATOR(pg_catalog.=) ANY (ARRAY['success', 'duplicate'])),
                                      l.updated_at)
                        ELSE l.routed_at END
 WHERE l.id OPERATOR(pg_catalog.=) ANY ($1))sql",
    1,
    {UUIDARRAYOID}};

}  // namespace

// normalize_email(email text) returns text
LEAD_ROUTER_FUNCTION(lr_normalize_email) {
    text* result = normalized_email(pg::text_bytes(PG_GETARG_DATUM(0)));
    if (result == nullptr) PG_RETURN_NULL();
    PG_RETURN_TEXT_P(result);
}

// normalize_phone(phone text, region text default null) returns text (E.164 or NULL)
LEAD_ROUTER_FUNCTION(lr_normalize_phone) {
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    text* result =
        normalized_phone(pg::text_bytes(PG_GETARG_DATUM(0)), pg::text_arg_bytes(fcinfo, 1), !PG_ARGISNULL(1));
    if (result == nullptr) PG_RETURN_NULL();
    PG_RETURN_TEXT_P(result);
}

// find_lead_duplicates(lead_id uuid) returns table (duplicate_lead_id uuid, workspace_id uuid,
//   matched_key text, routed_at timestamptz): the routed originals the lead's keys find, as
// routing reads them (lead_router.duplicate_keys and duplicate_window), first in time first;
// the first row is the original routing reports.
LEAD_ROUTER_FUNCTION(lr_find_lead_duplicates) {
    pg::require_not_null(fcinfo, 0, "lead_id");
    const Datum lead_id = PG_GETARG_DATUM(0);
    ReturnSetInfo* rsinfo = pg::result_set(fcinfo, 4);
    pg::connect();
    const Datum args[] = {lead_id};
    if (pg::execute(lead_keys_stmt, args, nullptr, true) != 1) pg::transitions::raise_unknown_lead(lead_id);
    bool isnull;
    const Datum source = datumCopy(pg::column(0, 1, &isnull), false, UUID_LEN);
    const char* keys[core::kDuplicateKeys];
    for (int kind = 0; kind < core::kDuplicateKeys; ++kind) {
        const Datum key = pg::column(0, 2 + kind, &isnull);
        keys[kind] = isnull ? nullptr : TextDatumGetCString(key);
    }
    pg::access_control::require_lead_access(lead_id, source);
    const pg::identity_owners::Rows rows = pg::identity_owners::find_for(keys);
    // First in time; an original found by several keys once, with the first key.
    bool* reported = static_cast<bool*>(palloc0(sizeof(bool) * (rows.count + 1)));
    for (int pass = 0; pass < rows.count; ++pass) {
        int best = -1;
        for (int r = 0; r < rows.count; ++r) {
            const pg::identity_owners::Row& row = rows.rows[r];
            // a lead is never its own duplicate, nor one of a lead its source owns
            if (reported[r] || datumIsEqual(UUIDPGetDatum(&rows.rows[r].owner), source, false, UUID_LEN) ||
                datumIsEqual(UUIDPGetDatum(&rows.rows[r].lead), lead_id, false, UUID_LEN)) {
                continue;
            }
            if (best < 0 || row.routed_at < rows.rows[best].routed_at ||
                (row.routed_at == rows.rows[best].routed_at &&
                 (memcmp(row.lead.data, rows.rows[best].lead.data, UUID_LEN) < 0 ||
                  (memcmp(row.lead.data, rows.rows[best].lead.data, UUID_LEN) == 0 &&
                   row.kind < rows.rows[best].kind)))) {
                best = r;
            }
        }
        if (best < 0) break;
        const pg::identity_owners::Row& row = rows.rows[best];
        for (int r = 0; r < rows.count; ++r) {
            if (memcmp(rows.rows[r].lead.data, row.lead.data, UUID_LEN) == 0) reported[r] = true;
        }
        Datum values[] = {pg::uuid_datum(row.lead), pg::uuid_datum(row.owner),
                          CStringGetTextDatum(core::duplicate_key_name(row.kind)), TimestampTzGetDatum(row.routed_at)};
        bool nulls[] = {false, false, false, row.routed_at == DT_NOBEGIN};
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
    pg::finish();
    return (Datum)0;
}

// identity_normalization() returns table (identity_version integer, description text): the
// version the keys of new leads are computed under, and what it stands for.
LEAD_ROUTER_FUNCTION(lr_identity_normalization) {
    ReturnSetInfo* rsinfo = pg::result_set(fcinfo, 2);
    text* description = nullptr;
    int32 number = 0;
    {
        const core::IdentityVersion v = core::identity_version(
            static_cast<core::EmailCanonicalization>(lead_router::settings::email_canonicalization),
            lead_router::settings::default_phone_region ? lead_router::settings::default_phone_region : "");
        number = v.number;
        description = text_of(v.description);
    }
    Datum values[] = {Int32GetDatum(number), PointerGetDatum(description)};
    bool nulls[] = {false, false};
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    return (Datum)0;
}

// rebuild_identity_keys(batch_size int default 10000): a procedure that recomputes the keys
// of every lead whose identity_version is not the current one, in batches in id order,
// committing between them when called outside a transaction block.
LEAD_ROUTER_FUNCTION(lr_rebuild_identity_keys) {
    const int32 batch_size = pg::int32_arg_in_range(fcinfo, 0, "batch_size", 1, 100000);
    const bool may_commit = fcinfo->context != nullptr && IsA(fcinfo->context, CallContext) &&
                            !castNode(CallContext, fcinfo->context)->atomic;
    if (SPI_connect_ext(may_commit ? SPI_OPT_NONATOMIC : 0) != SPI_OK_CONNECT) {
        ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("SPI_connect_ext failed")));
    }
    const int32 version = pg::identity_keys::current_version();
    pg_uuid_t after{};  // the smallest uuid: start at the beginning
    int64 rebuilt = 0;
    for (;;) {
        const Datum args[] = {UUIDPGetDatum(&after), Int32GetDatum(version), Int32GetDatum(batch_size)};
        const uint64 n = pg::execute(outdated_stmt, args, nullptr, true);
        if (n == 0) break;
        Datum* ids = static_cast<Datum*>(palloc(sizeof(Datum) * n));
        bool isnull;
        for (uint64 i = 0; i < n; ++i) ids[i] = datumCopy(pg::column(i, 1, &isnull), false, UUID_LEN);
        after = *DatumGetUUIDP(ids[n - 1]);
        const Datum update[] = {pg::make_array(ids, nullptr, static_cast<int>(n), UUIDOID)};
        rebuilt += static_cast<int64>(pg::execute(rebuild_stmt, update, nullptr, false));
        if (may_commit) SPI_commit();
        CHECK_FOR_INTERRUPTS();
        if (n < static_cast<uint64>(batch_size)) break;
    }
    pg::finish();
    ereport(NOTICE, (errmsg("identity keys of %lld leads rebuilt (identity version %d)",
                            static_cast<long long>(rebuilt), version)));
    PG_RETURN_VOID();
}
