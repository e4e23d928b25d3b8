// The lead row as route_lead, route_pending_leads and explain_route read it, and the
// conversion of its routing inputs into the values a core::RuleSet matches.
#pragma once

#include "pg/postgres_headers.h"

#include "core/rule_engine.h"

namespace lead_router::pg::lead_fields {

// Columns of LEAD_ROUTER_LEAD_COLUMNS, numbered from 1 as SPI reads them.
enum Column {
    kId = 1,
    kStatus,  // routing_status::text
    kStale,   // routing lock older than the stale cutoff ($2 of the query)
    kSource,
    kWorkspace,
    kAttempts,
    kDedupeHash,
    kDuplicateOf,
    kIndustry,
    kSize,
    kLocation,
    kCountry,
    kEmail,
    kPhone,
    kCompanyName,
    kCompanyDomain,
    kAttributes,
    kExpired,  // lead_expires_at has passed
    kEmailKey,
    kPhoneKey,
    kDueAt,  // routing_due_at: the due queue's order is (routing_due_at, id)
};

// The select list matching Column, for a query over lead_router.leads aliased `l` whose
// parameter $2 is the stale-lock cutoff.
#define LEAD_ROUTER_LEAD_COLUMNS                                                              \
    "l.id, l.routing_status::text, l.routing_locked_at < $2, l.source_workspace_id, "         \
    "l.workspace_id, l.routing_attempts, l.dedupe_hash, l.duplicate_of, l.company_industry, " \
    "l.company_size, l.company_location, l.country, l.email, l.phone, l.company_name, "       \
    "l.company_domain, l.attributes, l.lead_expires_at < pg_catalog.now(), l.email_key, "     \
    "l.phone_key, l.routing_due_at"

// Fills values[i] for rules.fields()[i] from the row.  Text views point into the row's
// (detoasted) data, which lives in the current memory context.
void fill_values(const core::RuleSet& rules, HeapTuple row, TupleDesc desc, core::Value* values);

}  // namespace lead_router::pg::lead_fields
