// RuleSet: rule ordering, matching of a lead against the compiled rules, and explain.
// match() runs on every routing call, so it only reads the compiled program; it allocates
// only to fold lead text that is not ASCII.
#include <algorithm>
#include <numeric>
#include <string>

#include "core/rule_program.h"
#include "core/text_compare.h"
#include "core/user_error.h"

namespace lead_router::core {

using rules::Code;
using rules::Node;
using rules::Operand;
using rules::Program;

struct RuleSet::Impl {
    std::vector<RuleSpec> specs;   // evaluation order
    std::vector<Json> conditions;  // parallel; NodeSource::operand points into these
    struct Entry {
        std::uint32_t root;
        bool usable;
    };
    std::vector<Entry> entries;  // parallel; what match reads, packed together
    Program program;
};

namespace {

constexpr std::uint32_t kNone = ~std::uint32_t{0};

std::u32string_view folded(const Program& p, const Operand& op) noexcept {
    return std::u32string_view(p.text.data() + op.text_begin, op.text_size);
}

// Compares a present value with an operand of the same kind; false when the kinds differ
// (a text value is never ordered against a number operand).
bool compare(const Program& p, const Value& v, const Operand& op, int& result) {
    switch (op.type) {
        case Operand::Type::number:
            if (v.kind != Value::Kind::number) return false;
            result = v.number < op.number ? -1 : v.number > op.number ? 1 : 0;
            return true;
        case Operand::Type::text:
            if (v.kind != Value::Kind::text) return false;
            result = text::compare(v.text, folded(p, op));
            return true;
        case Operand::Type::boolean:
            if (v.kind != Value::Kind::boolean) return false;
            result = int(v.boolean) - int(op.boolean);
            return true;
    }
    return false;
}

bool equals(const Program& p, const Value& v, const Operand& op) {
    int c;
    return compare(p, v, op, c) && c == 0;
}

// In-lists are sorted by (type, value) at compile time: booleans, numbers, texts.
bool in_list(const Program& p, const Value& v, const Node& n) {
    Operand::Type type;
    switch (v.kind) {
        case Value::Kind::boolean:
            type = Operand::Type::boolean;
            break;
        case Value::Kind::number:
            type = Operand::Type::number;
            break;
        case Value::Kind::text:
            type = Operand::Type::text;
            break;
        default:
            return false;
    }
    const Operand* ops = p.operands.data() + n.first;
    std::uint32_t low = 0, high = n.count;
    while (low < high) {
        const std::uint32_t mid = low + (high - low) / 2;
        int c;
        if (ops[mid].type != type) {
            c = type < ops[mid].type ? -1 : 1;
        } else {
            compare(p, v, ops[mid], c);
        }
        if (c == 0) return true;
        if (c < 0) {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    return false;
}

bool predicate_holds(const Program& p, const Node& n, const Value& v) {
    if (n.code == Code::exists) return (v.kind != Value::Kind::missing) == n.exists;
    if (v.kind == Value::Kind::missing) return false;
    const Operand& op = p.operands[n.first];
    int c;
    switch (n.code) {
        case Code::eq:
            return equals(p, v, op);
        case Code::neq:
            return !equals(p, v, op);
        case Code::in:
            return in_list(p, v, n);
        case Code::not_in:
            return !in_list(p, v, n);
        case Code::gt:
            return compare(p, v, op, c) && c > 0;
        case Code::gte:
            return compare(p, v, op, c) && c >= 0;
        case Code::lt:
            return compare(p, v, op, c) && c < 0;
        case Code::lte:
            return compare(p, v, op, c) && c <= 0;
        case Code::between:
            return compare(p, v, op, c) && c >= 0 && compare(p, v, p.operands[n.first + 1], c) && c <= 0;
        case Code::prefix:
            return v.kind == Value::Kind::text && text::starts_with(v.text, folded(p, op));
        case Code::contains:
            return v.kind == Value::Kind::text &&
                   text::contains(v.text, folded(p, op), p.tables.data() + op.table_begin);
        default:
            return false;
    }
}

bool holds(const Program& p, std::uint32_t index, const Value* values);

// The first conjunct of [begin, end) that does not hold, or kNone.
std::uint32_t first_failure(const Program& p, std::uint32_t begin, std::uint32_t end, const Value* values) {
    for (std::uint32_t i = begin; i < end; i = p.nodes[i].end) {
        if (!holds(p, i, values)) return i;
    }
    return kNone;
}

bool holds(const Program& p, std::uint32_t index, const Value* values) {
    const Node& n = p.nodes[index];
    switch (n.code) {
        case Code::all:
            return first_failure(p, index + 1, n.end, values) == kNone;
        case Code::any:
            for (std::uint32_t i = index + 1; i < n.end; i = p.nodes[i].end) {
                if (holds(p, i, values)) return true;
            }
            return false;
        default:
            return predicate_holds(p, n, values[n.slot]);
    }
}

std::string describe(const Value& v) {
    switch (v.kind) {
        case Value::Kind::missing:
            return "(missing)";
        case Value::Kind::other:
            return "(array or object)";
        case Value::Kind::boolean:
            return v.boolean ? "true" : "false";
        case Value::Kind::number:
            return json_text(Json(v.number));
        case Value::Kind::text:
            return json_text(Json(std::string(v.text)));
    }
    return "";
}

bool evaluated_before(const RuleSpec& a, const RuleSpec& b) {
    if (a.priority != b.priority) return a.priority > b.priority;
    if (a.created_at_us != b.created_at_us) return a.created_at_us < b.created_at_us;
    return a.id < b.id;  // std::array compares bytewise, as unsigned char
}

}  // namespace

RuleSet::RuleSet(std::vector<std::pair<RuleSpec, Json>> rules, const RuleLimits& limits)
    : impl_(std::make_unique<Impl>()) {
    std::vector<std::size_t> order(rules.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return evaluated_before(rules[a].first, rules[b].first); });
    impl_->specs.reserve(rules.size());
    impl_->conditions.reserve(rules.size());
    for (const std::size_t i : order) {
        impl_->specs.push_back(std::move(rules[i].first));
        impl_->conditions.push_back(std::move(rules[i].second));
    }
    // Compiled in evaluation order, so that field slots come in the order match reads them.
    impl_->entries.reserve(rules.size());
    for (std::size_t i = 0; i < impl_->specs.size(); ++i) {
        std::uint32_t root;
        try {
            root = rules::compile(impl_->conditions[i], limits, impl_->program);
        } catch (const UserError& e) {
            throw UserError(e.sqlstate(), "rule \"" + impl_->specs[i].name + "\": " + e.what(), e.detail(), e.hint());
        }
        impl_->entries.push_back({root, impl_->specs[i].destination_usable});
    }
    impl_->program.slots.clear();
}

RuleSet::~RuleSet() = default;
RuleSet::RuleSet(RuleSet&&) noexcept = default;
RuleSet& RuleSet::operator=(RuleSet&&) noexcept = default;

const std::vector<FieldRef>& RuleSet::fields() const { return impl_->program.fields; }

std::size_t RuleSet::size() const { return impl_->specs.size(); }

const RuleSpec& RuleSet::rule(std::size_t index) const { return impl_->specs.at(index); }

int RuleSet::match(const Value* values) const { return match_from(values, 0); }

int RuleSet::match_from(const Value* values, std::size_t from) const {
    const Program& p = impl_->program;
    for (std::size_t i = from; i < impl_->entries.size(); ++i) {
        const Impl::Entry& e = impl_->entries[i];
        if (e.usable && holds(p, e.root, values)) return static_cast<int>(i);
    }
    return -1;
}

Explanation RuleSet::explain(std::size_t index, const Value* values) const {
    const Impl::Entry& entry = impl_->entries.at(index);
    Explanation out;
    if (!entry.usable) {
        out.failed_path = "destination";
        out.expected = "an active partner workspace";
        out.actual = "(not usable)";
        return out;
    }
    const Program& p = impl_->program;
    const std::uint32_t failed = first_failure(p, entry.root + 1, p.nodes[entry.root].end, values);
    if (failed == kNone) {
        out.matched = true;
        return out;
    }
    const Node& n = p.nodes[failed];
    out.failed_path = p.sources[failed].path;
    if (n.code == Code::any) {
        // Which alternative came closest is a guess; the group as a whole is the fact.
        out.expected = "any of " + std::to_string(n.first) + (n.first == 1 ? " alternative" : " alternatives");
        out.actual = "(none matched)";
    } else {
        out.expected = std::string(rules::code_name(n.code)) + " " + json_text(*p.sources[failed].operand);
        out.actual = describe(values[n.slot]);
    }
    return out;
}

}  // namespace lead_router::core
