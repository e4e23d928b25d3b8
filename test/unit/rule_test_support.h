// Helpers shared by the RuleSet tests: leads written as JSON, rule specs, one-rule sets.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json_document.h"
#include "core/rule_engine.h"

namespace rule_test {

using lead_router::core::Explanation;
using lead_router::core::FieldRef;
using lead_router::core::Json;
using lead_router::core::RuleSet;
using lead_router::core::RuleSpec;
using lead_router::core::Value;

// Tests write conditions and leads as JSON text; nlohmann reads it into the core's document.
inline Json parse_json(std::string_view text) { return Json::parse(text); }

// A lead written as JSON: {"country": "DE", "company_size": 800, "attributes.plan": "pro"}.
// An absent member is a missing field; JSON null reads as missing, as the adapter does.
class Lead {
public:
    explicit Lead(std::string_view json) : json_(parse_json(json)) {}

    // Values borrow the lead's strings: a temporary Lead would leave them dangling.
    std::vector<Value> values(const RuleSet& rules) const&& = delete;
    std::vector<Value> values(const RuleSet& rules) const& {
        std::vector<Value> out;
        for (const FieldRef& field : rules.fields()) {
            const std::string key = field.kind == FieldRef::Kind::attribute ? "attributes." + field.name : field.name;
            const auto found = json_.find(key);
            out.push_back(value_of(found == json_.end() ? nullptr : &*found));
        }
        out.emplace_back();  // never read; keeps data() non-null for rules without fields
        return out;
    }

private:
    static Value value_of(const Json* json) {
        Value v;
        if (json == nullptr) return v;
        if (json->is_null()) return v;
        if (json->is_string()) {
            v.kind = Value::Kind::text;
            v.text = json->get_ref<const std::string&>();
        } else if (json->is_number()) {
            v.kind = Value::Kind::number;
            v.number = json->get<double>();
        } else if (json->is_boolean()) {
            v.kind = Value::Kind::boolean;
            v.boolean = json->get<bool>();
        } else {
            v.kind = Value::Kind::other;
        }
        return v;
    }

    Json json_;
};

inline RuleSpec spec(std::string name, int priority = 0, long long created_at = 0, unsigned char id = 0,
                     bool usable = true) {
    RuleSpec s;
    s.name = std::move(name);
    s.priority = priority;
    s.created_at_us = created_at;
    s.id[15] = id;
    s.destination[0] = id;
    s.destination_usable = usable;
    return s;
}

inline RuleSet one_rule(std::string_view conditions) {
    std::vector<std::pair<RuleSpec, Json>> rules;
    rules.emplace_back(spec("r"), parse_json(conditions));
    return RuleSet(std::move(rules));
}

// Whether `conditions` holds for `lead`; explain must agree with match.
inline bool matches(std::string_view conditions, std::string_view lead) {
    const RuleSet rules = one_rule(conditions);
    const Lead l(lead);
    const std::vector<Value> values = l.values(rules);
    const bool matched = rules.match(values.data()) == 0;
    INFO(conditions << " on " << lead);
    CHECK(rules.explain(0, values.data()).matched == matched);
    return matched;
}

inline Explanation explain(std::string_view conditions, std::string_view lead) {
    const RuleSet rules = one_rule(conditions);
    const Lead l(lead);
    const std::vector<Value> values = l.values(rules);
    return rules.explain(0, values.data());
}

// Conditions {"<field>": {"<op>": <operand>}}.
inline std::string pred(std::string_view field, std::string_view op, std::string_view operand) {
    return "{\"" + std::string(field) + "\": {\"" + std::string(op) + "\": " + std::string(operand) + "}}";
}

}  // namespace rule_test
