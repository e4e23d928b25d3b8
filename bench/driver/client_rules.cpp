#include "client_rules.h"

#include <cctype>
#include <cstdlib>

namespace bench::client_rules {
namespace {

// The lead's value of one field, as the rule language sees it.
struct Value {
    enum class Kind { missing, text, number, boolean, other } kind = Kind::missing;
    std::string text;  // lower-cased
    double number = 0;
    bool boolean = false;
};

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

Value from_json(const Json& j) {
    Value v;
    if (j.is_null()) {
        // missing: a JSON null satisfies nothing but exists: false
    } else if (j.is_string()) {
        v.kind = Value::Kind::text;
        v.text = lower(j.get<std::string>());
    } else if (j.is_number()) {
        v.kind = Value::Kind::number;
        v.number = j.get<double>();
    } else if (j.is_boolean()) {
        v.kind = Value::Kind::boolean;
        v.boolean = j.get<bool>();
    } else {
        v.kind = Value::Kind::other;  // an array or an object
    }
    return v;
}

// The elements of an array operand; none for anything else (the server validated the rule).
const Json& elements(const Json& j) {
    static const Json kNone = Json::array();
    return j.is_array() ? j : kNone;
}

Value field_value(const LeadRow& lead, const std::string& field) {
    static const std::string kAttr = "attributes.";
    if (field.compare(0, kAttr.size(), kAttr) == 0) {
        const auto found = lead.attributes.find(field.substr(kAttr.size()));
        return found == lead.attributes.end() ? Value{} : from_json(*found);
    }
    for (const auto& [name, text] : lead.columns) {
        if (name != field) continue;
        Value v;
        if (!text) return v;
        if (name == "company_size") {
            v.kind = Value::Kind::number;
            v.number = std::strtod(text->c_str(), nullptr);
        } else {
            v.kind = Value::Kind::text;
            v.text = lower(*text);
        }
        return v;
    }
    return Value{};
}

// -1/0/1, or nullopt when the types differ (booleans compare for equality only: 0 or 1).
std::optional<int> compare(const Value& v, const Json& operand) {
    const Value o = from_json(operand);
    if (v.kind != o.kind) return std::nullopt;
    switch (v.kind) {
        case Value::Kind::number:
            return v.number < o.number ? -1 : v.number > o.number ? 1 : 0;
        case Value::Kind::text:
            return v.text < o.text ? -1 : v.text > o.text ? 1 : 0;
        case Value::Kind::boolean:
            return v.boolean == o.boolean ? 0 : 1;
        default:
            return std::nullopt;
    }
}

bool in_list(const Value& v, const Json& list) {
    for (const Json& element : elements(list)) {
        if (compare(v, element) == 0) return true;
    }
    return false;
}

bool operator_holds(const std::string& op, const Json& operand, const Value& v) {
    if (op == "exists") {
        return (v.kind != Value::Kind::missing) == (operand.is_boolean() && operand.get<bool>());
    }
    if (v.kind == Value::Kind::missing) return false;  // missing satisfies nothing else
    const bool ordered = v.kind == Value::Kind::number || v.kind == Value::Kind::text;
    if (op == "eq") return compare(v, operand) == 0;
    if (op == "neq") return compare(v, operand) != 0;  // also true on a type mismatch
    if (op == "in") return in_list(v, operand);
    if (op == "not_in") return !in_list(v, operand);
    if (op == "gt" || op == "gte" || op == "lt" || op == "lte") {
        const std::optional<int> c = compare(v, operand);
        if (!ordered || !c) return false;
        if (op == "gt") return *c > 0;
        if (op == "gte") return *c >= 0;
        if (op == "lt") return *c < 0;
        return *c <= 0;
    }
    if (op == "between") {
        if (!ordered || !operand.is_array() || operand.size() != 2) return false;
        const std::optional<int> low = compare(v, operand[0]);
        const std::optional<int> high = compare(v, operand[1]);
        return low && high && *low >= 0 && *high <= 0;
    }
    if (op == "prefix" || op == "contains") {
        if (v.kind != Value::Kind::text || !operand.is_string()) return false;
        const std::string needle = lower(operand.get<std::string>());
        return op == "prefix" ? v.text.compare(0, needle.size(), needle) == 0
                              : v.text.find(needle) != std::string::npos;
    }
    return false;  // unknown operators never hold (the server validated the rule on write)
}

bool predicate_holds(const Json& predicate, const Value& v) {
    if (predicate.is_object()) {
        for (const auto& item : predicate.items()) {
            if (!operator_holds(item.key(), item.value(), v)) return false;
        }
        return true;
    }
    if (predicate.is_array()) return in_list(v, predicate);  // shorthand for in
    return compare(v, predicate) == 0;                       // shorthand for eq
}

}  // namespace

bool holds(const Json& conditions, const LeadRow& lead) {
    if (!conditions.is_object()) return false;  // the server accepts objects only
    for (const auto& item : conditions.items()) {
        const std::string& key = item.key();
        const Json& value = item.value();
        if (key == "any") {
            bool any = false;
            for (const Json& alternative : elements(value)) {
                if (holds(alternative, lead)) {
                    any = true;
                    break;
                }
            }
            if (!any) return false;
        } else if (key == "all") {
            for (const Json& alternative : elements(value)) {
                if (!holds(alternative, lead)) return false;
            }
        } else if (!predicate_holds(value, field_value(lead, key))) {
            return false;
        }
    }
    return true;
}

const Rule* first_match(const std::vector<Rule>& rules, const LeadRow& lead) {
    for (const Rule& rule : rules) {
        if (holds(rule.conditions, lead)) return &rule;
    }
    return nullptr;
}

}  // namespace bench::client_rules
