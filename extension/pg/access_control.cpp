// Caller checks of the SECURITY DEFINER functions.
#include "pg/access_control.h"

#include <cstring>

#include "core/uuid_text.h"
#include "pg/datum_convert.h"
#include "pg/lead_transitions.h"
#include "pg/settings.h"
#include "pg/spi_statement.h"

extern "C" {
#include "utils/syscache.h"
#include "catalog/pg_authid.h"
}

namespace lead_router::pg::access_control {
namespace {

Statement membership_stmt = {
    R"sql(
SELECT 1 FROM lead_router.user_workspaces WHERE user_id = $1 AND workspace_id = $2)sql",
    2,
    {UUIDOID, UUIDOID}};

Statement lead_source_stmt = {
    "SELECT source_workspace_id FROM lead_router.leads WHERE id = $1", 1, {UUIDOID}};

}  // namespace

bool application_user(pg_uuid_t* user) {
    const char* text = settings::application_user_id;
    if (text == nullptr || text[0] == '\0') return false;
    const std::optional<std::array<unsigned char, 16>> parsed = core::parse_uuid(text);
    if (!parsed) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
                        errmsg("lead_router.user_id is not a valid uuid: \"%s\"",
                               clipped_for_message(text, 100)),
                        errhint("Set lead_router.user_id to the application user's uuid, or "
                                "RESET it.")));
    }
    std::memcpy(user->data, parsed->data(), UUID_LEN);
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
