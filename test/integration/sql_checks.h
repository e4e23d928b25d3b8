// Assertion helpers shared by the test files: an invariant written as a query returning the
// rows that break it, checked to return none, with a few offenders shown when it fails.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "pg_connection.h"

namespace lrtest {

// The first column of up to `limit` rows, comma-separated, for failure messages.
inline std::string examples(const Result& r, int limit = 5) {
    std::string out;
    for (int i = 0; i < r.rows() && i < limit; ++i) {
        if (!out.empty()) out += ", ";
        for (int c = 0; c < r.columns(); ++c) {
            out += (c ? "/" : "") + (r.is_null(i, c) ? std::string("NULL") : r.text(i, c));
        }
    }
    return out.empty() ? "none" : out;
}

inline std::string examples(const std::vector<std::string>& v, std::size_t limit = 5) {
    std::string out;
    for (std::size_t i = 0; i < v.size() && i < limit; ++i) out += (i ? ", " : "") + v[i];
    return out.empty() ? "none" : out;
}

}  // namespace lrtest

// CHECK that `sql` (parameterless) returns no rows; `what` names the invariant.
#define CHECK_NO_ROWS(conn, what, sql)                                                 \
    do {                                                                               \
        const ::lrtest::Result check_no_rows_result = (conn).exec(sql);                \
        INFO(what << ": " << check_no_rows_result.rows() << " offending row(s), e.g. " \
                  << ::lrtest::examples(check_no_rows_result));                        \
        CHECK(check_no_rows_result.rows() == 0);                                       \
    } while (false)
