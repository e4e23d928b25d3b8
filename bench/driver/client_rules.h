// Rule evaluation in the client, as the seed design's service does it (seed 001, "Evaluate
// routing rules under lock": fetch the rules, then evaluateRules(lead, rules) in TypeScript).
// Written from the rule language of README "Rules"; conditions are parsed with the
// extension's own JSON reader (extension/core/json.cpp, compiled into the driver), so the only
// thing this file decides is what a client would: which rule matches.  Text is folded with
// ASCII tolower (the benchmark's data is ASCII).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/json.h"

namespace bench::client_rules {

using lead_router::core::Json;

// A lead as the client fetched it: column name -> text (nullopt for NULL), attributes parsed.
struct LeadRow {
    std::vector<std::pair<std::string, std::optional<std::string>>> columns;
    Json attributes;
};

struct Rule {
    std::string id;
    std::string destination;
    Json conditions;
};

// Whether `conditions` (a JSON object) hold for the lead.
bool holds(const Json& conditions, const LeadRow& lead);

// The first rule (in the order given) whose conditions hold, or nullptr.
const Rule* first_match(const std::vector<Rule>& rules, const LeadRow& lead);

}  // namespace bench::client_rules
