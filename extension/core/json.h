// A small, strict JSON (RFC 8259) reader for rule conditions.  Pure C++: the adapter hands it
// jsonb's text form; tests and the fuzzer hand it raw bytes.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/user_error.h"

namespace lead_router::core {

struct Json {
    enum class Type { null, boolean, number, string, array, object };

    Type type = Type::null;
    bool boolean = false;
    double number = 0;   // a literal beyond double's range reads as +/-infinity
    std::string string;  // UTF-8, escapes decoded
    std::vector<Json> array;
    std::vector<std::pair<std::string, Json>> object;  // in document order; duplicate keys kept

    const Json* find(std::string_view key) const;  // first member named `key`, or nullptr
};

// The error parse_json throws for nesting deeper than its limit (SQLSTATE 22P02), apart
// from other syntax errors so that callers with their own depth rules can report it.
class JsonNestingError : public UserError {
public:
    using UserError::UserError;
};

// Parses one JSON value filling the whole text (surrounding whitespace allowed).
// Throws UserError("22P02", "invalid JSON at byte N: ...") on malformed input and on nesting
// deeper than `max_depth` arrays/objects.  Numbers beyond double's range read as infinities
// (rule validation rejects them, naming the operand's path).
Json parse_json(std::string_view text, int max_depth = 64);

// Writes `value` as compact JSON (used in messages; numbers with up to 15 significant digits).
std::string to_json_text(const Json& value);

}  // namespace lead_router::core
