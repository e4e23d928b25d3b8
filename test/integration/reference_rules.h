// The test's own model of routing rules: a rule's conditions are built as a small C++ tree
// that both prints the `conditions` JSON stored in lead_router.routing_rules and evaluates a
// lead the way the documented rule language says (SPEC.md "Rules"; the language summary in
// extension/core/rule_engine.h).  It shares no code with the extension's matcher, so the
// integration test can check every routed lead's owner against an independent answer.
//
// Only what the tests generate is modelled: ASCII text (compared case-insensitively),
// integer numbers, booleans; eq, neq, in, not_in, gt, gte, lt, lte, between, prefix,
// contains, exists; any / all groups; the scalar (eq) and array (in) shorthands.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lrtest::rules {

// A JSON scalar, as rule operands and lead attributes hold it.
struct Scalar {
    enum class Kind { text, number, boolean };
    Kind kind = Kind::text;
    std::string text;
    double number = 0;
    bool boolean = false;
};
Scalar text(std::string value);
Scalar number(double value);
Scalar boolean(bool value);
std::string to_json(const Scalar& value);

// A lead's routing inputs.  An attribute mapped to std::nullopt is present as JSON null,
// which the language treats like an absent key.
struct LeadInputs {
    std::optional<std::string> company_industry, company_location, country;
    std::optional<std::string> email, phone, company_name, company_domain;
    std::optional<int> company_size;
    std::map<std::string, std::optional<Scalar>> attributes;
};
// The attributes object as JSON text, for the leads.attributes column.
std::string attributes_json(const LeadInputs& lead);

struct Op {
    std::string name;              // "eq", "between", "exists", ...
    std::vector<Scalar> operands;  // one, the list (in / not_in), or [low, high] (between)
    bool list = false;             // operand printed as an array (in, not_in, between)
};
Op eq(Scalar v);
Op neq(Scalar v);
Op in(std::vector<Scalar> vs);
Op not_in(std::vector<Scalar> vs);
Op gt(Scalar v);
Op gte(Scalar v);
Op lt(Scalar v);
Op lte(Scalar v);
Op between(Scalar low, Scalar high);
Op prefix(std::string v);
Op contains(std::string v);
Op exists(bool v);

struct Conditions;

// One member of a conditions object: a field with its operators, or an any/all group.
struct Member {
    std::string key;                       // field name, or "any" / "all"
    std::vector<Op> ops;                   // field: every operator must hold
    bool shorthand = false;                // field: printed as bare scalar (eq) / array (in)
    std::vector<Conditions> alternatives;  // group: the objects of the group
};

struct Conditions {
    std::vector<Member> members;  // all must hold; none: matches every lead
};

Member field(std::string name, std::vector<Op> ops);
Member shorthand_eq(std::string name, Scalar v);                // "country": "DE"
Member shorthand_in(std::string name, std::vector<Scalar> vs);  // "country": ["DE", "AT"]
Member any(std::vector<Conditions> alternatives);
Member all(std::vector<Conditions> alternatives);

std::string to_json(const Conditions& c);
bool holds(const Conditions& c, const LeadInputs& lead);

// A rule as the test generated it.  Workspaces are indexes into the test's own tables.
struct Rule {
    std::string id;       // canonical lower-case uuid text
    int source = 0;       // source workspace index
    int destination = 0;  // destination workspace index
    std::string name;
    int priority = 0;
    int created_offset_s = 0;  // created_at = the fixture's base time + this many seconds
    bool active = true;
    Conditions conditions;
};

// Rules of `source` in evaluation order: active only, priority descending, then older
// created_at first, then smaller id (uuid bytes compare like their lower-case hex text).
std::vector<const Rule*> evaluation_order(const std::vector<Rule>& rules, int source);

// The first rule in evaluation order whose conditions hold, or nullptr (no match).
const Rule* expected_rule(const std::vector<const Rule*>& ordered, const LeadInputs& lead);

// How many of the ordered rules hold (fixture statistics: overlapping rules).
int matching_rules(const std::vector<const Rule*>& ordered, const LeadInputs& lead);

}  // namespace lrtest::rules
