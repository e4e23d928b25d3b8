// A C++ object owned by a PostgreSQL memory context: deleted when the context is reset or
// deleted -- at the end of the call that made it, or when an error unwinds it.  Code holding
// only the pointer holds nothing with a destructor, so PostgreSQL calls may longjmp over it.
#pragma once

#include "pg/postgres_headers.h"

#include <new>
#include <utility>

namespace lead_router::pg {

template <typename T, typename... Args>
T* context_owned(Args&&... args) {
    auto* callback = static_cast<MemoryContextCallback*>(palloc(sizeof(MemoryContextCallback)));
    T* object = new T(std::forward<Args>(args)...);  // may throw: nothing registered yet
    callback->func = [](void* p) { delete static_cast<T*>(p); };
    callback->arg = object;
    MemoryContextRegisterResetCallback(CurrentMemoryContext, callback);
    return object;
}

}  // namespace lead_router::pg
