// Assertion helpers shared by the test files: an invariant written as a query returning the
// rows that break it, checked to return none, with a few offenders shown when it fails.
#pragma once

#include <catch2/catch.hpp>

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "test_database.h"

namespace lrtest {

// The rows (every column, "/"-separated) of up to `limit` rows, comma-separated.
inline std::string examples(const pqxx::result& r, int limit = 5) {
    std::string out;
    for (pqxx::result::size_type i = 0; i < r.size() && static_cast<int>(i) < limit; ++i) {
        if (!out.empty()) out += ", ";
        for (pqxx::row::size_type c = 0; c < r.columns(); ++c) {
            out += (c ? "/" : "") + (r[i][c].is_null() ? std::string("NULL") : r[i][c].c_str());
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

// CHECK that `sql` (parameterless, autocommit on connection `conn`) returns no rows; `what`
// names the invariant.
#define CHECK_NO_ROWS(conn, what, sql)                                                 \
    do {                                                                               \
        const pqxx::result check_no_rows_result = ::lrtest::exec((conn), (sql));       \
        INFO(what << ": " << check_no_rows_result.size() << " offending row(s), e.g. " \
                  << ::lrtest::examples(check_no_rows_result));                        \
        CHECK(check_no_rows_result.size() == 0u);                                      \
    } while (false)
