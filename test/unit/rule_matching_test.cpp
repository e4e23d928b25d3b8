// core::RuleSet matching: every operator against every kind of lead value, case-insensitive
// text, shorthands, any/all nesting, and a match that allocates nothing.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "core/json_document.h"
#include "core/rule_engine.h"
#include "rule_test_support.h"

using namespace rule_test;  // Lead, spec, one_rule, matches, explain, pred; core names

// Counts heap allocations, so that a test can prove RuleSet::match makes none.  Every
// non-aligned form is replaced, so that each allocation and its release both use malloc.
namespace {
std::atomic<long> allocations{0};
void* counted_malloc(std::size_t size) noexcept {
    ++allocations;
    return std::malloc(size == 0 ? 1 : size);
}
}  // namespace
void* operator new(std::size_t size) {
    if (void* p = counted_malloc(size)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
    if (void* p = counted_malloc(size)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return counted_malloc(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return counted_malloc(size); }
// These replacements pair malloc with free by design; g++ sees only the free.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

TEST_CASE("an empty object is a catch-all; an empty rule set matches nothing", "[rules][match]") {
    CHECK(matches("{}", "{}"));
    CHECK(matches("{}", R"({"country": "DE", "attributes.x": [1]})"));
    const RuleSet none(std::vector<std::pair<RuleSpec, Json>>{});
    CHECK(none.size() == 0);
    CHECK(none.fields().empty());
    CHECK(none.match(nullptr) == -1);
}

TEST_CASE("text eq/neq ignore ASCII case", "[rules][match][text]") {
    CHECK(matches(R"({"country": {"eq": "US"}})", R"({"country": "us"})"));
    CHECK(matches(R"({"country": {"eq": "us"}})", R"({"country": "US"})"));
    CHECK(matches(R"({"country": {"eq": "uS"}})", R"({"country": "Us"})"));
    CHECK_FALSE(matches(R"({"country": {"eq": "US"}})", R"({"country": "USA"})"));
    CHECK_FALSE(matches(R"({"country": {"eq": "US"}})", R"({"country": "U"})"));
    CHECK_FALSE(matches(R"({"country": {"eq": "US"}})", R"({"country": ""})"));
    CHECK(matches(R"({"country": {"neq": "US"}})", R"({"country": "DE"})"));
    CHECK_FALSE(matches(R"({"country": {"neq": "US"}})", R"({"country": "us"})"));
    CHECK(matches(R"({"company_name": {"eq": ""}})", R"({"company_name": ""})"));
}

TEST_CASE("text eq folds with NFKC case folding in every script: \"ÉCOLE\" equals \"école\"", "[rules][match][text]") {
    CHECK(matches(R"({"company_name": "ÉCOLE"})", R"({"company_name": "école"})"));
    CHECK(matches(R"({"company_name": "école"})", R"({"company_name": "ÉCOLE"})"));
    CHECK(matches(R"({"company_location": "ΑΘΗΝΑ"})", R"({"company_location": "αθηνα"})"));
    CHECK(matches(R"({"company_location": "москва"})", R"({"company_location": "МОСКВА"})"));
    CHECK(matches(R"({"company_location": "ŁÓDŹ"})", R"({"company_location": "łódź"})"));
    CHECK(matches(R"({"company_location": "ՀԱՅԱՍՏԱՆ"})", R"({"company_location": "հայաստան"})"));
    // composed and decomposed, full-width, ligatures and ß fold alike (Unicode case folding)
    CHECK(matches(R"({"company_name": "école"})", "{\"company_name\": \"e\u0301cole\"}"));
    CHECK(matches(R"({"company_name": "acme"})", R"({"company_name": "ＡＣＭＥ"})"));
    CHECK(matches(R"({"company_name": "straße"})", R"({"company_name": "STRASSE"})"));
    // İ folds to i with a combining dot above, as Unicode says: not the ASCII "i"
    CHECK(matches(R"({"company_location": "İSTANBUL"})", "{\"company_location\": \"i\u0307stanbul\"}"));
    CHECK_FALSE(matches(R"({"company_location": "istanbul"})", R"({"company_location": "İSTANBUL"})"));
    // Case, not accents or spelling: these stay different.
    CHECK_FALSE(matches(R"({"company_name": "école"})", R"({"company_name": "ecole"})"));
    CHECK(matches(R"({"company_name": {"neq": "école"}})", R"({"company_name": "ecole"})"));
}

TEST_CASE("text in/not_in ignore case", "[rules][match][text]") {
    const std::string in = R"({"country": {"in": ["US", "CA", "Ελλάδα"]}})";
    CHECK(matches(in, R"({"country": "ca"})"));
    CHECK(matches(in, R"({"country": "ΕΛΛΆΔΑ"})"));
    CHECK_FALSE(matches(in, R"({"country": "DE"})"));
    const std::string not_in = R"({"country": {"not_in": ["US", "CA"]}})";
    CHECK(matches(not_in, R"({"country": "DE"})"));
    CHECK_FALSE(matches(not_in, R"({"country": "us"})"));
}

TEST_CASE("a 1000-value in-list finds every member whatever its case", "[rules][match][text]") {
    std::string list = "[";
    for (int i = 0; i < 1000; ++i) {
        list += (i ? ", \"Code-" : "\"Code-") + std::to_string(i * 7) + "\"";
    }
    list += "]";
    const RuleSet rules = one_rule(pred("company_industry", "in", list));
    int found = 0;
    int false_positives = 0;
    for (int i = 0; i < 7000; ++i) {
        const std::string text = (i % 2 ? "CODE-" : "code-") + std::to_string(i);
        Value v;
        v.kind = Value::Kind::text;
        v.text = text;
        const bool hit = rules.match(&v) == 0;
        if (i % 7 == 0) found += hit;
        if (i % 7 != 0) false_positives += hit;
    }
    CHECK(found == 1000);
    CHECK(false_positives == 0);
}

TEST_CASE("text ordering is case-insensitive, code point by code point", "[rules][match][text]") {
    CHECK(matches(R"({"country": {"gt": "A"}})", R"({"country": "b"})"));
    CHECK(matches(R"({"country": {"gt": "a"}})", R"({"country": "B"})"));
    CHECK_FALSE(matches(R"({"country": {"gt": "b"}})", R"({"country": "B"})"));
    CHECK(matches(R"({"country": {"gte": "b"}})", R"({"country": "B"})"));
    CHECK(matches(R"({"country": {"lt": "b"}})", R"({"country": "A"})"));
    CHECK(matches(R"({"country": {"lte": "B"}})", R"({"country": "b"})"));
    CHECK_FALSE(matches(R"({"country": {"lt": "b"}})", R"({"country": "b"})"));
    // A prefix sorts before the longer text; non-ASCII letters after ASCII ones.
    CHECK(matches(R"({"country": {"gt": "de"}})", R"({"country": "DEU"})"));
    CHECK(matches(R"({"country": {"lt": "DEU"}})", R"({"country": "de"})"));
    CHECK(matches(R"({"company_location": {"gt": "zürich"}})", R"({"company_location": "ÄRHUS"})"));
    CHECK(matches(R"({"company_location": {"gt": "ä"}})", R"({"company_location": "ΑΘΗΝΑ"})"));
}

TEST_CASE("text between is inclusive and case-insensitive", "[rules][match][text]") {
    const std::string rule = R"({"company_location": {"between": ["b", "M"]}})";
    CHECK(matches(rule, R"({"company_location": "Berlin"})"));
    CHECK(matches(rule, R"({"company_location": "B"})"));
    CHECK(matches(rule, R"({"company_location": "m"})"));
    CHECK_FALSE(matches(rule, R"({"company_location": "Munich"})"));  // "munich" > "m"
    CHECK_FALSE(matches(rule, R"({"company_location": "Amsterdam"})"));
    CHECK_FALSE(matches(rule, R"({"company_location": ""})"));
}

TEST_CASE("prefix is case-insensitive and needs the whole prefix", "[rules][match][text]") {
    CHECK(matches(R"({"company_domain": {"prefix": "Shop"}})", R"({"company_domain": "SHOPIFY.com"})"));
    CHECK(matches(R"({"company_domain": {"prefix": "shop"}})", R"({"company_domain": "shop"})"));
    CHECK_FALSE(matches(R"({"company_domain": {"prefix": "shopify"}})", R"({"company_domain": "shop"})"));
    CHECK_FALSE(matches(R"({"company_domain": {"prefix": "hop"}})", R"({"company_domain": "shop"})"));
    CHECK(matches(R"({"company_name": {"prefix": "élan"}})", R"({"company_name": "ÉLAN VITAL"})"));
    CHECK(matches(R"({"company_name": {"prefix": "İst"}})", R"({"company_name": "İSTANBUL"})"));
}

TEST_CASE("contains is case-insensitive and finds overlapping matches", "[rules][match][text]") {
    CHECK(matches(R"({"email": {"contains": "@GMAIL."}})", R"({"email": "Ann@Gmail.com"})"));
    CHECK_FALSE(matches(R"({"email": {"contains": "@gmail."}})", R"({"email": "ann@gmail"})"));
    // Partial matches that restart inside themselves.
    CHECK(matches(R"({"email": {"contains": "aab"}})", R"({"email": "aaab"})"));
    CHECK(matches(R"({"email": {"contains": "abab"}})", R"({"email": "abaabab"})"));
    CHECK(matches(R"({"email": {"contains": "ABABC"}})", R"({"email": "ababababca"})"));
    CHECK_FALSE(matches(R"({"email": {"contains": "abac"}})", R"({"email": "ababab"})"));
    CHECK(matches(R"({"email": {"contains": "x"}})", R"({"email": "x"})"));
    CHECK_FALSE(matches(R"({"email": {"contains": "xy"}})", R"({"email": "x"})"));
    CHECK(matches(R"({"company_name": {"contains": "ÉCOLE"}})", R"({"company_name": "la grande école"})"));
    CHECK(matches(R"({"company_name": {"contains": "株式"}})", R"({"company_name": "トヨタ株式会社"})"));
}

TEST_CASE("number column: every operator, boundaries included", "[rules][match][number]") {
    const std::string lead = R"({"company_size": 500})";
    CHECK(matches(pred("company_size", "eq", "500"), lead));
    CHECK_FALSE(matches(pred("company_size", "eq", "500.5"), lead));
    CHECK(matches(pred("company_size", "neq", "499"), lead));
    CHECK_FALSE(matches(pred("company_size", "neq", "500"), lead));
    CHECK(matches(pred("company_size", "in", "[1, 500, 1000]"), lead));
    CHECK_FALSE(matches(pred("company_size", "in", "[1, 1000]"), lead));
    CHECK(matches(pred("company_size", "not_in", "[1, 1000]"), lead));
    CHECK_FALSE(matches(pred("company_size", "not_in", "[500]"), lead));
    CHECK(matches(pred("company_size", "gt", "499.9"), lead));
    CHECK_FALSE(matches(pred("company_size", "gt", "500"), lead));
    CHECK(matches(pred("company_size", "gte", "500"), lead));
    CHECK(matches(pred("company_size", "lt", "501"), lead));
    CHECK_FALSE(matches(pred("company_size", "lt", "500"), lead));
    CHECK(matches(pred("company_size", "lte", "500"), lead));
    CHECK(matches(pred("company_size", "between", "[10, 500]"), lead));
    CHECK(matches(pred("company_size", "between", "[500, 500]"), lead));
    CHECK_FALSE(matches(pred("company_size", "between", "[10, 499]"), lead));
    CHECK(matches(pred("company_size", "gt", "-1"), R"({"company_size": 0})"));
    CHECK(matches(pred("company_size", "eq", "0"), R"({"company_size": -0})"));
}

TEST_CASE("a missing field satisfies nothing but exists: false", "[rules][match][missing]") {
    const char* leads[] = {"{}", R"({"country": null})"};
    const char* predicates[] = {
        R"({"eq": "US"})",
        R"({"neq": "US"})",
        R"({"in": ["US"]})",
        R"({"not_in": ["US"]})",
        R"({"gt": "A"})",
        R"({"gte": ""})",
        R"({"lt": "Z"})",
        R"({"lte": "Z"})",
        R"({"between": ["A", "Z"]})",
        R"({"prefix": "U"})",
        R"({"contains": "S"})",
        R"({"exists": true})",
        R"("US")",
        R"(["US"])",
    };
    for (const char* lead : leads) {
        for (const char* p : predicates) {
            CHECK_FALSE(matches(std::string("{\"country\": ") + p + "}", lead));
        }
        CHECK(matches(R"({"country": {"exists": false}})", lead));
    }
    CHECK_FALSE(matches(pred("company_size", "neq", "1"), "{}"));
    CHECK_FALSE(matches(pred("company_size", "not_in", "[1]"), "{}"));
    CHECK_FALSE(matches(pred("attributes.x", "neq", "1"), R"({"attributes.x": null})"));
    CHECK_FALSE(matches(pred("attributes.x", "not_in", "[true]"), "{}"));
    CHECK(matches(pred("attributes.x", "exists", "false"), R"({"attributes.x": null})"));
}

TEST_CASE("exists: true holds for every present value, false for none", "[rules][match][exists]") {
    for (const char* value : {"\"\"", "\"x\"", "0", "false", "[]", "{}", "[null]"}) {
        const std::string lead = std::string("{\"attributes.k\": ") + value + "}";
        CHECK(matches(pred("attributes.k", "exists", "true"), lead));
        CHECK_FALSE(matches(pred("attributes.k", "exists", "false"), lead));
    }
    CHECK(matches(pred("country", "exists", "true"), R"({"country": ""})"));
    CHECK(matches(pred("company_size", "exists", "true"), R"({"company_size": 0})"));
    CHECK(matches(pred("company_size", "exists", "false"), "{}"));
}

TEST_CASE("attribute with a text value", "[rules][match][attributes]") {
    const std::string lead = R"({"attributes.plan": "Pro"})";
    CHECK(matches(pred("attributes.plan", "eq", "\"PRO\""), lead));
    CHECK(matches(pred("attributes.plan", "neq", "\"basic\""), lead));
    CHECK(matches(pred("attributes.plan", "in", "[\"free\", \"pro\"]"), lead));
    CHECK(matches(pred("attributes.plan", "not_in", "[\"free\"]"), lead));
    CHECK(matches(pred("attributes.plan", "gt", "\"basic\""), lead));
    CHECK(matches(pred("attributes.plan", "lte", "\"pro\""), lead));
    CHECK(matches(pred("attributes.plan", "between", "[\"p\", \"q\"]"), lead));
    CHECK(matches(pred("attributes.plan", "prefix", "\"pR\""), lead));
    CHECK(matches(pred("attributes.plan", "contains", "\"RO\""), lead));
    // Against number operands a text value is neither equal nor ordered.
    CHECK_FALSE(matches(pred("attributes.plan", "gt", "0"), lead));
    CHECK_FALSE(matches(pred("attributes.plan", "between", "[0, 100]"), lead));
    CHECK(matches(pred("attributes.plan", "neq", "0"), lead));
}

TEST_CASE("attribute with a number value", "[rules][match][attributes]") {
    const std::string lead = R"({"attributes.score": 0.75})";
    CHECK(matches(pred("attributes.score", "eq", "0.75"), lead));
    CHECK(matches(pred("attributes.score", "eq", "75e-2"), lead));
    CHECK(matches(pred("attributes.score", "neq", "1"), lead));
    CHECK(matches(pred("attributes.score", "in", "[0.5, 0.75]"), lead));
    CHECK(matches(pred("attributes.score", "not_in", "[0.5]"), lead));
    CHECK(matches(pred("attributes.score", "gt", "0.5"), lead));
    CHECK(matches(pred("attributes.score", "gte", "0.75"), lead));
    CHECK(matches(pred("attributes.score", "lt", "1"), lead));
    CHECK(matches(pred("attributes.score", "lte", "0.75"), lead));
    CHECK(matches(pred("attributes.score", "between", "[-1, 1]"), lead));
    CHECK_FALSE(matches(pred("attributes.score", "between", "[0.8, 1]"), lead));
    // Never equal to or ordered against text, never a text for prefix/contains.
    CHECK_FALSE(matches(pred("attributes.score", "eq", "\"0.75\""), lead));
    CHECK(matches(pred("attributes.score", "neq", "\"0.75\""), lead));
    CHECK_FALSE(matches(pred("attributes.score", "gt", "\"0\""), lead));
    CHECK_FALSE(matches(pred("attributes.score", "prefix", "\"0\""), lead));
    CHECK_FALSE(matches(pred("attributes.score", "contains", "\"7\""), lead));
}

TEST_CASE("attribute with a boolean value: only eq, neq, in, not_in can hold", "[rules][match][attributes]") {
    const std::string yes = R"({"attributes.vip": true})";
    const std::string no = R"({"attributes.vip": false})";
    CHECK(matches(pred("attributes.vip", "eq", "true"), yes));
    CHECK_FALSE(matches(pred("attributes.vip", "eq", "true"), no));
    CHECK(matches(pred("attributes.vip", "eq", "false"), no));
    CHECK(matches(pred("attributes.vip", "neq", "true"), no));
    CHECK(matches(pred("attributes.vip", "in", "[true, 1]"), yes));
    CHECK_FALSE(matches(pred("attributes.vip", "in", "[1, \"true\"]"), yes));
    CHECK(matches(pred("attributes.vip", "not_in", "[1, \"true\"]"), yes));
    CHECK(matches(pred("attributes.vip", "not_in", "[false]"), yes));
    CHECK_FALSE(matches(pred("attributes.vip", "gt", "0"), yes));
    CHECK_FALSE(matches(pred("attributes.vip", "lte", "\"z\""), no));
    CHECK_FALSE(matches(pred("attributes.vip", "prefix", "\"t\""), yes));
    CHECK(matches(R"({"attributes.vip": true})", yes));  // shorthand
}

TEST_CASE("attribute with an array or object value: present, never equal", "[rules][match][attributes]") {
    for (const char* value : {"[1, 2]", "{\"a\": 1}", "[]"}) {
        const std::string lead = std::string("{\"attributes.tags\": ") + value + "}";
        CHECK_FALSE(matches(pred("attributes.tags", "eq", "1"), lead));
        CHECK_FALSE(matches(pred("attributes.tags", "in", "[1, 2]"), lead));
        CHECK_FALSE(matches(pred("attributes.tags", "gt", "0"), lead));
        CHECK_FALSE(matches(pred("attributes.tags", "between", "[\"\", \"zzz\"]"), lead));
        CHECK_FALSE(matches(pred("attributes.tags", "contains", "\"1\""), lead));
        CHECK(matches(pred("attributes.tags", "neq", "1"), lead));
        CHECK(matches(pred("attributes.tags", "not_in", "[1, 2]"), lead));
        CHECK(matches(pred("attributes.tags", "exists", "true"), lead));
    }
}

TEST_CASE("a mixed-type in-list compares each value with operands of its own type", "[rules][match][attributes]") {
    const std::string in = pred("attributes.v", "in", R"([true, 5, "five", 2.5, "A"])");
    CHECK(matches(in, R"({"attributes.v": 5})"));
    CHECK(matches(in, R"({"attributes.v": "FIVE"})"));
    CHECK(matches(in, R"({"attributes.v": "a"})"));
    CHECK(matches(in, R"({"attributes.v": true})"));
    CHECK(matches(in, R"({"attributes.v": 2.5})"));
    CHECK_FALSE(matches(in, R"({"attributes.v": false})"));
    CHECK_FALSE(matches(in, R"({"attributes.v": "5"})"));
    CHECK_FALSE(matches(in, R"({"attributes.v": "true"})"));
    CHECK_FALSE(matches(in, R"({"attributes.v": 3})"));
    const std::string not_in = pred("attributes.v", "not_in", R"([1, "1"])");
    CHECK(matches(not_in, R"({"attributes.v": true})"));
    CHECK_FALSE(matches(not_in, R"({"attributes.v": 1})"));
    CHECK_FALSE(matches(not_in, R"({"attributes.v": "1"})"));
}

TEST_CASE("lead text that is not valid UTF-8 is compared bytewise after every code point", "[rules][match][text]") {
    const auto text_value = [](const char* bytes) {
        Value v;
        v.kind = Value::Kind::text;
        v.text = bytes;
        return v;
    };
    const RuleSet gt = one_rule(R"({"country": {"gt": "abÿ"}})");
    const Value invalid = text_value("ab\xFF");
    CHECK(gt.match(&invalid) == 0);  // the byte 0xFF sorts after U+00FF
    const RuleSet eq = one_rule(R"({"country": "café"})");
    const Value truncated = text_value("caf\xC3");
    CHECK(eq.match(&truncated) == -1);
    const RuleSet prefix = one_rule(R"({"country": {"prefix": "CAF"}})");
    CHECK(prefix.match(&truncated) == 0);
    const RuleSet lt = one_rule(R"({"country": {"lt": "caf"}})");
    CHECK(lt.match(&truncated) == -1);
}

TEST_CASE("shorthands mean eq and in", "[rules][match][shorthand]") {
    const std::pair<const char*, const char*> pairs[] = {
        {R"({"country": "US"})", R"({"country": {"eq": "US"}})"},
        {R"({"country": ["US", "CA"]})", R"({"country": {"in": ["US", "CA"]}})"},
        {R"({"company_size": 50})", R"({"company_size": {"eq": 50}})"},
        {R"({"attributes.x": [true, 1, "a"]})", R"({"attributes.x": {"in": [true, 1, "a"]}})"},
        {R"({"attributes.x": false})", R"({"attributes.x": {"eq": false}})"},
    };
    const char* leads[] = {
        "{}",
        R"({"country": "us"})",
        R"({"country": "CA"})",
        R"({"country": "DE"})",
        R"({"company_size": 50})",
        R"({"company_size": 51})",
        R"({"attributes.x": 1})",
        R"({"attributes.x": "A"})",
        R"({"attributes.x": false})",
        R"({"attributes.x": true})",
        R"({"attributes.x": [1]})",
    };
    int held = 0;
    for (const auto& [shorthand, long_form] : pairs) {
        for (const char* lead : leads) {
            INFO(shorthand << " on " << lead);
            const bool m = matches(shorthand, lead);
            CHECK(m == matches(long_form, lead));
            held += m;
        }
    }
    CHECK(held == 8);
}

TEST_CASE(
    "operators of one field and fields of one object are all conjuncts; of duplicate keys "
    "the last counts, as in jsonb",
    "[rules][match]") {
    const std::string range = R"({"company_size": {"gte": 10, "lt": 500}})";
    CHECK(matches(range, R"({"company_size": 10})"));
    CHECK_FALSE(matches(range, R"({"company_size": 500})"));
    CHECK_FALSE(matches(range, R"({"company_size": 9})"));
    const std::string both = R"({"country": "DE", "company_size": {"gt": 100}})";
    CHECK(matches(both, R"({"country": "de", "company_size": 101})"));
    CHECK_FALSE(matches(both, R"({"country": "de", "company_size": 100})"));
    CHECK_FALSE(matches(both, R"({"country": "fr", "company_size": 101})"));
    const std::string duplicates = R"({"country": {"neq": "US"}, "country": {"neq": "CA"}})";
    CHECK(matches(duplicates, R"({"country": "DE"})"));
    CHECK_FALSE(matches(duplicates, R"({"country": "CA"})"));
    CHECK(matches(duplicates, R"({"country": "US"})"));
    const std::string two_anys =
        R"({"any": [{"country": "US"}, {"country": "CA"}], "any": [{"company_size": 1}, {"company_size": 2}]})";
    CHECK(matches(two_anys, R"({"country": "FR", "company_size": 2})"));
    CHECK_FALSE(matches(two_anys, R"({"country": "CA", "company_size": 3})"));
}

TEST_CASE("any needs one alternative, all needs every one, and they nest", "[rules][match][groups]") {
    const std::string any = R"({"any": [{"country": "US"}, {"company_size": {"gte": 1000}}]})";
    CHECK(matches(any, R"({"country": "US"})"));
    CHECK(matches(any, R"({"company_size": 5000})"));
    CHECK_FALSE(matches(any, R"({"country": "DE", "company_size": 5})"));
    const std::string all = R"({"all": [{"country": "US"}, {"company_size": {"gte": 1000}}]})";
    CHECK(matches(all, R"({"country": "US", "company_size": 1000})"));
    CHECK_FALSE(matches(all, R"({"country": "US"})"));
    // any inside all inside any.
    const std::string nested = R"({"any": [{"all": [{"country": "DE"},
                                       {"any": [{"company_size": {"lt": 10}}, {"attributes.vip": true}]}]},
                                {"email": {"contains": "@partner."}}]})";
    CHECK(matches(nested, R"({"country": "DE", "company_size": 5})"));
    CHECK(matches(nested, R"({"country": "DE", "company_size": 50, "attributes.vip": true})"));
    CHECK(matches(nested, R"({"email": "x@partner.io"})"));
    CHECK_FALSE(matches(nested, R"({"country": "DE", "company_size": 50})"));
    CHECK_FALSE(matches(nested, R"({"country": "FR", "company_size": 5})"));
    // An alternative with several members needs all of them; an empty alternative holds.
    CHECK_FALSE(matches(R"({"any": [{"country": "DE", "company_size": 1}]})", R"({"country": "DE"})"));
    CHECK(matches(R"({"any": [{"country": "FR"}, {}]})", R"({"country": "DE"})"));
}

TEST_CASE("eight levels of nesting evaluate like one", "[rules][match][groups]") {
    std::string deep = R"({"country": "DE"})";
    for (int i = 0; i < 8; ++i) {
        deep = std::string(i % 2 ? "{\"all\": [" : "{\"any\": [{\"country\": \"XX\"}, ") + deep + "]}";
    }
    CHECK(matches(deep, R"({"country": "de"})"));
    CHECK_FALSE(matches(deep, R"({"country": "fr"})"));
}

TEST_CASE("a moved RuleSet keeps its rules and explanations", "[rules][match]") {
    RuleSet original = one_rule(R"({"country": {"in": ["US", "CA"]}})");
    const RuleSet moved(std::move(original));
    Value v;
    v.kind = Value::Kind::text;
    v.text = "ca";
    CHECK(moved.match(&v) == 0);
    RuleSet assigned = one_rule("{}");
    assigned = one_rule(R"({"country": "DE"})");
    CHECK(assigned.match(&v) == -1);
    CHECK(assigned.explain(0, &v).expected == "eq \"DE\"");
}

TEST_CASE("match allocates nothing for ASCII lead text", "[rules][match][performance]") {
    std::vector<std::pair<RuleSpec, Json>> rules;
    rules.emplace_back(spec("a", 3, 0, 1), parse_json(R"({"company_name": {"contains": "ECOLE"},
        "country": {"in": ["US", "CA", "DE", "FR", "IT", "ES", "PT", "NL", "BE", "AT"]}})"));
    rules.emplace_back(spec("b", 2, 0, 2), parse_json(R"({"any": [{"company_size": {"between": [1, 9]}},
        {"attributes.tier": {"not_in": [1, "gold", true]}, "email": {"prefix": "Sales"}}]})"));
    rules.emplace_back(spec("c", 1, 0, 3), parse_json(R"({"company_location": {"gt": "m"}})"));
    const RuleSet set(std::move(rules));
    // Three leads: the first matches rule a; the second fails a late and matches b; the third
    // goes through every predicate of a and b and matches c.
    const Lead leads[] = {
        Lead(R"({"company_name": "La Grande Ecole", "country": "es"})"),
        Lead(R"({"company_name": "LA GRANDE ECOLE", "country": "se", "company_size": 50,
                 "attributes.tier": "silver", "email": "sales@x"})"),
        Lead(R"({"company_name": "Ecole", "country": "se", "company_size": 50,
                 "attributes.tier": "gold", "email": "sales@x", "company_location": "Oslo"})"),
    };
    for (int expected = 0; expected < 3; ++expected) {
        const std::vector<Value> values = leads[expected].values(set);
        const long before = allocations.load();
        int agreed = 0;
        for (int i = 0; i < 100; ++i) agreed += set.match(values.data()) == expected;
        CHECK(allocations.load() == before);
        CHECK(agreed == 100);
    }
}
