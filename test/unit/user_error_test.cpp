// core::UserError: an input error carrying its SQLSTATE, message, detail and hint.
#include <catch2/catch.hpp>

#include <cstring>
#include <stdexcept>
#include <string>

#include "core/user_error.h"

using lead_router::core::UserError;

TEST_CASE("UserError keeps its own copy of the five-character SQLSTATE, NUL-terminated", "[user_error]") {
    const UserError e("22023", "invalid parameter value");
    REQUIRE(std::strlen(e.sqlstate()) == 5);
    REQUIRE(std::string(e.sqlstate()) == "22023");
    REQUIRE(e.sqlstate()[5] == '\0');
    // Only the first five characters are taken, whatever follows them.
    const UserError longer("P0001XYZ", "m");
    REQUIRE(std::string(longer.sqlstate()) == "P0001");

    // The SQLSTATE outlives the caller's buffer and survives copying the exception.
    char buffer[] = "23505";
    const UserError dup(buffer, "duplicate");
    std::strcpy(buffer, "XXXXX");
    REQUIRE(std::string(dup.sqlstate()) == "23505");
    REQUIRE(dup.sqlstate() != buffer);

    const UserError copy = dup;
    REQUIRE(std::string(copy.sqlstate()) == "23505");
    REQUIRE(copy.sqlstate() != dup.sqlstate());  // points into the copy, not the original
}

TEST_CASE("UserError with a code shorter than five characters reports XX000", "[user_error]") {
    REQUIRE(std::string(UserError("22", "m").sqlstate()) == "XX000");
    REQUIRE(std::string(UserError("", "m").sqlstate()) == "XX000");
}

TEST_CASE("UserError message is what(), and it is caught as std::runtime_error", "[user_error]") {
    try {
        throw UserError("22P02", "invalid input syntax for type uuid: \"x\"");
    } catch (const std::runtime_error& e) {
        REQUIRE(std::string(e.what()) == "invalid input syntax for type uuid: \"x\"");
        const auto* user = dynamic_cast<const UserError*>(&e);
        REQUIRE(user != nullptr);
        REQUIRE(std::string(user->sqlstate()) == "22P02");
        return;
    }
    FAIL("UserError was not caught as std::runtime_error");
}

TEST_CASE("UserError keeps detail and hint, which default to empty", "[user_error]") {
    const UserError full("22023", "bad batch_size", "batch_size was -1.", "Use a value between 1 and 10000.");
    REQUIRE(std::string(full.what()) == "bad batch_size");
    REQUIRE(full.detail() == "batch_size was -1.");
    REQUIRE(full.hint() == "Use a value between 1 and 10000.");

    const UserError detail_only("22023", "m", "d");
    REQUIRE(detail_only.detail() == "d");
    REQUIRE(detail_only.hint().empty());

    const UserError bare("22023", "m");
    REQUIRE(bare.detail().empty());
    REQUIRE(bare.hint().empty());
}
