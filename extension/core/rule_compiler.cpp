// Validation and compilation of the conditions language (rule_engine.h) into rules::Program.
// One walk does both, so a rule that validates is exactly a rule that compiles.
#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>

#include "core/lead_columns.h"
#include "core/rule_program.h"
#include "core/text_compare.h"
#include "core/user_error.h"

namespace lead_router::core {
namespace rules {
namespace {

// What a field's operands must be: the column's type, or any scalar for attributes.
enum class FieldType { text, number, any };

constexpr std::string_view kAttributePrefix = "attributes.";

constexpr struct {
    const char* name;
    Code code;
} kOperators[] = {
    {"eq", Code::eq},
    {"neq", Code::neq},
    {"in", Code::in},
    {"not_in", Code::not_in},
    {"gt", Code::gt},
    {"gte", Code::gte},
    {"lt", Code::lt},
    {"lte", Code::lte},
    {"between", Code::between},
    {"prefix", Code::prefix},
    {"contains", Code::contains},
    {"exists", Code::exists},
};

// "Valid fields: company_industry, ..., attributes.<key>, and the groups any and all."
std::string field_hint() {
    std::string hint = "Valid fields: ";
    for (const LeadColumnInfo& c : kLeadColumns) hint += std::string(c.name) + ", ";
    return hint + "attributes.<key>, and the groups any and all.";
}

const char kOperatorHint[] =
    "Valid operators: eq, neq, in, not_in, gt, gte, lt, lte, between, prefix, contains, exists.";
const char kNullHint[] = "JSON null never matches; use exists: false to match a missing field.";

class Compiler {
public:
    Compiler(const RuleLimits& limits, Program& program) : limits_(limits), program_(program) {}

    std::uint32_t compile_rule(const Json& conditions) {
        path_ = "conditions";
        const std::uint32_t root = open_group(Code::all);
        compile_conjunction(conditions, 0);
        close_group(root);
        return root;
    }

private:
    [[noreturn]] void fail(const std::string& problem, std::string hint = {}) const {
        throw UserError("22023", path_ + ": " + problem, {}, std::move(hint));
    }

    // Runs `body` with `suffix` appended to the path.  No restore on throw: an error ends
    // the compilation.
    template <typename Body>
    void at(const std::string& suffix, Body body) {
        const std::size_t mark = path_.size();
        path_ += suffix;
        body();
        path_.resize(mark);
    }

    static std::string index_suffix(std::size_t i) { return "[" + std::to_string(i) + "]"; }

    // A member name as it appears in paths and messages: at most 64 bytes (cut at a UTF-8
    // character boundary, marked with "..."), so that a huge key cannot push the problem
    // itself out of an error message.
    static std::string key_suffix(const std::string& key) {
        constexpr std::size_t kShown = 64;
        if (key.size() <= kShown) return "." + key;
        std::size_t cut = kShown;
        while (cut > 0 && (static_cast<unsigned char>(key[cut]) & 0xC0) == 0x80) --cut;
        return "." + key.substr(0, cut) + "...";
    }

    std::uint32_t add_node(Code code, const Json* operand) {
        program_.nodes.push_back(Node{});
        program_.nodes.back().code = code;
        program_.sources.push_back(NodeSource{path_, operand});
        const auto index = static_cast<std::uint32_t>(program_.nodes.size() - 1);
        program_.nodes.back().end = index + 1;
        return index;
    }

    std::uint32_t open_group(Code code) { return add_node(code, nullptr); }
    void close_group(std::uint32_t group) {
        program_.nodes[group].end = static_cast<std::uint32_t>(program_.nodes.size());
    }

    void compile_conjunction(const Json& object, int depth) {
        if (!object.is_object()) fail("expected an object");
        if (depth > limits_.max_depth) {
            fail("nesting deeper than " + std::to_string(limits_.max_depth) + " levels");
        }
        for (const auto& member : object.items()) {
            const std::string& key = member.key();
            at(key_suffix(key), [&] {
                if (key == "any" || key == "all") {
                    compile_group(key == "any", member.value(), depth);
                } else {
                    compile_field(key, member.value());
                }
            });
        }
    }

    void compile_group(bool any, const Json& value, int depth) {
        if (!value.is_array() || value.empty()) {
            fail("expected a non-empty array of condition objects");
        }
        const std::uint32_t group = any ? open_group(Code::any) : 0;
        for (std::size_t i = 0; i < value.size(); ++i) {
            at(index_suffix(i), [&] {
                if (!any) {
                    compile_conjunction(value[i], depth + 1);  // spliced into ours
                    return;
                }
                const std::uint32_t alternative = open_group(Code::all);
                compile_conjunction(value[i], depth + 1);
                close_group(alternative);
            });
        }
        if (any) {
            program_.nodes[group].first = static_cast<std::uint32_t>(value.size());
            close_group(group);
        }
    }

    void compile_field(const std::string& key, const Json& predicate) {
        FieldRef field{FieldRef::Kind::column, key, false, LeadColumn::company_industry};
        FieldType type = FieldType::text;
        if (const std::optional<LeadColumn> column = find_lead_column(key)) {
            field.column = *column;
            field.numeric = lead_column_info(*column).numeric;
            type = field.numeric ? FieldType::number : FieldType::text;
        } else if (key.compare(0, kAttributePrefix.size(), kAttributePrefix) == 0) {
            field.kind = FieldRef::Kind::attribute;
            field.name = key.substr(kAttributePrefix.size());
            type = FieldType::any;
            if (field.name.empty()) fail("attribute key is empty");
            if (field.name.size() > static_cast<std::size_t>(limits_.max_key_bytes)) {
                fail("attribute key longer than " + std::to_string(limits_.max_key_bytes) + " bytes");
            }
        } else {
            fail("unknown field", field_hint());
        }
        const std::uint32_t slot = slot_of(std::move(field));

        // The shorthands are checked by the same code as the long forms they stand for.
        if (predicate.is_null()) fail("null is not a valid operand", kNullHint);
        if (predicate.is_array()) {
            add_predicate(Code::in, slot, type, predicate);
            return;
        }
        if (!predicate.is_object()) {
            add_predicate(Code::eq, slot, type, predicate);
            return;
        }
        if (predicate.empty()) fail("expected at least one operator", kOperatorHint);
        for (const auto& member : predicate.items()) {
            at(key_suffix(member.key()), [&] {
                const auto* op = std::find_if(std::begin(kOperators), std::end(kOperators),
                                              [&](const auto& o) { return member.key() == o.name; });
                if (op == std::end(kOperators)) fail("unknown operator", kOperatorHint);
                add_predicate(op->code, slot, type, member.value());
            });
        }
    }

    std::uint32_t slot_of(FieldRef field) {
        auto key = std::make_pair(field.kind, field.name);
        const auto found = program_.slots.find(key);
        if (found != program_.slots.end()) return found->second;
        const auto slot = static_cast<std::uint32_t>(program_.fields.size());
        program_.fields.push_back(std::move(field));
        program_.slots.emplace(std::move(key), slot);
        return slot;
    }

    void add_predicate(Code code, std::uint32_t slot, FieldType type, const Json& operand) {
        if (++predicates_ > limits_.max_predicates) {
            throw UserError("22023", "conditions: more than " + std::to_string(limits_.max_predicates) + " predicates");
        }
        const std::uint32_t index = add_node(code, &operand);
        const auto first = static_cast<std::uint32_t>(program_.operands.size());
        switch (code) {
            case Code::eq:
            case Code::neq:
                add_scalar(operand, type);
                break;
            case Code::in:
            case Code::not_in:
                add_list(operand, type);
                break;
            case Code::gt:
            case Code::gte:
            case Code::lt:
            case Code::lte:
                add_ordered(operand, type);
                break;
            case Code::between:
                add_range(operand, type);
                break;
            case Code::prefix:
            case Code::contains:
                add_needle(code, operand, type);
                break;
            case Code::exists:
                if (!operand.is_boolean()) fail("expected a boolean");
                program_.nodes[index].exists = operand.get<bool>();
                break;
            case Code::any:
            case Code::all:
                break;
        }
        Node& node = program_.nodes[index];
        node.slot = slot;
        node.first = first;
        node.count = static_cast<std::uint32_t>(program_.operands.size()) - first;
    }

    void fail_if_null(const Json& operand) const {
        if (operand.is_null()) fail("null is not a valid operand", kNullHint);
    }

    // eq, neq and list elements: a scalar of the field's type.
    void add_scalar(const Json& operand, FieldType type) {
        fail_if_null(operand);
        const bool ok = type == FieldType::text     ? operand.is_string()
                        : type == FieldType::number ? operand.is_number()
                                                    : operand.is_primitive();
        if (!ok) {
            fail(type == FieldType::text     ? "expected a string"
                 : type == FieldType::number ? "expected a number"
                                             : "expected a string, a number or a boolean");
        }
        push_operand(operand);
    }

    // gt, gte, lt, lte and range bounds: a number or a string, never a boolean.
    void add_ordered(const Json& operand, FieldType type) {
        fail_if_null(operand);
        const bool ok = type == FieldType::text     ? operand.is_string()
                        : type == FieldType::number ? operand.is_number()
                                                    : operand.is_string() || operand.is_number();
        if (!ok) {
            fail(type == FieldType::text     ? "expected a string"
                 : type == FieldType::number ? "expected a number"
                                             : "expected a number or a string");
        }
        push_operand(operand);
    }

    void add_list(const Json& operand, FieldType type) {
        if (!operand.is_array() || operand.empty()) {
            fail("expected a non-empty array of scalars");
        }
        if (operand.size() > static_cast<std::size_t>(limits_.max_list)) {
            fail("more than " + std::to_string(limits_.max_list) + " values");
        }
        const std::size_t first = program_.operands.size();
        for (std::size_t i = 0; i < operand.size(); ++i) {
            at(index_suffix(i), [&] { add_scalar(operand[i], type); });
        }
        std::sort(program_.operands.begin() + static_cast<std::ptrdiff_t>(first), program_.operands.end(),
                  [&](const Operand& a, const Operand& b) { return compare(a, b) < 0; });
    }

    void add_range(const Json& operand, FieldType type) {
        if (!operand.is_array() || operand.size() != 2) {
            fail("expected [low, high]");
        }
        at("[0]", [&] { add_ordered(operand[0], type); });
        // The high bound must have the low bound's type, whatever the field's type.
        const Operand& low = program_.operands.back();
        const FieldType high_type = low.type == Operand::Type::text ? FieldType::text : FieldType::number;
        at("[1]", [&] { add_ordered(operand[1], high_type); });
        const std::size_t n = program_.operands.size();
        if (compare(program_.operands[n - 2], program_.operands[n - 1]) > 0) {
            fail("low " + json_text(operand[0]) + " is greater than high " + json_text(operand[1]));
        }
    }

    void add_needle(Code code, const Json& operand, FieldType type) {
        if (type == FieldType::number) {
            fail("not applicable to a number field",
                 "Use eq, neq, in, not_in, gt, gte, lt, lte or between on numbers.");
        }
        if (!operand.is_string() || operand.get_ref<const std::string&>().empty()) {
            fail("expected a non-empty string");
        }
        push_operand(operand);
        if (code == Code::contains) {
            Operand& needle = program_.operands.back();
            needle.table_begin = static_cast<std::uint32_t>(program_.tables.size());
            text::failure_table(folded(needle), program_.tables);
        }
    }

    void push_operand(const Json& value) {
        Operand op;
        if (value.is_boolean()) {
            op.type = Operand::Type::boolean;
            op.boolean = value.get<bool>();
        } else if (value.is_number()) {
            op.type = Operand::Type::number;
            op.number = value.get<double>();
            if (!std::isfinite(op.number)) fail("number out of range");
        } else {  // a string; the callers have checked
            const std::string& text = value.get_ref<const std::string&>();
            if (text.size() > static_cast<std::size_t>(limits_.max_string_bytes)) {
                fail("string longer than " + std::to_string(limits_.max_string_bytes) + " bytes");
            }
            op.type = Operand::Type::text;
            op.text_begin = static_cast<std::uint32_t>(program_.text.size());
            text::fold_into(program_.text, text);
            op.text_size = static_cast<std::uint32_t>(program_.text.size()) - op.text_begin;
        }
        program_.operands.push_back(op);
    }

    std::u32string_view folded(const Operand& op) const {
        return std::u32string_view(program_.text).substr(op.text_begin, op.text_size);
    }

    // The order of in-lists: booleans, then numbers, then texts (rule_matcher.cpp relies
    // on it); within a type the order the matcher compares values in.
    int compare(const Operand& a, const Operand& b) const {
        if (a.type != b.type) return a.type < b.type ? -1 : 1;
        switch (a.type) {
            case Operand::Type::boolean:
                return int(a.boolean) - int(b.boolean);
            case Operand::Type::number:
                return a.number < b.number ? -1 : a.number > b.number;
            case Operand::Type::text:
                return text::compare(folded(a), folded(b));
        }
        return 0;
    }

    const RuleLimits& limits_;
    Program& program_;
    std::string path_;
    int predicates_ = 0;
};

}  // namespace

const char* code_name(Code code) {
    switch (code) {
        case Code::any:
            return "any";
        case Code::all:
            return "all";
        default:
            break;
    }
    for (const auto& op : kOperators) {
        if (op.code == code) return op.name;
    }
    return "?";
}

std::uint32_t compile(const Json& conditions, const RuleLimits& limits, Program& program) {
    return Compiler(limits, program).compile_rule(conditions);
}

}  // namespace rules

void validate_conditions(const Json& conditions, const RuleLimits& limits) {
    rules::Program scratch;
    rules::compile(conditions, limits, scratch);
}

}  // namespace lead_router::core
