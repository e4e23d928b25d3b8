// Property test of core::RuleSet: randomly generated rules and leads (fixed seed), each checked
// against a deliberately simple reference matcher that evaluates the conditions JSON directly.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/json_document.h"
#include "core/rule_engine.h"
#include "../common/rule_reference.h"

namespace core = lead_router::core;
using core::Json;

namespace {

// Leads of the property test own their strings (rule_reference.h reads any such value).
struct RefValue {
    enum class Kind { missing, text, number, boolean, other };
    Kind kind = Kind::missing;
    std::string text;
    double number = 0;
    bool boolean = false;
};

using RefLead = std::map<std::string, RefValue>;  // field as written in conditions -> value

// ---- Random rules and leads over a small vocabulary, so that matches are common. ----

enum class FieldType { text, number, any };

struct Field {
    const char* name;
    FieldType type;
};

const Field kFields[] = {
    {"country", FieldType::text},        {"company_industry", FieldType::text}, {"company_size", FieldType::number},
    {"attributes.plan", FieldType::any}, {"attributes.score", FieldType::any},  {"attributes.vip", FieldType::any},
};

const char* const kWords[] = {
    "us",       "US",   "de",   "DE",    "b",     "Z",     "a",     "ab",    "abab",   "AbA",
    "software", "Soft", "WARE", "École", "école", "ÉCOLE", "Ωmega", "ωMEGA", "москва", "",
};

const double kNumbers[] = {-3, 0, 1, 2.5, 5, 10, 50, 500};

const char* const kOperators[] = {
    "eq", "neq", "in", "not_in", "gt", "gte", "lt", "lte", "between", "prefix", "contains", "exists",
};

class Generator {
public:
    explicit Generator(std::uint32_t seed) : rng_(seed) {}

    int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
    bool chance(int percent) { return pick(100) < percent; }

    std::string conditions(int depth = 0) {
        std::string out = "{";
        const int members = pick(4);
        for (int i = 0; i < members; ++i) {
            if (i > 0) out += ", ";
            if (depth < 3 && chance(20)) {
                out += chance(50) ? "\"any\": [" : "\"all\": [";
                const int alternatives = 1 + pick(3);
                for (int a = 0; a < alternatives; ++a) {
                    out += (a ? ", " : "") + conditions(depth + 1);
                }
                out += "]";
            } else {
                const Field& field = kFields[pick(6)];
                out += "\"" + std::string(field.name) + "\": " + predicate(field.type);
            }
        }
        return out + "}";
    }

    RefLead lead() {
        RefLead lead;
        for (const Field& field : kFields) {
            if (chance(20)) continue;  // missing
            RefValue v;
            const int kind = field.type == FieldType::text ? 0 : field.type == FieldType::number ? 1 : pick(6);
            switch (kind) {
                case 0:
                    v.kind = RefValue::Kind::text, v.text = word();
                    break;
                case 1:
                    v.kind = RefValue::Kind::number, v.number = number();
                    break;
                case 2:
                    v.kind = RefValue::Kind::boolean, v.boolean = chance(50);
                    break;
                case 3:
                    v.kind = RefValue::Kind::other;
                    break;  // an array or object
                case 4:
                    v.kind = RefValue::Kind::missing;
                    break;  // JSON null
                default:
                    v.kind = RefValue::Kind::text, v.text = word();
                    break;
            }
            lead[field.name] = v;
        }
        return lead;
    }

    core::RuleSpec spec(int index) {
        core::RuleSpec s;
        s.name = "rule " + std::to_string(index);
        s.priority = pick(3);
        s.created_at_us = pick(3);
        s.id[0] = chance(50) ? 0x80 : 0x01;            // 0x80 sorts after 0x01 only if unsigned
        s.id[15] = static_cast<unsigned char>(index);  // unique within a set
        s.destination_usable = chance(85);
        return s;
    }

private:
    std::string word() { return kWords[pick(20)]; }
    std::string nonempty_word() { return kWords[pick(19)]; }
    double number() { return kNumbers[pick(8)]; }
    static std::string quote(const std::string& s) { return "\"" + s + "\""; }
    static std::string number_json(double d) { return core::json_text(Json(d)); }

    std::string scalar(FieldType type) {
        if (type == FieldType::text) return quote(word());
        if (type == FieldType::number) return number_json(number());
        switch (pick(3)) {
            case 0:
                return quote(word());
            case 1:
                return number_json(number());
            default:
                return chance(50) ? "true" : "false";
        }
    }

    // Both bounds of one kind, low <= high in the order the engine uses.
    std::string range(FieldType type) {
        const bool text = type == FieldType::text || (type == FieldType::any && chance(50));
        if (text) {
            std::string low = word(), high = word();
            if (rule_reference::fold(low) > rule_reference::fold(high)) std::swap(low, high);
            return "[" + quote(low) + ", " + quote(high) + "]";
        }
        double low = number(), high = number();
        if (low > high) std::swap(low, high);
        return "[" + number_json(low) + ", " + number_json(high) + "]";
    }

    std::string operand(const std::string& op, FieldType type) {
        if (op == "eq" || op == "neq") return scalar(type);
        if (op == "in" || op == "not_in") return list(type);
        if (op == "between") return range(type);
        if (op == "prefix" || op == "contains") return quote(nonempty_word());
        if (op == "exists") return chance(50) ? "true" : "false";
        // gt, gte, lt, lte
        const bool text = type == FieldType::text || (type == FieldType::any && chance(50));
        return text ? quote(word()) : number_json(number());
    }

    std::string list(FieldType type) {
        std::string out = "[";
        const int n = 1 + pick(4);
        for (int i = 0; i < n; ++i) out += (i ? ", " : "") + scalar(type);
        return out + "]";
    }

    std::string predicate(FieldType type) {
        const int form = pick(10);
        if (form == 0) return scalar(type);  // shorthand eq
        if (form == 1) return list(type);    // shorthand in
        std::string out = "{";
        const int ops = 1 + pick(2);
        for (int i = 0; i < ops; ++i) {
            std::string op = kOperators[pick(12)];
            if (type == FieldType::number && (op == "prefix" || op == "contains")) op = "gte";
            out += (i ? ", \"" : "\"") + op + "\": " + operand(op, type);
        }
        return out + "}";
    }

    std::mt19937 rng_;
};

// The lead's Values in the rule set's slot order; they borrow `lead`'s strings.
std::vector<core::Value> values_for(const core::RuleSet& rules, const RefLead& lead) {
    std::vector<core::Value> values;
    for (const core::FieldRef& field : rules.fields()) {
        const std::string key = field.kind == core::FieldRef::Kind::attribute ? "attributes." + field.name : field.name;
        core::Value v;
        const auto found = lead.find(key);
        if (found != lead.end()) {
            const RefValue& r = found->second;
            switch (r.kind) {
                case RefValue::Kind::missing:
                    break;
                case RefValue::Kind::text:
                    v.kind = core::Value::Kind::text, v.text = r.text;
                    break;
                case RefValue::Kind::number:
                    v.kind = core::Value::Kind::number, v.number = r.number;
                    break;
                case RefValue::Kind::boolean:
                    v.kind = core::Value::Kind::boolean, v.boolean = r.boolean;
                    break;
                case RefValue::Kind::other:
                    v.kind = core::Value::Kind::other;
                    break;
            }
        }
        values.push_back(v);
    }
    values.emplace_back();  // keeps data() non-null when no field is read
    return values;
}

std::string describe(const RefLead& lead) {
    std::string out;
    for (const auto& [key, v] : lead) {
        out += key + "=";
        switch (v.kind) {
            case RefValue::Kind::missing:
                out += "null";
                break;
            case RefValue::Kind::text:
                out += "\"" + v.text + "\"";
                break;
            case RefValue::Kind::number:
                out += std::to_string(v.number);
                break;
            case RefValue::Kind::boolean:
                out += v.boolean ? "true" : "false";
                break;
            case RefValue::Kind::other:
                out += "[...]";
                break;
        }
        out += " ";
    }
    return out;
}

}  // namespace

TEST_CASE("match agrees with the reference on 2000 random rule/lead pairs", "[rules][reference]") {
    Generator gen(20240611);
    int disagreements = 0;
    int matched = 0;
    int pairs = 0;
    for (int r = 0; r < 500; ++r) {
        const std::string text = gen.conditions();
        const Json conditions = Json::parse(text);
        std::vector<std::pair<core::RuleSpec, Json>> rules;
        rules.emplace_back(core::RuleSpec{}, conditions);
        const core::RuleSet set(std::move(rules));
        for (int l = 0; l < 4; ++l) {
            const RefLead lead = gen.lead();
            const std::vector<core::Value> values = values_for(set, lead);
            const bool expected = rule_reference::matches(conditions, lead);
            const bool actual = set.match(values.data()) == 0;
            const bool explained = set.explain(0, values.data()).matched;
            ++pairs;
            matched += expected;
            if (actual != expected || explained != expected) {
                if (++disagreements <= 5) {
                    UNSCOPED_INFO(text << " on " << describe(lead) << ": reference " << expected << ", match " << actual
                                       << ", explain " << explained);
                }
            }
        }
    }
    CHECK(disagreements == 0);
    CHECK(pairs == 2000);
    // Both outcomes are common, or the comparison would prove little.
    CHECK(matched > pairs / 10);
    CHECK(matched < pairs * 9 / 10);
}

TEST_CASE("the chosen rule agrees with the reference's first match in evaluation order", "[rules][reference][order]") {
    Generator gen(7);
    int disagreements = 0;
    int no_match = 0;
    int first_not_chosen = 0;
    for (int s = 0; s < 300; ++s) {
        const int n = 1 + gen.pick(6);
        std::vector<std::pair<core::RuleSpec, Json>> rules;
        for (int i = 0; i < n; ++i) {
            rules.emplace_back(gen.spec(i), Json::parse(gen.conditions()));
        }
        const std::vector<std::pair<core::RuleSpec, Json>> copy = rules;
        const core::RuleSet set(std::move(rules));

        // The documented order, written out independently.
        std::vector<std::size_t> order(copy.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            const core::RuleSpec& x = copy[a].first;
            const core::RuleSpec& y = copy[b].first;
            return std::make_tuple(-x.priority, x.created_at_us, x.id) <
                   std::make_tuple(-y.priority, y.created_at_us, y.id);
        });
        REQUIRE(set.size() == copy.size());
        for (std::size_t k = 0; k < order.size(); ++k) {
            CHECK(set.rule(k).id == copy[order[k]].first.id);
        }

        for (int l = 0; l < 3; ++l) {
            const RefLead lead = gen.lead();
            int expected = -1;
            for (std::size_t k = 0; k < order.size() && expected < 0; ++k) {
                const auto& [spec, conditions] = copy[order[k]];
                if (spec.destination_usable && rule_reference::matches(conditions, lead)) expected = int(k);
            }
            const std::vector<core::Value> values = values_for(set, lead);
            const int actual = set.match(values.data());
            if (actual != expected) ++disagreements;
            no_match += expected < 0;
            first_not_chosen += expected > 0;
            for (std::size_t k = 0; k < order.size(); ++k) {
                const auto& [spec, conditions] = copy[order[k]];
                const bool holds = spec.destination_usable && rule_reference::matches(conditions, lead);
                if (set.explain(k, values.data()).matched != holds) ++disagreements;
            }
        }
    }
    CHECK(disagreements == 0);
    CHECK(no_match > 20);          // sets where nothing matched
    CHECK(first_not_chosen > 50);  // sets where an earlier rule was passed over
}
