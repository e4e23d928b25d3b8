// libFuzzer target: rule `conditions` validation, compilation, matching and explain
// (extension/core/rule_engine.h).
//
// Input: the bytes are a JSON text, read with nlohmann-json into the core's document (the
// server builds the same document from jsonb); text nlohmann refuses is skipped.  The seed
// corpus is plain condition documents.  A top-level array of 1 to 3 elements is one
// rule per element; anything else is the conditions of one rule, which a pseudo-random
// generator seeded from the bytes may repeat into 2 or 3 rules with other priorities,
// creation times, ids and destinations.  The same generator picks, sometimes, tighter
// RuleLimits, and builds six leads: Value arrays whose texts come from the document's
// strings (as written, re-cased, cut, extended, with an invalid UTF-8 byte), from slices of
// the input, and whose numbers come from the document's numbers and their neighbours.
//
// Findings (libFuzzer reports each as a crash): any crash or sanitizer report, any exception
// other than core::UserError, and any broken invariant below (reason printed, then abort):
//   - validation errors are UserError 22023 "conditions...";
//   - RuleSet throws exactly when one of its rules fails validate_conditions, with the
//     message "rule \"<name>\": " + that validation message, for the first failing rule in
//     evaluation order;
//   - the rules are in evaluation order (priority desc, created_at asc, id bytewise asc,
//     then input order); fields() holds each (kind, name) once, known columns only,
//     numeric exactly for company_size;
//   - match() is -1 or an index < size(), deterministic, and is the first rule whose
//     explain() says matched; explain(i).matched agrees with a deliberately simple
//     reference evaluator of the conditions JSON (rule_engine.h's semantics); a failure
//     names a path under "conditions" (or "destination" for an unusable destination) and
//     says what was expected and what the lead had.
//
// Values are never NaN: the adapter fills numbers from an int4 column or a jsonb numeric
// (jsonb has no NaN), so they are finite or, for a huge numeric, an infinity.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/identity_normalizer.h"
#include "core/json_document.h"
#include "core/rule_engine.h"
#include "core/user_error.h"
#include "../common/rule_reference.h"

namespace core = lead_router::core;
using core::Explanation;
using core::FieldRef;
using core::Json;
using core::RuleSet;
using core::RuleSpec;
using core::UserError;
using core::Value;

namespace {

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "fuzz_rule_conditions invariant violated: %s\n", what.c_str());
    std::abort();
}

#define CHECK(cond, what)                     \
    do {                                      \
        if (!(cond)) fail(std::string(what)); \
    } while (0)

// ---- deterministic choices from the input bytes ----

class Rng {
public:
    explicit Rng(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {  // splitmix64
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    std::size_t pick(std::size_t n) { return n == 0 ? 0 : next() % n; }
    bool chance(int percent) { return pick(100) < static_cast<std::size_t>(percent); }

private:
    std::uint64_t state_;
};

std::uint64_t fnv1a(std::string_view bytes) {
    std::uint64_t h = 0xCBF29CE484222325ull;
    for (unsigned char c : bytes) h = (h ^ c) * 0x100000001B3ull;
    return h;
}

// ---- the document ----

void collect(const Json& j, std::vector<const std::string*>& strings, std::vector<double>& numbers) {
    if (j.is_string()) {
        strings.push_back(&j.get_ref<const std::string&>());
    } else if (j.is_number()) {
        numbers.push_back(j.get<double>());
    } else if (j.is_structured()) {
        for (const Json& e : j) collect(e, strings, numbers);
    }
}

using Lead = std::map<std::string, Value>;  // field as written in conditions -> value

bool evaluated_before(const RuleSpec& a, const RuleSpec& b) {
    if (a.priority != b.priority) return a.priority > b.priority;
    if (a.created_at_us != b.created_at_us) return a.created_at_us < b.created_at_us;
    return a.id < b.id;
}

// ---- leads ----

// Texts and numbers a lead's values are drawn from.  Texts live in a deque, whose elements
// never move, so the string_views in Value stay valid; others view the document (alive for
// the whole call) or the input bytes (alive until LLVMFuzzerTestOneInput returns).
struct Pool {
    std::deque<std::string> owned;
    std::vector<std::string_view> texts;
    std::vector<double> numbers;
};

Pool make_pool(const Json& doc, std::string_view input, Rng& rng) {
    std::vector<const std::string*> strings;
    std::vector<double> numbers;
    collect(doc, strings, numbers);
    Pool pool;
    const auto own = [&](std::string s) { pool.texts.push_back(pool.owned.emplace_back(std::move(s))); };
    for (const std::string* s : strings) {
        pool.texts.push_back(*s);
        std::string upper = *s;
        for (char& c : upper) c = (c >= 'a' && c <= 'z') ? char(c - 32) : c;
        own(upper);
        own(core::normalize_company(*s));  // non-ASCII letters folded
        own(s->substr(0, s->size() / 2));
        own("x" + *s);
        own(*s + "Z");
        own(*s + "\xC3");  // a truncated UTF-8 sequence: an invalid byte
        own("\xFF" + *s);  // an invalid byte first
    }
    own("");
    own("\xC4\xB0");  // U+0130, folds to "i": equal texts of different lengths
    for (int i = 0; i < 4 && !input.empty(); ++i) {
        const std::size_t begin = rng.pick(input.size());
        pool.texts.push_back(input.substr(begin, rng.pick(input.size() - begin + 1)));
    }
    for (double n : numbers) {
        pool.numbers.push_back(n);
        if (std::isfinite(n)) {
            pool.numbers.push_back(n + 1);
            pool.numbers.push_back(n - 0.5);
            pool.numbers.push_back(std::nextafter(n, std::numeric_limits<double>::infinity()));
            pool.numbers.push_back(std::nextafter(n, -std::numeric_limits<double>::infinity()));
        }
    }
    const double fixed[] = {0.0,
                            -0.0,
                            1,
                            -1,
                            10,
                            500,
                            1e308,
                            -1e-300,
                            std::numeric_limits<double>::infinity(),
                            -std::numeric_limits<double>::infinity(),
                            std::numeric_limits<double>::denorm_min()};
    pool.numbers.insert(pool.numbers.end(), std::begin(fixed), std::end(fixed));
    return pool;
}

Value make_value(const FieldRef& field, const Pool& pool, Rng& rng, int lead) {
    Value v;
    if (lead == 0) return v;  // every field missing
    // Mostly what the adapter hands over (text columns, a number company_size, any JSON type
    // for attributes), sometimes any kind: the core must cope with both.
    enum { missing, text, number, boolean, other } kind;
    const std::size_t r = rng.pick(100);
    if (field.kind == FieldRef::Kind::column && r < 85) {
        kind = r < 15 ? missing : field.numeric ? number : text;
    } else {
        kind = r < 15 ? missing : r < 55 ? text : r < 80 ? number : r < 92 ? boolean : other;
    }
    switch (kind) {
        case missing:
            break;
        case text:
            v.kind = Value::Kind::text;
            v.text = pool.texts[rng.pick(pool.texts.size())];
            break;
        case number:
            v.kind = Value::Kind::number;
            v.number = pool.numbers[rng.pick(pool.numbers.size())];
            break;
        case boolean:
            v.kind = Value::Kind::boolean;
            v.boolean = rng.chance(50);
            break;
        case other:
            v.kind = Value::Kind::other;
            break;
    }
    return v;
}

std::string field_key(const FieldRef& f) {
    return f.kind == FieldRef::Kind::attribute ? "attributes." + f.name : f.name;
}

void check_fields(const RuleSet& set) {
    static const char* const kColumns[] = {"company_industry", "company_size",  "company_location",
                                           "country",          "email",         "phone",
                                           "company_name",     "company_domain"};
    std::vector<std::string> seen;
    for (const FieldRef& f : set.fields()) {
        const std::string key = field_key(f);
        CHECK(std::find(seen.begin(), seen.end(), key) == seen.end(), "field twice: " + key);
        seen.push_back(key);
        if (f.kind == FieldRef::Kind::column) {
            CHECK(std::any_of(std::begin(kColumns), std::end(kColumns), [&](const char* c) { return f.name == c; }),
                  "unknown column field " + f.name);
            CHECK(f.numeric == (f.name == "company_size"), "numeric flag wrong for " + f.name);
        } else {
            CHECK(!f.name.empty() && !f.numeric, "bad attribute field " + key);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    Rng rng(fnv1a(input));

    Json doc;
    try {
        doc = Json::parse(input);
    } catch (const Json::exception&) {
        return 0;  // not JSON: jsonb would not have stored it
    }

    // The rules' conditions.
    std::vector<const Json*> conditions;
    if (doc.is_array() && !doc.empty() && doc.size() <= 3) {
        for (const Json& e : doc) conditions.push_back(&e);
    } else {
        const std::size_t copies = 1 + rng.pick(3);
        conditions.assign(copies, &doc);
    }
    const std::size_t n = conditions.size();

    core::RuleLimits limits;
    if (rng.chance(25)) {
        limits.max_depth = static_cast<int>(rng.pick(9));
        limits.max_predicates = 1 + static_cast<int>(rng.pick(256));
        limits.max_list = 1 + static_cast<int>(rng.pick(20));
        limits.max_string_bytes = 1 + static_cast<int>(rng.pick(40));
        limits.max_key_bytes = 1 + static_cast<int>(rng.pick(40));
    }

    // Validation alone, rule by rule.
    std::vector<std::optional<std::string>> errors(n);  // validation message, if any
    for (std::size_t i = 0; i < n; ++i) {
        try {
            core::validate_conditions(*conditions[i], limits);
        } catch (const UserError& e) {
            CHECK(std::string_view(e.sqlstate()) == "22023",
                  "validation error with SQLSTATE " + std::string(e.sqlstate()));
            CHECK(std::string_view(e.what()).substr(0, 10) == "conditions",
                  "validation message does not start with the path: " + std::string(e.what()));
            errors[i] = e.what();
        }
    }

    // The rule specs; ties in priority and creation time are common, to exercise the order.
    std::vector<std::pair<RuleSpec, Json>> rules;
    std::vector<RuleSpec> specs;
    for (std::size_t i = 0; i < n; ++i) {
        RuleSpec s;
        s.name = "r" + std::to_string(i);
        s.priority = static_cast<std::int32_t>(rng.pick(3)) - (rng.chance(5) ? 2147483647 : 0);
        s.created_at_us = static_cast<std::int64_t>(rng.pick(3)) * 1000000;
        s.id[0] = static_cast<unsigned char>(rng.chance(50) ? 0x80 : 0x01);
        s.id[15] = static_cast<unsigned char>(rng.pick(2));
        s.destination[0] = static_cast<unsigned char>(i + 1);
        s.destination_usable = !rng.chance(15);
        specs.push_back(s);
        rules.emplace_back(s, *conditions[i]);
    }
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return evaluated_before(specs[a], specs[b]); });

    std::optional<RuleSet> set;
    try {
        set.emplace(std::move(rules), limits);
    } catch (const UserError& e) {
        std::optional<std::size_t> first_bad;
        for (std::size_t i : order) {
            if (errors[i]) {
                first_bad = i;
                break;
            }
        }
        CHECK(first_bad.has_value(),
              "RuleSet rejected rules that validate_conditions accepts: " + std::string(e.what()));
        const std::string expected = "rule \"" + specs[*first_bad].name + "\": " + *errors[*first_bad];
        CHECK(e.what() == expected, "RuleSet message \"" + std::string(e.what()) + "\", expected \"" + expected + "\"");
        CHECK(std::string_view(e.sqlstate()) == "22023", "RuleSet error SQLSTATE");
        return 0;
    }
    for (std::size_t i = 0; i < n; ++i) {
        CHECK(!errors[i], "RuleSet accepted a rule validate_conditions rejects: " + *errors[i]);
    }

    CHECK(set->size() == n, "RuleSet::size()");
    for (std::size_t k = 0; k < n; ++k) {
        CHECK(set->rule(k).name == specs[order[k]].name, "evaluation order: position " + std::to_string(k) + " holds " +
                                                             set->rule(k).name + ", expected " + specs[order[k]].name);
    }
    check_fields(*set);

    // Leads: Value arrays indexed like fields(), plus one never-read element so that data()
    // is never null for rules that read no field.
    const Pool pool = make_pool(doc, input, rng);
    const std::vector<FieldRef>& fields = set->fields();
    for (int lead_no = 0; lead_no < 6; ++lead_no) {
        std::vector<Value> values;
        Lead lead;
        for (const FieldRef& f : fields) {
            values.push_back(make_value(f, pool, rng, lead_no));
            lead[field_key(f)] = values.back();
        }
        values.emplace_back();

        const int m = set->match(values.data());
        CHECK(m >= -1 && m < static_cast<int>(n), "match() out of range: " + std::to_string(m));
        CHECK(set->match(values.data()) == m, "match() is not deterministic");
        int first_matched = -1;
        for (std::size_t k = 0; k < n; ++k) {
            const Explanation x = set->explain(k, values.data());
            const RuleSpec& spec = specs[order[k]];
            const bool expected = spec.destination_usable && rule_reference::matches(*conditions[order[k]], lead);
            CHECK(x.matched == expected, "rule " + spec.name + ": explain says " +
                                             (x.matched ? "matched" : "not matched") + ", the reference evaluator " +
                                             (expected ? "matched" : "not matched") + " (failed_path " + x.failed_path +
                                             ", expected " + x.expected + ", actual " + x.actual + ")");
            if (x.matched) {
                CHECK(x.failed_path.empty() && x.expected.empty() && x.actual.empty(),
                      "a matched explanation names a failure");
                if (first_matched < 0) first_matched = static_cast<int>(k);
            } else if (!spec.destination_usable) {
                CHECK(x.failed_path == "destination", "unusable destination not named");
            } else {
                CHECK(x.failed_path.compare(0, 10, "conditions") == 0,
                      "failed_path not under conditions: " + x.failed_path);
                CHECK(!x.expected.empty() && !x.actual.empty(), "empty expected or actual");
            }
        }
        CHECK(m == first_matched, "match() = " + std::to_string(m) + " but the first rule explain() matches is " +
                                      std::to_string(first_matched));
    }
    return 0;
}
