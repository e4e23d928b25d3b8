// The seed flow's rule evaluation, in the client: a faithful re-implementation of the seed
// design's TypeScript evaluator, LeadRoutingService.evaluateRules(lead, rules) (seed 001,
// "Atomic Routing Flow", step 3 "Evaluate routing rules under lock", and "Rule Evaluation
// (Under lock)": fetch the workspace's active rules ordered by priority descending, evaluate
// their conditions over the lead's fields — industry, size, location, … — and take the
// highest-priority match).  It decides nothing the seed's client would not: the rules come
// in the order the seed's query gives them (flows.cpp: `is_active`, `priority DESC`) and the
// first whose conditions all hold wins.  The seed documents name the fields, not the
// operators; the conditions are lead_router's rule documents (README "Rules"), evaluated here
// with those semantics so that a lead routes to the same partner whichever side decides.
// The documents are parsed into the core's own tree (core/json_document.h: nlohmann's
// ordered_json).  Text is folded with ASCII tolower (the benchmark's data is ASCII).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/json_document.h"

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
