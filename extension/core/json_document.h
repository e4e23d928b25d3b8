// Rule conditions as a JSON document, in nlohmann-json's tree: the adapter builds it from
// jsonb with PostgreSQL's own iterator (pg/jsonb_document.h), the tests, the fuzzer and the
// benchmark parse text into it with nlohmann.  ordered_json keeps members in the order the
// source gives them: jsonb's own key order in the server, document order in the tests, so
// that "the first problem" of a rule is always the same one for the same document.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace lead_router::core {

using Json = nlohmann::ordered_json;

// A value as it appears in messages and explain_route: nlohmann's rendering of each scalar,
// arrays and objects with ", " and ": " between their parts ("between [500, 10000]");
// integral numbers without a fraction; invalid UTF-8 replaced.
std::string json_text(const Json& value);

}  // namespace lead_router::core
