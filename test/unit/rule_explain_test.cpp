// core::RuleSet evaluation order, unusable destinations, explain, and the field slots the
// adapter fills.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "core/json_document.h"
#include "core/rule_engine.h"
#include "rule_test_support.h"

using namespace rule_test;  // Lead, spec, one_rule, matches, explain, pred; core names

TEST_CASE("rules are evaluated by priority desc, created_at asc, then id bytewise", "[rules][match][order]") {
    std::vector<std::pair<RuleSpec, Json>> rules;
    rules.emplace_back(spec("low", 1, 0, 1), parse_json("{}"));
    rules.emplace_back(spec("newer", 10, 200, 2), parse_json("{}"));
    rules.emplace_back(spec("id 0x80", 10, 100, 0x80), parse_json("{}"));
    rules.emplace_back(spec("id 0x03", 10, 100, 0x03), parse_json("{}"));
    rules.emplace_back(spec("top", 99, 999, 0xFF), parse_json(R"({"country": "US"})"));
    rules.emplace_back(spec("negative", -5, 0, 0), parse_json("{}"));
    const RuleSet set(std::move(rules));
    REQUIRE(set.size() == 6);
    const char* expected[] = {"top", "id 0x03", "id 0x80", "newer", "low", "negative"};
    for (std::size_t i = 0; i < 6; ++i) CHECK(set.rule(i).name == expected[i]);
    CHECK(set.rule(2).id[15] == 0x80);
    // The first match in that order wins, even when later rules match too.
    const Lead us_lead(R"({"country": "US"})");
    const std::vector<Value> us = us_lead.values(set);
    CHECK(set.match(us.data()) == 0);
    const Lead de_lead(R"({"country": "DE"})");
    const std::vector<Value> de = de_lead.values(set);
    CHECK(set.match(de.data()) == 1);
}

TEST_CASE("a rule whose destination is not usable is skipped", "[rules][match][destination]") {
    std::vector<std::pair<RuleSpec, Json>> rules;
    rules.emplace_back(spec("retired partner", 10, 0, 1, false), parse_json(R"({"country": "US"})"));
    rules.emplace_back(spec("fallback", 0, 0, 2), parse_json(R"({"country": {"exists": true}})"));
    const RuleSet set(std::move(rules));
    const Lead us_lead(R"({"country": "US"})");
    const std::vector<Value> us = us_lead.values(set);
    CHECK(set.match(us.data()) == 1);
    const Lead empty_lead("{}");
    const std::vector<Value> none = empty_lead.values(set);
    CHECK(set.match(none.data()) == -1);

    std::vector<std::pair<RuleSpec, Json>> only_unusable;
    only_unusable.emplace_back(spec("off", 0, 0, 1, false), parse_json("{}"));
    const RuleSet off(std::move(only_unusable));
    CHECK(off.match(nullptr) == -1);
}

TEST_CASE("explain of a matching rule", "[rules][explain]") {
    const Explanation e =
        explain(R"({"country": "US", "company_size": {"gt": 1}})", R"({"country": "us", "company_size": 2})");
    CHECK(e.matched);
    CHECK(e.failed_path.empty());
    CHECK(e.expected.empty());
    CHECK(e.actual.empty());
}

TEST_CASE("explain names the failing predicate, its operand and the lead's value", "[rules][explain]") {
    Explanation e = explain(R"({"company_size": {"between": [10, 500]}})", R"({"company_size": 800})");
    CHECK_FALSE(e.matched);
    CHECK(e.failed_path == "conditions.company_size.between");
    CHECK(e.expected == "between [10, 500]");
    CHECK(e.actual == "800");

    e = explain(R"({"country": "US"})", R"({"country": "DE"})");
    CHECK(e.failed_path == "conditions.country");
    CHECK(e.expected == "eq \"US\"");
    CHECK(e.actual == "\"DE\"");

    e = explain(R"({"country": ["DE", "FR"]})", R"({"country": "it\"aly"})");
    CHECK(e.expected == "in [\"DE\", \"FR\"]");
    CHECK(e.actual == "\"it\\\"aly\"");

    e = explain(R"({"attributes.vip": {"exists": false}})", R"({"attributes.vip": true})");
    CHECK(e.failed_path == "conditions.attributes.vip.exists");
    CHECK(e.expected == "exists false");
    CHECK(e.actual == "true");

    e = explain(R"({"attributes.score": {"gte": 0.5}})", "{}");
    CHECK(e.expected == "gte 0.5");
    CHECK(e.actual == "(missing)");

    e = explain(R"({"attributes.tags": {"eq": "a"}})", R"({"attributes.tags": ["a"]})");
    CHECK(e.actual == "(array or object)");

    e = explain(R"({"attributes.n": {"not_in": [1, "x", true]}})", R"({"attributes.n": 1.5e300})");
    CHECK(e.matched);
    e = explain(R"({"attributes.n": {"not_in": [1, "x", true]}})", R"({"attributes.n": "X"})");
    CHECK(e.expected == "not_in [1, \"x\", true]");  // as written, not as compiled
    CHECK(e.actual == "\"X\"");
}

TEST_CASE("explain reports the first failing predicate in document order", "[rules][explain]") {
    const std::string rule =
        R"({"country": "US", "company_size": {"gte": 10, "lte": 100}, "email": {"contains": "@"}})";
    CHECK(explain(rule, R"({"country": "DE", "company_size": 5})").failed_path == "conditions.country");
    CHECK(explain(rule, R"({"country": "US", "company_size": 5})").failed_path == "conditions.company_size.gte");
    CHECK(explain(rule, R"({"country": "US", "company_size": 500})").failed_path == "conditions.company_size.lte");
    CHECK(explain(rule, R"({"country": "US", "company_size": 50})").failed_path == "conditions.email.contains");
    const Explanation e = explain(R"({"all": [{"country": "US"}, {"email": {"prefix": "a"}}]})",
                                  R"({"country": "US", "email": "bob@x"})");
    CHECK(e.failed_path == "conditions.all[1].email.prefix");
    CHECK(e.expected == "prefix \"a\"");
    CHECK(e.actual == "\"bob@x\"");
}

TEST_CASE("explain reports a failing any group as a whole", "[rules][explain][groups]") {
    Explanation e =
        explain(R"({"any": [{"attributes.budget": {"gte": 10000}}, {"attributes.referral": {"exists": true}}]})",
                R"({"attributes.budget": 5000})");
    CHECK_FALSE(e.matched);
    CHECK(e.failed_path == "conditions.any");
    CHECK(e.expected == "any of 2 alternatives");
    CHECK(e.actual == "(none matched)");

    e = explain(
        R"({"country": "US", "all": [{}, {"any": [{"company_size": 1}, {"company_size": 2}, {}]},
                                             {"any": [{"company_size": 3}]}]})",
        R"({"country": "US", "company_size": 5})");
    CHECK(e.failed_path == "conditions.all[2].any");
    CHECK(e.expected == "any of 1 alternative");

    // Inside a failing alternative only the group is reported, not its members.
    e = explain(R"({"any": [{"any": [{"country": "US"}]}, {"country": "CA"}]})", R"({"country": "DE"})");
    CHECK(e.failed_path == "conditions.any");
    CHECK(e.expected == "any of 2 alternatives");
}

TEST_CASE("explain of a rule whose destination is not usable", "[rules][explain][destination]") {
    std::vector<std::pair<RuleSpec, Json>> rules;
    rules.emplace_back(spec("retired", 0, 0, 1, false), parse_json("{}"));
    const RuleSet set(std::move(rules));
    const Explanation e = set.explain(0, nullptr);
    CHECK_FALSE(e.matched);
    CHECK(e.failed_path == "destination");
    CHECK(e.expected == "an active partner workspace");
    CHECK(e.actual == "(not usable)");
}

TEST_CASE("fields() lists each field once, in first-seen evaluation order", "[rules][fields]") {
    std::vector<std::pair<RuleSpec, Json>> rules;
    rules.emplace_back(spec("second", 1, 0, 1),
                       parse_json(R"({"country": "US", "attributes.country": "x", "company_size": 1})"));
    rules.emplace_back(spec("first", 2, 0, 2, false),
                       parse_json(R"({"any": [{"attributes.plan.tier": 1}], "country": {"neq": "CA"}})"));
    rules.emplace_back(spec("third", 0, 0, 3), parse_json(R"({"company_size": {"gt": 5}, "email": "a"})"));
    const RuleSet set(std::move(rules));
    const std::vector<FieldRef>& f = set.fields();
    REQUIRE(f.size() == 5);
    CHECK(f[0].kind == FieldRef::Kind::attribute);
    CHECK(f[0].name == "plan.tier");
    CHECK_FALSE(f[0].numeric);
    CHECK(f[1].kind == FieldRef::Kind::column);
    CHECK(f[1].name == "country");
    CHECK_FALSE(f[1].numeric);
    CHECK(f[2].kind == FieldRef::Kind::attribute);
    CHECK(f[2].name == "country");
    CHECK(f[3].kind == FieldRef::Kind::column);
    CHECK(f[3].name == "company_size");
    CHECK(f[3].numeric);
    CHECK(f[4].name == "email");
    // The slots are what match reads: the attribute and the column "country" are distinct.
    Value values[5];
    values[1].kind = Value::Kind::text;
    values[1].text = "US";
    values[2].kind = Value::Kind::text;
    values[2].text = "X";
    values[3].kind = Value::Kind::number;
    values[3].number = 1;
    CHECK(set.match(values) == 1);
    values[2].text = "y";
    CHECK(set.match(values) == -1);
}
