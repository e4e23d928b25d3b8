// Parsing a uuid from text without PostgreSQL (lead_router.user_id is validated where it is
// read, and a malformed value must become a clean error, not a caught PostgreSQL one).
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace lead_router::core {

// Accepts the forms PostgreSQL's uuid type prints and reads most often: 32 hex digits,
// optionally as 8-4-4-4-12 groups, optionally in braces, either case; surrounding
// whitespace is ignored.  Anything else: std::nullopt.
std::optional<std::array<unsigned char, 16>> parse_uuid(std::string_view text);

}  // namespace lead_router::core
