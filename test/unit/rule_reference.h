// The reference matcher of the rule tests: the conditions JSON evaluated directly, one rule at
// a time, no compilation and no cleverness, from rule_engine.h's documented semantics.  Used
// by the property test (rule_reference_test.cpp) and the rule-conditions fuzzer, which check
// core::RuleSet against it.
//
// A lead is a map from the field as written in conditions ("country", "attributes.plan") to a
// value; V is any type with core::Value's members (kind, text, number, boolean) and kinds.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/identity_normalizer.h"
#include "core/json.h"
#include "core/utf8.h"

namespace rule_reference {

using lead_router::core::Json;

// Case-folded code points; an invalid byte becomes a value no code point has.
inline std::u32string fold(std::string_view s) {
    namespace core = lead_router::core;
    std::u32string out;
    for (std::size_t pos = 0; pos < s.size();) {
        const core::utf8::Decoded d = core::utf8::decode(s, pos);
        out.push_back(d.valid ? core::fold_case(d.code_point)
                              : 0x110000 + static_cast<unsigned char>(s[pos]));
        pos += d.length;
    }
    return out;
}

// The order of a value and an operand of the same kind; nothing when the kinds differ.
template <typename V>
std::optional<int> compare(const V& v, const Json& operand) {
    using Kind = typename V::Kind;
    if (v.kind == Kind::text && operand.type == Json::Type::string) {
        const std::u32string a = fold(v.text), b = fold(operand.string);
        return a < b ? -1 : a > b ? 1 : 0;
    }
    if (v.kind == Kind::number && operand.type == Json::Type::number) {
        return v.number < operand.number ? -1 : v.number > operand.number ? 1 : 0;
    }
    if (v.kind == Kind::boolean && operand.type == Json::Type::boolean) {
        return int(v.boolean) - int(operand.boolean);
    }
    return std::nullopt;
}

template <typename V>
bool equal(const V& v, const Json& operand) {
    const std::optional<int> c = compare(v, operand);
    return c && *c == 0;
}

// One predicate; throws std::logic_error for an operator the reference does not know.
template <typename V>
bool satisfies(const std::string& op, const Json& operand, const V& v) {
    using Kind = typename V::Kind;
    if (op == "exists") return (v.kind != Kind::missing) == operand.boolean;
    if (v.kind == Kind::missing) return false;
    if (op == "eq") return equal(v, operand);
    if (op == "neq") return !equal(v, operand);
    if (op == "in" || op == "not_in") {
        bool found = false;
        for (const Json& element : operand.array) found = found || equal(v, element);
        return op == "in" ? found : !found;
    }
    if (op == "prefix" || op == "contains") {
        if (v.kind != Kind::text) return false;
        const std::u32string haystack = fold(v.text), needle = fold(operand.string);
        return op == "prefix" ? haystack.compare(0, needle.size(), needle) == 0
                              : haystack.find(needle) != std::u32string::npos;
    }
    if (op == "between") {
        const std::optional<int> low = compare(v, operand.array[0]);
        const std::optional<int> high = compare(v, operand.array[1]);
        return low && high && *low >= 0 && *high <= 0;
    }
    const std::optional<int> c = compare(v, operand);
    if (!c) return false;
    if (op == "gt") return *c > 0;
    if (op == "gte") return *c >= 0;
    if (op == "lt") return *c < 0;
    if (op == "lte") return *c <= 0;
    throw std::logic_error("the reference matcher does not know operator " + op);
}

// Whether the lead satisfies the conditions (all members; any/all groups; a bare value is eq,
// a bare array is in).
template <typename V>
bool matches(const Json& conditions, const std::map<std::string, V>& lead) {
    for (const auto& [key, value] : conditions.object) {
        if (key == "any") {
            bool one = false;
            for (const Json& alternative : value.array) one = one || matches(alternative, lead);
            if (!one) return false;
        } else if (key == "all") {
            for (const Json& alternative : value.array) {
                if (!matches(alternative, lead)) return false;
            }
        } else {
            const auto found = lead.find(key);
            const V v = found == lead.end() ? V{} : found->second;
            if (value.type == Json::Type::object) {
                for (const auto& [op, operand] : value.object) {
                    if (!satisfies(op, operand, v)) return false;
                }
            } else if (!satisfies(value.type == Json::Type::array ? "in" : "eq", value, v)) {
                return false;
            }
        }
    }
    return true;
}

}  // namespace rule_reference
