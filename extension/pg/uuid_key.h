// A workspace or lead id as the key of a backend-local C++ map (the per-backend caches).
#pragma once

#include <cstddef>
#include <cstring>

extern "C" {
#include "postgres.h"
#include "utils/uuid.h"
}

namespace lead_router::pg {

struct UuidKey {
    unsigned char bytes[UUID_LEN];
    bool operator==(const UuidKey& o) const { return std::memcmp(bytes, o.bytes, UUID_LEN) == 0; }
};

struct UuidKeyHash {
    std::size_t operator()(const UuidKey& k) const noexcept {
        std::size_t h;
        std::memcpy(&h, k.bytes, sizeof h);  // uuids are random enough already
        return h;
    }
};

}  // namespace lead_router::pg
