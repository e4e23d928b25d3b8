// Must compile: pg::call with a noexcept callable.
#include "pg/boundary.h"

void accepted() {
    lead_router::pg::call([]() noexcept { CHECK_FOR_INTERRUPTS(); });
}
