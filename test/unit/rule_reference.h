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
#include "core/json_document.h"
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
    if (v.kind == Kind::text && operand.is_string()) {
        const std::u32string a = fold(v.text), b = fold(operand.template get<std::string>());
        return a < b ? -1 : a > b ? 1 : 0;
    }
    if (v.kind == Kind::number && operand.is_number()) {
        const double n = operand.template get<double>();
        return v.number < n ? -1 : v.number > n ? 1 : 0;
    }
    if (v.kind == Kind::boolean && operand.is_boolean()) {
        return int(v.boolean) - int(operand.template get<bool>());
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
    if (op == "exists") return (v.kind != Kind::missing) == operand.template get<bool>();
    if (v.kind == Kind::missing) return false;
    if (op == "eq") return equal(v, operand);
    if (op == "neq") return !equal(v, operand);
    if (op == "in" || op == "not_in") {
        bool found = false;
        for (const Json& element : operand) found = found || equal(v, element);
        return op == "in" ? found : !found;
    }
    if (op == "prefix" || op == "contains") {
        if (v.kind != Kind::text) return false;
        const std::u32string haystack = fold(v.text), needle = fold(operand.template get<std::string>());
        return op == "prefix" ? haystack.compare(0, needle.size(), needle) == 0
                              : haystack.find(needle) != std::u32string::npos;
    }
    if (op == "between") {
        const std::optional<int> low = compare(v, operand[0]);
        const std::optional<int> high = compare(v, operand[1]);
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
    for (const auto& member : conditions.items()) {
        const std::string& key = member.key();
        const Json& value = member.value();
        if (key == "any") {
            bool one = false;
            for (const Json& alternative : value) one = one || matches(alternative, lead);
            if (!one) return false;
        } else if (key == "all") {
            for (const Json& alternative : value) {
                if (!matches(alternative, lead)) return false;
            }
        } else {
            const auto found = lead.find(key);
            const V v = found == lead.end() ? V{} : found->second;
            if (value.is_object()) {
                for (const auto& predicate : value.items()) {
                    if (!satisfies(predicate.key(), predicate.value(), v)) return false;
                }
            } else if (!satisfies(value.is_array() ? "in" : "eq", value, v)) {
                return false;
            }
        }
    }
    return true;
}

}  // namespace rule_reference
