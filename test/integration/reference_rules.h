// The integration tests' rules and leads as the tests generated them, and the owner the rule
// language says a lead gets.  A rule's conditions are the JSON document stored in
// lead_router.routing_rules, in nlohmann's tree (the core's Json type); a lead is judged by
// the tests' one oracle, test/common/rule_reference.h (also the unit tests' and the
// fuzzer's), which shares no code with the extension's matcher: every routed lead's owner is
// checked against an independent answer.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/json_document.h"

namespace lrtest::rules {

using lead_router::core::Json;

// A lead's routing inputs, as written to its columns.  `attributes` is the attributes
// object; a key whose value is JSON null is absent for the rule language.
struct LeadInputs {
    std::optional<std::string> company_industry, company_location, country;
    std::optional<std::string> email, phone, company_name, company_domain;
    std::optional<int> company_size;
    Json attributes = Json::object();
};

// Conditions written in the rule language, as a test states them (the test's own text: a
// typo throws nlohmann's parse error).
inline Json conditions(const char* text) { return Json::parse(text); }

// Whether the lead satisfies the conditions, by the oracle.
bool holds(const Json& conditions, const LeadInputs& lead);

// A rule as the test generated it.  Workspaces are indexes into the test's own tables.
struct Rule {
    std::string id;       // canonical lower-case uuid text
    int source = 0;       // source workspace index
    int destination = 0;  // destination workspace index
    std::string name;
    int priority = 0;
    int created_offset_s = 0;  // created_at = the fixture's base time + this many seconds
    bool active = true;
    Json conditions = Json::object();  // {}: every lead
};

// Rules of `source` in evaluation order: active only, priority descending, then older
// created_at first, then smaller id (uuid bytes compare like their lower-case hex text).
std::vector<const Rule*> evaluation_order(const std::vector<Rule>& rules, int source);

// The first rule in evaluation order whose conditions hold, or nullptr (no match).
const Rule* expected_rule(const std::vector<const Rule*>& ordered, const LeadInputs& lead);

// How many of the ordered rules hold (fixture statistics: overlapping rules).
int matching_rules(const std::vector<const Rule*>& ordered, const LeadInputs& lead);

}  // namespace lrtest::rules
