// Caller checks of the SECURITY DEFINER functions.
#include "pg/access_control.h"

#include <cstring>

#include "pg/datum_convert.h"
#include "pg/lead_transitions.h"
#include "pg/settings.h"
#include "pg/spi_statement.h"

extern "C" {
#include "catalog/pg_authid.h"
#include "utils/jsonb.h"
#include "utils/syscache.h"
}

namespace lead_router::pg::access_control {
namespace {

Statement membership_stmt = {
    R"sql(
SELECT 1 FROM lead_router.user_workspaces WHERE user_id = $1 AND workspace_id = $2)sql",
    2,
    {UUIDOID, UUIDOID}};

Statement lead_source_stmt = {"SELECT source_workspace_id FROM lead_router.leads WHERE id = $1", 1, {UUIDOID}};

}  // namespace

namespace {

// The application user's uuid from `text`, read from `setting`; 22P02 naming both otherwise.
void parse_user(const char* text, const char* setting, const char* hint, pg_uuid_t* user) {
    Datum parsed;
    if (!parse_input(uuid_in, text, &parsed)) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
                        errmsg("%s is not a valid uuid: \"%s\"", setting, clipped_for_message(text, 100)),
                        errhint("%s", hint)));
    }
    *user = *DatumGetUUIDP(parsed);
}

// The sub claim of the JWT that PostgREST puts in request.jwt.claims for each request.  No
// claims, or no sub (an anonymous request): nobody.  Anything else that is not a uuid fails
// closed, with an error, never with another user.
bool jwt_subject(pg_uuid_t* user) {
    const char* claims = GetConfigOption("request.jwt.claims", true, false);
    if (claims == nullptr || claims[0] == '\0') return false;
    const char* const hint =
        "With lead_router.identity_source = 'request.jwt.claims', the JWT's sub claim must be the "
        "application user's uuid.";
    Datum document;
    if (!parse_input(jsonb_in, claims, &document)) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION), errmsg("request.jwt.claims is not valid JSON"),
                        errhint("%s", hint)));
    }
    Jsonb* jsonb = DatumGetJsonbP(document);
    JsonbValue sub;
    if (!JB_ROOT_IS_OBJECT(jsonb) || getKeyJsonValueFromContainer(&jsonb->root, "sub", 3, &sub) == nullptr ||
        sub.type == jbvNull) {
        return false;
    }
    if (sub.type != jbvString) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
                        errmsg("the sub claim of request.jwt.claims is not a string"), errhint("%s", hint)));
    }
    parse_user(pnstrdup(sub.val.string.val, sub.val.string.len), "the sub claim of request.jwt.claims", hint, user);
    return true;
}

}  // namespace

bool application_user(pg_uuid_t* user) {
    if (settings::identity_source == static_cast<int>(settings::IdentitySource::jwt_claims)) {
        return jwt_subject(user);
    }
    const char* text = settings::application_user_id;
    if (text == nullptr || text[0] == '\0') return false;
    // Behind a transaction pooler the next transaction on this connection may be another
    // client's: a value left over from an earlier transaction names nobody.
    if (settings::identity_scope == static_cast<int>(settings::IdentityScope::transaction) &&
        !settings::user_id_set_in_this_transaction()) {
        return false;
    }
    parse_user(text, "lead_router.user_id", "Set lead_router.user_id to the application user's uuid, or RESET it.",
               user);
    return true;
}

bool caller_bypasses_isolation() {
    const Oid caller = GetOuterUserId();
    if (superuser_arg(caller)) return true;
    HeapTuple tuple = SearchSysCache1(AUTHOID, ObjectIdGetDatum(caller));
    if (!HeapTupleIsValid(tuple)) return false;
    const bool bypass = reinterpret_cast<Form_pg_authid>(GETSTRUCT(tuple))->rolbypassrls;
    ReleaseSysCache(tuple);
    return bypass;
}

bool caller_may_act_on(Datum workspace_id) {
    if (caller_bypasses_isolation()) return true;
    pg_uuid_t user;
    if (!application_user(&user)) return false;
    const Datum values[] = {UUIDPGetDatum(&user), workspace_id};
    return execute(membership_stmt, values, nullptr, true) == 1;
}

void require_lead_access(Datum lead_id, Datum source_workspace_id) {
    if (!caller_may_act_on(source_workspace_id)) transitions::raise_unknown_lead(lead_id);
}

void require_lead_access_by_id(Datum lead_id) {
    if (caller_bypasses_isolation()) return;
    const Datum values[] = {lead_id};
    if (execute(lead_source_stmt, values, nullptr, true) != 1) transitions::raise_unknown_lead(lead_id);
    bool isnull;
    require_lead_access(lead_id, column(0, 1, &isnull));
}

BatchScope batch_scope() {
    BatchScope scope{};
    scope.bypass = caller_bypasses_isolation();
    if (!scope.bypass) scope.has_user = application_user(&scope.user);
    return scope;
}

}  // namespace lead_router::pg::access_control
