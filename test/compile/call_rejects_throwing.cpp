// Must not compile: a callable that may throw would unwind out of PG_TRY.
#include "pg/boundary.h"

void refused() {
    lead_router::pg::call([] { CHECK_FOR_INTERRUPTS(); });
}
