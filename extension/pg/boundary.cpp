// Conversion of C++ exceptions into PostgreSQL errors, and of PostgreSQL errors into C++
// exceptions where C++ objects are alive (see boundary.h for the rules).
#include "pg/boundary.h"

#include <cstdio>
#include <new>

#include "core/user_error.h"

namespace lead_router::pg {
namespace {

// Messages are copied into fixed buffers inside the catch blocks: allocating there could
// itself raise, and an ereport longjmp out of a catch block would corrupt the C++ runtime.
constexpr int kMessageBytes = 1024;

void copy_text(char* dest, const char* src) { std::snprintf(dest, kMessageBytes, "%s", src ? src : ""); }

int sqlstate_code(const char* s) { return MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4]); }

// Cuts a message copied with snprintf back to a whole multibyte character.
void clip_to_characters(char* text) {
    const int len = static_cast<int>(strlen(text));
    text[pg_mbcliplen(text, len, len)] = '\0';
}

}  // namespace

Datum run_guarded(FunctionCallInfo fcinfo, Datum (*body)(FunctionCallInfo)) {
    enum class Failure { pg, user, out_of_memory, internal };
    Failure failure;
    ErrorData* pg_error = nullptr;
    char sqlstate[6] = "XX000";
    char message[kMessageBytes];
    char detail[kMessageBytes] = "";
    char hint[kMessageBytes] = "";
    try {
        return body(fcinfo);
    } catch (const PgError& e) {
        failure = Failure::pg;
        pg_error = e.data();
    } catch (const core::UserError& e) {
        failure = Failure::user;
        std::snprintf(sqlstate, sizeof sqlstate, "%s", e.sqlstate());
        copy_text(message, e.what());
        copy_text(detail, e.detail().c_str());
        copy_text(hint, e.hint().c_str());
    } catch (const std::bad_alloc&) {
        failure = Failure::out_of_memory;
    } catch (const std::exception& e) {
        failure = Failure::internal;
        copy_text(message, e.what());
    } catch (...) {
        failure = Failure::internal;
        copy_text(message, "unknown C++ exception");
    }

    // The body's C++ objects and the exception object are gone: ereport may longjmp now.
    switch (failure) {
        case Failure::pg:
            ReThrowError(pg_error);
            break;
        case Failure::user:
            clip_to_characters(message);
            clip_to_characters(detail);
            clip_to_characters(hint);
            ereport(ERROR, (errcode(sqlstate_code(sqlstate)), errmsg("%s", message),
                            detail[0] ? errdetail("%s", detail) : 0, hint[0] ? errhint("%s", hint) : 0));
            break;
        case Failure::out_of_memory:
            ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory"),
                            errdetail("A C++ allocation in lead_router failed.")));
            break;
        case Failure::internal:
            clip_to_characters(message);
            ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("internal error in lead_router: %s", message)));
            break;
    }
    pg_unreachable();
}

void call_c(void (*fn)(void*), void* arg) {
    MemoryContext caller_context = CurrentMemoryContext;
    ErrorData* volatile caught = nullptr;
    PG_TRY();
    { fn(arg); }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller_context);
        caught = CopyErrorData();
        FlushErrorState();
    }
    PG_END_TRY();
    if (caught != nullptr) throw PgError(caught);
}

}  // namespace lead_router::pg
