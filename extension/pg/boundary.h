// The C++/PostgreSQL boundary, in one pattern used by every SQL-callable function.
//
//   LEAD_ROUTER_FUNCTION(lr_example) {        // body runs inside pg::run_guarded
//       ...                                   // PG_FUNCTION_ARGS are available as usual
//   }
//
// Rules the pattern relies on:
//  * No C++ exception crosses a PostgreSQL frame: run_guarded catches everything the body
//    throws (core::UserError, std::bad_alloc, anything else) and reports it with
//    ereport(ERROR) only after the body's C++ objects and the exception are destroyed.
//  * No ereport longjmps over a live C++ object: code that calls PostgreSQL while an object
//    with a destructor is alive wraps those calls in pg::call(), which turns the PostgreSQL
//    error into a C++ PgError; run_guarded re-throws it as the original error.  Code that
//    holds only trivially destructible locals (the SPI adapter code) calls PostgreSQL directly.
#pragma once

#include "pg/postgres_headers.h"

#include <exception>
#include <type_traits>
#include <utility>

namespace lead_router::pg {

// A PostgreSQL error caught by pg::call and carried up to the boundary.
class PgError : public std::exception {
public:
    explicit PgError(ErrorData* data) noexcept : data_(data) {}
    ErrorData* data() const noexcept { return data_; }
    const char* what() const noexcept override { return data_ && data_->message ? data_->message : "PostgreSQL error"; }

private:
    ErrorData* data_;
};

// Runs an entry point's body; the single place where C++ exceptions become SQL errors.
Datum run_guarded(FunctionCallInfo fcinfo, Datum (*body)(FunctionCallInfo));

// Runs `fn(arg)`, which calls PostgreSQL only (it must not throw); a PostgreSQL error is
// re-raised as PgError so C++ destructors run on the way to the boundary.
void call_c(void (*fn)(void*), void* arg);

// pg::call([&]() noexcept { ... PostgreSQL calls ... }).  The callable runs inside PG_TRY: a
// C++ exception leaving it would skip PG_END_TRY and leave PG_exception_stack pointing into a
// dead frame, so only a noexcept callable compiles.
template <typename F>
void call(F&& f) {
    static_assert(std::is_nothrow_invocable_v<std::remove_reference_t<F>&>,
                  "pg::call needs a noexcept callable: it runs inside PG_TRY");
    call_c([](void* p) noexcept { (*static_cast<std::remove_reference_t<F>*>(p))(); }, &f);
}

}  // namespace lead_router::pg

// Declares a SQL-callable function with C linkage whose body runs under run_guarded.
#define LEAD_ROUTER_FUNCTION(name)                                                                          \
    extern "C" {                                                                                            \
    PG_FUNCTION_INFO_V1(name);                                                                              \
    }                                                                                                       \
    static Datum name##_body(FunctionCallInfo fcinfo);                                                      \
    extern "C" Datum name(PG_FUNCTION_ARGS) { return ::lead_router::pg::run_guarded(fcinfo, name##_body); } \
    static Datum name##_body([[maybe_unused]] FunctionCallInfo fcinfo)
