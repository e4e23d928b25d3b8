// core::validate_conditions and RuleSet's constructor: every malformed rule is rejected with
// SQLSTATE 22023 and a message that names the path of the bad part; the limits hold exactly.
#include <catch2/catch.hpp>

#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json_document.h"
#include "core/rule_engine.h"
#include "core/user_error.h"
#include "rule_test_support.h"

using lead_router::core::Json;
using lead_router::core::RuleLimits;
using lead_router::core::RuleSet;
using lead_router::core::RuleSpec;
using lead_router::core::UserError;
using lead_router::core::validate_conditions;
using rule_test::parse_json;

namespace {

struct Outcome {
    std::string sqlstate;  // empty when accepted
    std::string message;
    std::string hint;
};

Outcome validate(std::string_view conditions, const RuleLimits& limits = {}) {
    const Json json = parse_json(conditions);
    try {
        validate_conditions(json, limits);
    } catch (const UserError& e) {
        return {e.sqlstate(), e.what(), e.hint()};
    }
    return {"", "(accepted)", ""};
}

// The message `conditions` is rejected with; a rejection must carry SQLSTATE 22023.
std::string rejection(std::string_view conditions, const RuleLimits& limits = {}) {
    const Outcome outcome = validate(conditions, limits);
    INFO(conditions);
    if (!outcome.sqlstate.empty()) CHECK(outcome.sqlstate == "22023");
    return outcome.message;
}

bool accepted(std::string_view conditions, const RuleLimits& limits = {}) {
    const Outcome outcome = validate(conditions, limits);
    INFO(conditions << " -> " << outcome.message);
    return outcome.sqlstate.empty();
}

std::string repeat(std::string_view unit, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += unit;
    return out;
}

// {"any": [{"any": [ ... {"country": "US"} ... ]}]} with `levels` groups.
std::string nested_any(int levels) {
    return repeat("{\"any\": [", levels) + "{\"country\": \"US\"}" + repeat("]}", levels);
}

std::string nested_path(int levels) { return "conditions" + repeat(".any[0]", levels); }

// {"attributes.k1": 1, ..., "attributes.kN": 1}: N shorthand predicates.
std::string n_predicates(int n) {
    std::string out = "{";
    for (int i = 1; i <= n; ++i) {
        out += (i > 1 ? ", " : "") + ("\"attributes.k" + std::to_string(i) + "\": 1");
    }
    return out + "}";
}

std::string list_of(int n) {
    std::string out = "[";
    for (int i = 1; i <= n; ++i) out += (i > 1 ? "," : "") + std::to_string(i);
    return out + "]";
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

TEST_CASE("valid conditions of every form are accepted", "[rules][validation]") {
    const char* valid[] = {
        "{}",
        R"({"country": "US"})",
        R"({"country": ["US", "CA"]})",
        R"({"company_size": {"between": [10, 500]}, "company_industry": {"neq": "retail"}})",
        R"({"company_size": {"gte": 10, "lt": 500}})",
        R"({"email": {"contains": "@gmail."}, "company_domain": {"prefix": "shop"}})",
        R"({"attributes.plan": {"exists": true}, "attributes.score": {"gt": 0.5}})",
        R"({"attributes.vip": true, "attributes.tier": [1, 2, 3]})",
        R"({"attributes.mixed": {"in": [1, "one", true]}, "attributes.x": {"not_in": [false]}})",
        R"({"any": [{"country": "US"}, {"all": [{"country": "CA"}, {"company_size": {"gte": 50}}]}]})",
        R"({"country": {"between": ["A", "M"]}, "company_location": {"lte": "zzz"}})",
        R"({"company_size": {"between": [10, 10]}, "attributes.s": {"between": ["b", "B"]}})",
        R"({"phone": {"exists": false}, "company_name": {"gt": ""}})",
        R"({"attributes.a.b.c": 1, "attributes. ": 2})",
    };
    for (const char* conditions : valid) CHECK(accepted(conditions));
}

TEST_CASE("conditions must be a JSON object", "[rules][validation]") {
    for (const char* c : {"[]", "\"just a string\"", "null", "1", "true", "[{}]"}) {
        CHECK(rejection(c) == "conditions: expected an object");
    }
}

TEST_CASE("an unknown field is named, and the hint lists the valid fields", "[rules][validation]") {
    CHECK(rejection(R"({"industry": "software"})") == "conditions.industry: unknown field");
    CHECK(rejection(R"({"Country": "US"})") == "conditions.Country: unknown field");
    CHECK(rejection(R"({"attributes": {"plan": "pro"}})") == "conditions.attributes: unknown field");
    CHECK(rejection(R"({"attribute.plan": "pro"})") == "conditions.attribute.plan: unknown field");
    CHECK(rejection(R"({"ANY": []})") == "conditions.ANY: unknown field");
    const Outcome o = validate(R"({"industry": "software"})");
    CHECK(o.hint ==
          "Valid fields: company_industry, company_size, company_location, country, email, phone, "
          "company_name, company_domain, attributes.<key>, and the groups any and all.");
}

TEST_CASE("an unknown operator is named, and the hint lists the operators", "[rules][validation]") {
    CHECK(rejection(R"({"country": {"equals": "US"}})") == "conditions.country.equals: unknown operator");
    CHECK(rejection(R"({"country": {"EQ": "US"}})") == "conditions.country.EQ: unknown operator");
    CHECK(rejection(R"({"company_size": {"gte": 1, "ge": 2}})") == "conditions.company_size.ge: unknown operator");
    CHECK(rejection(R"({"attributes.plan": {"any": ["a"]}})") == "conditions.attributes.plan.any: unknown operator");
    CHECK(validate(R"({"country": {"equals": "US"}})").hint ==
          "Valid operators: eq, neq, in, not_in, gt, gte, lt, lte, between, prefix, contains, "
          "exists.");
}

TEST_CASE("a predicate object needs at least one operator", "[rules][validation]") {
    CHECK(rejection(R"({"country": {}})") == "conditions.country: expected at least one operator");
    CHECK(rejection(R"({"any": [{"attributes.x": {}}]})") ==
          "conditions.any[0].attributes.x: expected at least one operator");
}

TEST_CASE("column operands must have the column's type", "[rules][validation][types]") {
    CHECK(rejection(R"({"country": {"eq": 1}})") == "conditions.country.eq: expected a string");
    CHECK(rejection(R"({"country": {"neq": true}})") == "conditions.country.neq: expected a string");
    CHECK(rejection(R"({"country": 1})") == "conditions.country: expected a string");
    CHECK(rejection(R"({"email": {"eq": ["a"]}})") == "conditions.email.eq: expected a string");
    CHECK(rejection(R"({"company_size": "10"})") == "conditions.company_size: expected a number");
    CHECK(rejection(R"({"company_size": {"gte": "10"}})") == "conditions.company_size.gte: expected a number");
    CHECK(rejection(R"({"company_size": {"eq": false}})") == "conditions.company_size.eq: expected a number");
    CHECK(rejection(R"({"country": {"gt": true}})") == "conditions.country.gt: expected a string");
    CHECK(rejection(R"({"company_industry": {"lte": 5}})") == "conditions.company_industry.lte: expected a string");
}

TEST_CASE("attribute operands: scalars for eq and lists, number or string for ordering", "[rules][validation][types]") {
    CHECK(rejection(R"({"attributes.plan": {"eq": {"a": 1}}})") ==
          "conditions.attributes.plan.eq: expected a string, a number or a boolean");
    CHECK(rejection(R"({"attributes.plan": {"neq": []}})") ==
          "conditions.attributes.plan.neq: expected a string, a number or a boolean");
    CHECK(rejection(R"({"attributes.plan": [["pro"]]})") ==
          "conditions.attributes.plan[0]: expected a string, a number or a boolean");
    CHECK(rejection(R"({"attributes.score": {"gt": true}})") ==
          "conditions.attributes.score.gt: expected a number or a string");
    CHECK(rejection(R"({"attributes.score": {"lt": [1]}})") ==
          "conditions.attributes.score.lt: expected a number or a string");
}

TEST_CASE("in and not_in take a non-empty array of scalars; elements are named by index",
          "[rules][validation][lists]") {
    CHECK(rejection(R"({"country": {"in": []}})") == "conditions.country.in: expected a non-empty array of scalars");
    CHECK(rejection(R"({"country": {"not_in": "US"}})") ==
          "conditions.country.not_in: expected a non-empty array of scalars");
    CHECK(rejection(R"({"country": []})") == "conditions.country: expected a non-empty array of scalars");
    CHECK(rejection(R"({"country": {"in": ["US", {"x": 1}]}})") == "conditions.country.in[1]: expected a string");
    CHECK(rejection(R"({"any": [{"country": "US"}, {"country": {"in": ["DE", "FR", 3]}}]})") ==
          "conditions.any[1].country.in[2]: expected a string");
    CHECK(rejection(R"({"country": ["US", 1]})") == "conditions.country[1]: expected a string");
    CHECK(rejection(R"({"company_size": {"not_in": [1, "2"]}})") ==
          "conditions.company_size.not_in[1]: expected a number");
}

TEST_CASE("between takes [low, high] of one type with low <= high", "[rules][validation][between]") {
    CHECK(rejection(R"({"company_size": {"between": [500]}})") ==
          "conditions.company_size.between: expected [low, high]");
    CHECK(rejection(R"({"company_size": {"between": "10-500"}})") ==
          "conditions.company_size.between: expected [low, high]");
    CHECK(rejection(R"({"company_size": {"between": [1, 2, 3]}})") ==
          "conditions.company_size.between: expected [low, high]");
    CHECK(rejection(R"({"company_size": {"between": [500, 10]}})") ==
          "conditions.company_size.between: low 500 is greater than high 10");
    CHECK(rejection(R"({"country": {"between": ["M", "A"]}})") ==
          "conditions.country.between: low \"M\" is greater than high \"A\"");
    // String bounds are ordered case-insensitively, like the values they are compared with.
    CHECK(accepted(R"({"country": {"between": ["a", "B"]}})"));
    CHECK(rejection(R"({"country": {"between": ["b", "A"]}})") ==
          "conditions.country.between: low \"b\" is greater than high \"A\"");
    CHECK(rejection(R"({"company_size": {"between": ["1", 5]}})") ==
          "conditions.company_size.between[0]: expected a number");
    CHECK(rejection(R"({"country": {"between": ["A", 5]}})") == "conditions.country.between[1]: expected a string");
    CHECK(rejection(R"({"attributes.x": {"between": [1, "z"]}})") ==
          "conditions.attributes.x.between[1]: expected a number");
    CHECK(rejection(R"({"attributes.x": {"between": ["a", 9]}})") ==
          "conditions.attributes.x.between[1]: expected a string");
    CHECK(rejection(R"({"attributes.x": {"between": [true, false]}})") ==
          "conditions.attributes.x.between[0]: expected a number or a string");
}

TEST_CASE("prefix and contains take a non-empty string and apply to text", "[rules][validation]") {
    CHECK(rejection(R"({"country": {"prefix": ""}})") == "conditions.country.prefix: expected a non-empty string");
    CHECK(rejection(R"({"email": {"contains": 5}})") == "conditions.email.contains: expected a non-empty string");
    CHECK(rejection(R"({"attributes.x": {"contains": ["a"]}})") ==
          "conditions.attributes.x.contains: expected a non-empty string");
    CHECK(rejection(R"({"company_size": {"prefix": "1"}})") ==
          "conditions.company_size.prefix: not applicable to a number field");
    CHECK(rejection(R"({"company_size": {"contains": "0"}})") ==
          "conditions.company_size.contains: not applicable to a number field");
}

TEST_CASE("exists takes a boolean", "[rules][validation]") {
    CHECK(rejection(R"({"attributes.plan": {"exists": "yes"}})") ==
          "conditions.attributes.plan.exists: expected a boolean");
    CHECK(rejection(R"({"country": {"exists": 1}})") == "conditions.country.exists: expected a boolean");
    CHECK(rejection(R"({"country": {"exists": null}})") == "conditions.country.exists: expected a boolean");
}

TEST_CASE("JSON null is never an operand; the hint points to exists: false", "[rules][validation]") {
    const std::string null_operand = ": null is not a valid operand";
    CHECK(rejection(R"({"country": null})") == "conditions.country" + null_operand);
    CHECK(rejection(R"({"country": {"eq": null}})") == "conditions.country.eq" + null_operand);
    CHECK(rejection(R"({"attributes.plan": {"neq": null}})") == "conditions.attributes.plan.neq" + null_operand);
    CHECK(rejection(R"({"attributes.plan": {"in": ["a", null]}})") ==
          "conditions.attributes.plan.in[1]" + null_operand);
    CHECK(rejection(R"({"company_size": {"gt": null}})") == "conditions.company_size.gt" + null_operand);
    CHECK(rejection(R"({"company_size": {"between": [null, 5]}})") ==
          "conditions.company_size.between[0]" + null_operand);
    const Outcome o = validate(R"({"country": {"eq": null}})");
    CHECK(o.hint == "JSON null never matches; use exists: false to match a missing field.");
}

TEST_CASE("any and all take a non-empty array of condition objects", "[rules][validation][groups]") {
    const std::string groups = "expected a non-empty array of condition objects";
    CHECK(rejection(R"({"any": []})") == "conditions.any: " + groups);
    CHECK(rejection(R"({"all": {"country": "US"}})") == "conditions.all: " + groups);
    CHECK(rejection(R"({"any": null})") == "conditions.any: " + groups);
    CHECK(rejection(R"({"any": [{"country": "US"}, "DE"]})") == "conditions.any[1]: expected an object");
    CHECK(rejection(R"({"all": [[]]})") == "conditions.all[0]: expected an object");
    CHECK(rejection(R"({"any": [{"country": "US"}, {"country": {"nope": 1}}]})") ==
          "conditions.any[1].country.nope: unknown operator");
    CHECK(rejection(R"({"all": [{}, {"any": [{"company_size": {"between": [5, 1]}}]}]})") ==
          "conditions.all[1].any[0].company_size.between: low 5 is greater than high 1");
    CHECK(rejection(R"({"any": [{"attributes.plan": {"eq": {}}}]})") ==
          "conditions.any[0].attributes.plan.eq: expected a string, a number or a boolean");
}

TEST_CASE("every duplicate key is validated, and the first problem in document order is reported",
          "[rules][validation]") {
    CHECK(rejection(R"({"country": "US", "country": 1})") == "conditions.country: expected a string");
    CHECK(rejection(R"({"company_size": {"gt": 1, "gt": "x"}})") == "conditions.company_size.gt: expected a number");
    CHECK(rejection(R"({"any": [{}], "any": []})") ==
          "conditions.any: expected a non-empty array of condition objects");
    CHECK(rejection(R"({"country": {"eq": 1}, "industry": "x"})") == "conditions.country.eq: expected a string");
    CHECK(rejection(R"({"industry": "x", "country": {"eq": 1}})") == "conditions.industry: unknown field");
}

TEST_CASE("nesting: 8 levels of any/all are accepted, 9 are not", "[rules][validation][limits]") {
    CHECK(accepted(nested_any(8)));
    CHECK(rejection(nested_any(9)) == nested_path(9) + ": nesting deeper than 8 levels");
    // all counts like any, even though it does not change what matches.
    const std::string mixed = repeat("{\"all\": [", 4) + repeat("{\"any\": [", 5) + "{}" + repeat("]}", 9);
    CHECK(rejection(mixed) ==
          "conditions" + repeat(".all[0]", 4) + repeat(".any[0]", 5) + ": nesting deeper than 8 levels");
    RuleLimits shallow;
    shallow.max_depth = 1;
    CHECK(accepted(nested_any(1), shallow));
    CHECK(rejection(nested_any(2), shallow) == nested_path(2) + ": nesting deeper than 1 levels");
    CHECK(rejection(R"({"any": [{}, {"all": [{}]}]})", shallow) ==
          "conditions.any[1].all[0]: nesting deeper than 1 levels");
}

TEST_CASE("predicates: 256 operator checks per rule are accepted, 257 are not", "[rules][validation][limits]") {
    CHECK(accepted(n_predicates(256)));
    CHECK(rejection(n_predicates(257)) == "conditions: more than 256 predicates");
    // Each operator counts, wherever it is; a list counts once; groups do not count.
    const std::string spread = R"({"company_size": {"gt": 1, "lt": 9}, "country": ["a", "b", "c"],
                                   "any": [{"email": "x"}], "all": [{"phone": {"exists": true}}]})";
    RuleLimits five;
    five.max_predicates = 5;
    CHECK(accepted(spread, five));
    five.max_predicates = 4;
    CHECK(rejection(spread, five) == "conditions: more than 4 predicates");
}

TEST_CASE("lists: 1000 values are accepted, 1001 are not", "[rules][validation][limits]") {
    CHECK(accepted("{\"attributes.n\": {\"in\": " + list_of(1000) + "}}"));
    CHECK(rejection("{\"attributes.n\": {\"in\": " + list_of(1001) + "}}") ==
          "conditions.attributes.n.in: more than 1000 values");
    CHECK(rejection("{\"company_size\": {\"not_in\": " + list_of(1001) + "}}") ==
          "conditions.company_size.not_in: more than 1000 values");
    CHECK(rejection("{\"any\": [{\"attributes.n\": " + list_of(1001) + "}]}") ==
          "conditions.any[0].attributes.n: more than 1000 values");
}

TEST_CASE("string operands: 1000 bytes are accepted, 1001 are not", "[rules][validation][limits]") {
    const std::string ok(1000, 'x');
    const std::string over(1001, 'x');
    CHECK(accepted("{\"country\": " + quoted(ok) + "}"));
    CHECK(rejection("{\"country\": " + quoted(over) + "}") == "conditions.country: string longer than 1000 bytes");
    CHECK(rejection("{\"email\": {\"contains\": " + quoted(over) + "}}") ==
          "conditions.email.contains: string longer than 1000 bytes");
    CHECK(rejection("{\"country\": {\"in\": [\"a\", " + quoted(over) + "]}}") ==
          "conditions.country.in[1]: string longer than 1000 bytes");
    CHECK(rejection("{\"attributes.s\": {\"between\": [\"a\", " + quoted(over) + "]}}") ==
          "conditions.attributes.s.between[1]: string longer than 1000 bytes");
    // Bytes, not characters: "é" is two bytes.
    CHECK(accepted("{\"country\": " + quoted(repeat("\u00E9", 500)) + "}"));
    CHECK(rejection("{\"country\": " + quoted(repeat("\u00E9", 500) + "x") + "}") ==
          "conditions.country: string longer than 1000 bytes");
}

TEST_CASE("attribute keys: 1 to 255 bytes", "[rules][validation][limits]") {
    const std::string ok(255, 'k');
    const std::string over(256, 'k');
    CHECK(accepted("{\"attributes." + ok + "\": 1}"));
    CHECK(accepted(R"({"attributes.k": 1})"));
    // Paths show at most 64 bytes of a member name, so that the problem stays in view.
    CHECK(rejection("{\"attributes." + over + "\": 1}") ==
          "conditions." + ("attributes." + over).substr(0, 64) + "...: attribute key longer than 255 bytes");
    CHECK(rejection(R"({"attributes.": "x"})") == "conditions.attributes.: attribute key is empty");
    RuleLimits short_keys;
    short_keys.max_key_bytes = 3;
    CHECK(accepted(R"({"attributes.abc": 1})", short_keys));
    CHECK(rejection(R"({"attributes.abcd": 1})", short_keys) ==
          "conditions.attributes.abcd: attribute key longer than 3 bytes");
}

TEST_CASE("RuleSet rejects a bad rule with its name in front of the path", "[rules][validation]") {
    std::vector<std::pair<RuleSpec, Json>> rules;
    RuleSpec good;
    good.name = "catch-all";
    rules.emplace_back(good, parse_json("{}"));
    RuleSpec bad;
    bad.name = "big deals";
    rules.emplace_back(bad, parse_json(R"({"company_size": {"between": [500]}})"));
    try {
        RuleSet set(std::move(rules));
        FAIL("the rule set was accepted");
    } catch (const UserError& e) {
        CHECK(std::string(e.sqlstate()) == "22023");
        CHECK(std::string(e.what()) == "rule \"big deals\": conditions.company_size.between: expected [low, high]");
    }
}

TEST_CASE("RuleSet keeps the hint of a rule's validation error", "[rules][validation]") {
    std::vector<std::pair<RuleSpec, Json>> rules;
    RuleSpec spec;
    spec.name = "typo";
    rules.emplace_back(spec, parse_json(R"({"any": [{"industry": "x"}]})"));
    try {
        RuleSet set(std::move(rules));
        FAIL("the rule set was accepted");
    } catch (const UserError& e) {
        CHECK(std::string(e.sqlstate()) == "22023");
        CHECK(std::string(e.what()) == "rule \"typo\": conditions.any[0].industry: unknown field");
        CHECK(e.hint().find("company_industry") != std::string::npos);
    }
}

TEST_CASE("RuleSet applies the limits it is given", "[rules][validation][limits]") {
    RuleLimits limits;
    limits.max_list = 2;
    std::vector<std::pair<RuleSpec, Json>> rules;
    RuleSpec spec;
    spec.name = "r";
    rules.emplace_back(spec, parse_json(R"({"country": ["a", "b", "c"]})"));
    CHECK_THROWS_WITH(RuleSet(rules, limits), "rule \"r\": conditions.country: more than 2 values");
    limits.max_list = 3;
    CHECK(RuleSet(rules, limits).size() == 1);
}

TEST_CASE("a number operand beyond double's range is rejected with its path", "[rules][validation]") {
    using lead_router::core::UserError;
    using lead_router::core::validate_conditions;
    try {
        // What jsonb's 1e400 reads as; nlohmann's parser refuses the literal itself.
        Json conditions = Json::object();
        conditions["attributes.x"]["gt"] = std::numeric_limits<double>::infinity();
        validate_conditions(conditions);
        FAIL("accepted an infinite operand");
    } catch (const UserError& e) {
        CHECK(std::string(e.sqlstate()) == "22023");
        CHECK(std::string(e.what()) == "conditions.attributes.x.gt: number out of range");
    }
}
