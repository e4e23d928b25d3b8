// The reference matcher of the rule tests: the conditions JSON evaluated directly, one rule at
// a time, no compilation and no cleverness, from rule_engine.h's documented semantics.  The
// one oracle of the tests: the property test (unit/rule_reference_test.cpp) and the
// rule-conditions fuzzer check core::RuleSet against it, and the libpq integration tests
// (integration/reference_rules.h) check every routed lead's owner with it.
//
// A lead is a map from the field as written in conditions ("country", "attributes.plan") to a
// value; V is any type with core::Value's members (kind, text, number, boolean) and kinds.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include "core/json_document.h"

namespace rule_reference {

using lead_router::core::Json;

// Folded code points, by ICU's own NFKC_Casefold normaliser, applied to each run of valid
// UTF-8; an invalid byte becomes a value no code point has.
inline std::u32string fold(std::string_view s) {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* normalizer = icu::Normalizer2::getNFKCCasefoldInstance(status);
    std::u32string out;
    std::size_t run = 0;
    const auto flush = [&](std::size_t end) {
        if (end <= run) return;
        UErrorCode error = U_ZERO_ERROR;
        const icu::UnicodeString folded = normalizer->normalize(
            icu::UnicodeString::fromUTF8(icu::StringPiece(s.data() + run, static_cast<int32_t>(end - run))), error);
        for (int32_t i = 0; i < folded.length(); i = folded.moveIndex32(i, 1)) {
            out.push_back(static_cast<char32_t>(folded.char32At(i)));
        }
    };
    const auto* bytes = reinterpret_cast<const uint8_t*>(s.data());
    for (int32_t i = 0; i < static_cast<int32_t>(s.size());) {
        const int32_t start = i;
        UChar32 c;
        U8_NEXT(bytes, i, static_cast<int32_t>(s.size()), c);
        if (c < 0) {
            flush(static_cast<std::size_t>(start));
            out.push_back(0x110000 + bytes[start]);
            i = start + 1;
            run = static_cast<std::size_t>(i);
        }
    }
    flush(s.size());
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
