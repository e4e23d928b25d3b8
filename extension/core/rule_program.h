// The compiled form of rule conditions, shared by rule_compiler.cpp and rule_matcher.cpp.
// Internal to the core: the adapter only sees rule_engine.h.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/json_document.h"
#include "core/rule_engine.h"

namespace lead_router::core::rules {

enum class Code : std::uint8_t {
    eq,
    neq,
    in,
    not_in,
    gt,
    gte,
    lt,
    lte,
    between,
    prefix,
    contains,
    exists,
    any,  // children: one `all` node per alternative
    all,  // children: the conjuncts (a rule's root, or one alternative of an `any`)
};

// The operator's name as users write it ("not_in"); "any"/"all" for groups.
const char* code_name(Code code);

// One scalar operand.  In-lists are sorted by (type, value) so that matching can binary-search.
struct Operand {
    enum class Type : std::uint8_t { boolean, number, text };
    Type type = Type::boolean;
    bool boolean = false;
    double number = 0;
    std::uint32_t text_begin = 0;  // folded code points in Program::text
    std::uint32_t text_size = 0;
    std::uint32_t table_begin = 0;  // contains: the needle's failure table in Program::tables
};

// Nodes are stored in document order (pre-order); a node's subtree is [index, end).
// Members of nested `all` groups are spliced into the enclosing conjunction: "all" only
// survives as a rule's root and as the alternatives of an `any`.
struct Node {
    Code code = Code::all;
    bool exists = false;      // exists: its operand
    std::uint32_t slot = 0;   // predicates: index into the field slots
    std::uint32_t first = 0;  // predicates: first operand; any: number of alternatives
    std::uint32_t count = 0;  // predicates: number of operands
    std::uint32_t end = 0;
};

// What only explain reads, kept out of Node so that matching walks a dense array.
struct NodeSource {
    std::string path;               // "conditions.any[1].country.in"
    const Json* operand = nullptr;  // as written; for a shorthand the scalar or the array
};

struct Program {
    std::vector<Node> nodes;
    std::vector<NodeSource> sources;  // parallel to nodes
    std::vector<Operand> operands;
    std::u32string text;
    std::vector<std::uint32_t> tables;
    std::vector<FieldRef> fields;
    std::map<std::pair<FieldRef::Kind, std::string>, std::uint32_t> slots;  // while compiling
};

// Compiles one rule's `conditions` into `program` as an `all` node and returns its index.
// Throws UserError("22023", "conditions.<path>: <problem>") for the first problem in
// document order.  NodeSource::operand points into `conditions`, which must outlive it.
std::uint32_t compile(const Json& conditions, const RuleLimits& limits, Program& program);

}  // namespace lead_router::core::rules
