// The relcache callback only forgets the entry: nothing else may run inside it.
#include "pg/lead_attnums.h"

extern "C" {
#include "utils/inval.h"
}

namespace lead_router::pg::lead_attnums {
namespace {

Oid cached_relation = InvalidOid;
Columns cached{};

void on_relcache_invalidation(Datum, Oid relid) {
    if (relid == InvalidOid || relid == cached_relation) cached_relation = InvalidOid;
}

int optional(TupleDesc desc, const char* column) {
    const int n = SPI_fnumber(desc, column);
    return n > 0 ? n : 0;
}

}  // namespace

int required(TupleDesc desc, const char* column) {
    const int n = SPI_fnumber(desc, column);
    if (n <= 0) {
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                        errmsg("column \"%s\" required by lead_router trigger is missing", column)));
    }
    return n;
}

void register_callback() { CacheRegisterRelcacheCallback(on_relcache_invalidation, (Datum)0); }

const Columns& of(Relation relation) {
    const Oid relid = RelationGetRelid(relation);
    if (relid == cached_relation) return cached;
    const TupleDesc desc = RelationGetDescr(relation);
    Columns c;
    c.id = required(desc, "id");
    c.email = required(desc, "email");
    c.phone = required(desc, "phone");
    c.company_name = required(desc, "company_name");
    c.country = required(desc, "country");
    c.source_workspace_id = required(desc, "source_workspace_id");
    c.workspace_id = required(desc, "workspace_id");
    c.routing_status = required(desc, "routing_status");
    c.dedupe_hash = required(desc, "dedupe_hash");
    c.lead_expires_at = required(desc, "lead_expires_at");
    c.created_at = required(desc, "created_at");
    c.updated_at = required(desc, "updated_at");
    c.routing_due_at = optional(desc, "routing_due_at");
    c.email_key = optional(desc, "email_key");
    c.phone_key = optional(desc, "phone_key");
    c.identity_version = optional(desc, "identity_version");
    cached = c;  // only once every lookup succeeded
    cached_relation = relid;
    return cached;
}

}  // namespace lead_router::pg::lead_attnums
