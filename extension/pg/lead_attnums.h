// The attribute numbers of the leads columns the row trigger reads, looked up by name once
// per relation and forgotten when PostgreSQL invalidates its relcache entry (ALTER TABLE,
// DROP and CREATE EXTENSION): a routing update then costs no name lookups.
#pragma once

#include "pg/postgres_headers.h"

namespace lead_router::pg::lead_attnums {

struct Columns {
    // Present in every version of the table; a missing one is an error (42703).
    int id, email, phone, company_name, country, source_workspace_id, workspace_id, routing_status, dedupe_hash,
        lead_expires_at, created_at, updated_at;
    // 0 in a table still at an older version: routing_due_at (from 0.2.0), the identity
    // keys and their version (from 0.6.0).
    int routing_due_at, email_key, phone_key, identity_version;
};

// The attribute number of `column` in `desc`; an error (42703) when it has none.  Also used
// by the generic updated_at trigger.
int required(TupleDesc desc, const char* column);

// Registers the invalidation callback; called once from _PG_init.
void register_callback();

// The columns of `relation`, a leads table.
const Columns& of(Relation relation);

}  // namespace lead_router::pg::lead_attnums
