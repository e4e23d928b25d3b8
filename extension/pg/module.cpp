// Library entry: the magic block and _PG_init.
#include "pg/postgres_headers.h"

#include "pg/rule_cache.h"
#include "pg/settings.h"

extern "C" {
PG_MODULE_MAGIC;

void _PG_init(void);
}

extern "C" void _PG_init(void) {
    lead_router::settings::define_all();
    lead_router::pg::rule_cache::register_invalidation();
}
