// Routing rules: the `conditions` language of SPEC.md "Rules", compiled once into a matcher.
// Pure C++ (no PostgreSQL headers): the adapter loads a workspace's rules, builds a RuleSet
// and caches it; Catch2 and the fuzzer drive it directly.
//
// Language (the README documents it for users):
//   conditions  := { member, ... }               all members must hold; {} matches every lead
//   member      := field: predicate
//                | "any": [conditions, ...]      at least one alternative holds (non-empty)
//                | "all": [conditions, ...]      every alternative holds (non-empty)
//   field       := company_industry | company_size | company_location | country | email
//                | phone | company_name | company_domain | attributes.<key>
//   predicate   := { op: operand, ... }          every operator must hold
//                | scalar                        shorthand for {"eq": scalar}
//                | [scalar, ...]                 shorthand for {"in": [...]}
//   op/operand  := eq | neq: scalar;  in | not_in: non-empty array of scalars;
//                  gt | gte | lt | lte: number or string;  between: [low, high], both numbers
//                  or both strings, low <= high;  prefix | contains: non-empty string;
//                  exists: boolean
// Types: company_size is a number; the other columns are text; attributes.<key> may hold any
// JSON value.  Operands of a column must have its type.  Numbers compare as numbers; text
// compares case-insensitively (NFKC case folding, core/unicode_text.h) for every operator, ordering included; booleans
// only with eq/neq/in/not_in.  A value of another type than the operand never satisfies
// eq/in/gt/.../prefix/contains, and always satisfies neq/not_in.  A missing field (NULL
// column, absent key, JSON null) satisfies nothing except exists: false.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_document.h"
#include "core/lead_columns.h"

namespace lead_router::core {

// Documented limits; exceeding one is a validation error (22023) naming the path.
struct RuleLimits {
    int max_depth = 8;            // nesting of any/all groups below the top-level object
    int max_predicates = 256;     // operator checks in one rule
    int max_list = 1000;          // elements of one in/not_in list
    int max_string_bytes = 1000;  // bytes of one string operand
    int max_key_bytes = 255;      // bytes of an attributes.<key> key
};

// A lead field a rule set reads.  The adapter fills one Value per slot before matching.
struct FieldRef {
    enum class Kind { column, attribute };
    Kind kind;
    std::string name;   // column name, or the attribute key (without "attributes.")
    bool numeric;       // column of number type (company_size)
    LeadColumn column;  // kind column: which one
};

// The lead's value of one field, borrowed: `text` points into memory the caller owns.
struct Value {
    enum class Kind : std::uint8_t { missing, text, number, boolean, other };  // other: array/object
    Kind kind = Kind::missing;
    std::string_view text;
    double number = 0;
    bool boolean = false;
};

using Uuid = std::array<unsigned char, 16>;

// A member of a rule's pool (routing_rule_destinations).
struct PoolMember {
    Uuid destination{};
    std::int32_t weight = 1;
    bool usable = true;  // a partner other than the source (active or not: see Distributor)
};

// A rule as stored: what the compiler needs besides its conditions.
struct RuleSpec {
    Uuid id{};
    std::string name;
    std::int32_t priority = 0;
    std::int64_t created_at_us = 0;  // tie-break: older rule first, then smaller id
    Uuid destination{};              // a single destination; unused for a pool
    // single destination: active, a partner, not the source; pool: some member is usable
    bool destination_usable = true;
    std::vector<PoolMember> pool;  // empty: the single destination; members by destination id
    bool is_pool() const noexcept { return !pool.empty(); }
};

// Why a rule did or did not match one lead (explain_route).
struct Explanation {
    bool matched = false;
    std::string failed_path;  // e.g. "conditions.company_size.between"; empty when matched
    std::string expected;     // the predicate, e.g. "between [10, 500]"
    std::string actual;       // the lead's value, e.g. "800", "\"DE\"", "(missing)"
};

// Validates `conditions` alone (the rule trigger): throws UserError("22023",
// "conditions.<path>: <problem>") for the first problem found.
void validate_conditions(const Json& conditions, const RuleLimits& limits = {});

class RuleSet {
public:
    // Compiles and orders the rules: priority descending, then created_at ascending, then id
    // ascending (bytewise).  Throws UserError("22023", "rule \"<name>\": conditions.<path>:
    // <problem>") for a rule that does not validate.
    RuleSet(std::vector<std::pair<RuleSpec, Json>> rules, const RuleLimits& limits = {});
    ~RuleSet();
    RuleSet(RuleSet&&) noexcept;
    RuleSet& operator=(RuleSet&&) noexcept;

    // The fields the rules read, deduplicated; Value arrays passed below are indexed alike.
    const std::vector<FieldRef>& fields() const;

    std::size_t size() const;
    const RuleSpec& rule(std::size_t index) const;  // in evaluation order

    // Index of the first rule (evaluation order) whose destination is usable and whose
    // conditions hold, or -1.  Allocates nothing for ASCII lead text; folding other text may
    // throw std::bad_alloc.
    int match(const Value* values) const;
    // The same from rule `from` on: the rules after a match, in order (the waterfall).
    int match_from(const Value* values, std::size_t from) const;

    // Evaluation of one rule, with the first failing predicate when it does not match
    // (a rule with an unusable destination reports failed_path "destination").
    Explanation explain(std::size_t index, const Value* values) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace lead_router::core
