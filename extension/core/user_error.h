// An error in the caller's input, found by C++ code.  Carries the SQLSTATE it should be
// reported with; the SQL entry-point guard turns it into ereport(ERROR) (pg/boundary.h).
#pragma once

#include <stdexcept>
#include <string>

namespace lead_router::core {

class UserError : public std::runtime_error {
public:
    // `sqlstate` is a five-character SQL standard code such as "22023".
    UserError(const char* sqlstate, const std::string& message, std::string detail = {}, std::string hint = {})
        : std::runtime_error(message), detail_(std::move(detail)), hint_(std::move(hint)) {
        // A code shorter than five characters (a caller bug) becomes XX000, internal_error.
        int n = 0;
        while (n < 5 && sqlstate[n] != '\0') ++n;
        for (int i = 0; i < 5; ++i) sqlstate_[i] = n == 5 ? sqlstate[i] : "XX000"[i];
        sqlstate_[5] = '\0';
    }

    const char* sqlstate() const noexcept { return sqlstate_; }
    const std::string& detail() const noexcept { return detail_; }
    const std::string& hint() const noexcept { return hint_; }

private:
    char sqlstate_[6];
    std::string detail_;
    std::string hint_;
};

}  // namespace lead_router::core
