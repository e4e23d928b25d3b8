// Printing and evaluation of the test's rule model (see reference_rules.h).  Written from the
// documented semantics, not from the extension's code:
//   - a missing value (NULL column, absent key, JSON null) satisfies only exists: false;
//   - a value of another type than the operand satisfies eq/in/ordering/prefix/contains never
//     and neq/not_in always;
//   - text compares case-insensitively; between is inclusive at both ends.
#include "reference_rules.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <tuple>

namespace lrtest::rules {
namespace {

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (const char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// The lead's value of a field, as the language sees it.
struct Value {
    bool present = false;
    Scalar scalar;
};

Value value_of(const LeadInputs& lead, const std::string& field) {
    auto text_value = [](const std::optional<std::string>& v) {
        Value out;
        if (v) {
            out.present = true;
            out.scalar = text(*v);
        }
        return out;
    };
    if (field == "company_industry") return text_value(lead.company_industry);
    if (field == "company_location") return text_value(lead.company_location);
    if (field == "country") return text_value(lead.country);
    if (field == "email") return text_value(lead.email);
    if (field == "phone") return text_value(lead.phone);
    if (field == "company_name") return text_value(lead.company_name);
    if (field == "company_domain") return text_value(lead.company_domain);
    if (field == "company_size") {
        Value out;
        if (lead.company_size) {
            out.present = true;
            out.scalar = number(*lead.company_size);
        }
        return out;
    }
    const std::string prefix = "attributes.";
    if (field.compare(0, prefix.size(), prefix) == 0) {
        const auto found = lead.attributes.find(field.substr(prefix.size()));
        Value out;
        if (found != lead.attributes.end() && found->second) {
            out.present = true;
            out.scalar = *found->second;
        }
        return out;
    }
    throw std::logic_error("reference_rules: unknown field " + field);
}

// Three-way comparison of a value with an operand of the same kind; nullopt when the kinds
// differ (such a pair is neither equal nor ordered).
std::optional<int> compare(const Scalar& value, const Scalar& operand) {
    if (value.kind != operand.kind) return std::nullopt;
    switch (value.kind) {
        case Scalar::Kind::text: {
            const int c = lower(value.text).compare(lower(operand.text));
            return c < 0 ? -1 : c > 0 ? 1 : 0;
        }
        case Scalar::Kind::number:
            return value.number < operand.number ? -1 : value.number > operand.number ? 1 : 0;
        case Scalar::Kind::boolean:
            return int(value.boolean) - int(operand.boolean);
    }
    return std::nullopt;
}

bool equal(const Scalar& value, const Scalar& operand) {
    const auto c = compare(value, operand);
    return c && *c == 0;
}

bool in_list(const Scalar& value, const std::vector<Scalar>& list) {
    return std::any_of(list.begin(), list.end(), [&](const Scalar& s) { return equal(value, s); });
}

bool op_holds(const Op& op, const Value& v) {
    if (op.name == "exists") return v.present == op.operands.at(0).boolean;
    if (!v.present) return false;
    const Scalar& x = v.scalar;
    const Scalar& a = op.operands.at(0);
    if (op.name == "eq") return equal(x, a);
    if (op.name == "neq") return !equal(x, a);
    if (op.name == "in") return in_list(x, op.operands);
    if (op.name == "not_in") return !in_list(x, op.operands);
    const auto c = compare(x, a);
    if (op.name == "gt") return c && *c > 0;
    if (op.name == "gte") return c && *c >= 0;
    if (op.name == "lt") return c && *c < 0;
    if (op.name == "lte") return c && *c <= 0;
    if (op.name == "between") {
        const auto high = compare(x, op.operands.at(1));
        return c && *c >= 0 && high && *high <= 0;
    }
    if (x.kind != Scalar::Kind::text) return false;
    if (op.name == "prefix") return lower(x.text).compare(0, a.text.size(), lower(a.text)) == 0;
    if (op.name == "contains") return lower(x.text).find(lower(a.text)) != std::string::npos;
    throw std::logic_error("reference_rules: unknown operator " + op.name);
}

Op make(const char* name, std::vector<Scalar> operands, bool list) {
    return Op{name, std::move(operands), list};
}

}  // namespace

Scalar text(std::string value) {
    Scalar s;
    s.kind = Scalar::Kind::text;
    s.text = std::move(value);
    return s;
}
Scalar number(double value) {
    Scalar s;
    s.kind = Scalar::Kind::number;
    s.number = value;
    return s;
}
Scalar boolean(bool value) {
    Scalar s;
    s.kind = Scalar::Kind::boolean;
    s.boolean = value;
    return s;
}

std::string to_json(const Scalar& value) {
    switch (value.kind) {
        case Scalar::Kind::text:
            return json_string(value.text);
        case Scalar::Kind::boolean:
            return value.boolean ? "true" : "false";
        case Scalar::Kind::number: {
            char buf[32];
            if (value.number == std::floor(value.number) && std::fabs(value.number) < 1e15) {
                std::snprintf(buf, sizeof buf, "%.0f", value.number);
            } else {
                std::snprintf(buf, sizeof buf, "%.17g", value.number);
            }
            return buf;
        }
    }
    return "null";
}

std::string attributes_json(const LeadInputs& lead) {
    std::string out = "{";
    for (const auto& [key, value] : lead.attributes) {
        if (out.size() > 1) out += ", ";
        out += json_string(key) + ": " + (value ? to_json(*value) : "null");
    }
    return out + "}";
}

Op eq(Scalar v) { return make("eq", {std::move(v)}, false); }
Op neq(Scalar v) { return make("neq", {std::move(v)}, false); }
Op in(std::vector<Scalar> vs) { return make("in", std::move(vs), true); }
Op not_in(std::vector<Scalar> vs) { return make("not_in", std::move(vs), true); }
Op gt(Scalar v) { return make("gt", {std::move(v)}, false); }
Op gte(Scalar v) { return make("gte", {std::move(v)}, false); }
Op lt(Scalar v) { return make("lt", {std::move(v)}, false); }
Op lte(Scalar v) { return make("lte", {std::move(v)}, false); }
Op between(Scalar low, Scalar high) {
    return make("between", {std::move(low), std::move(high)}, true);
}
Op prefix(std::string v) { return make("prefix", {text(std::move(v))}, false); }
Op contains(std::string v) { return make("contains", {text(std::move(v))}, false); }
Op exists(bool v) { return make("exists", {boolean(v)}, false); }

Member field(std::string name, std::vector<Op> ops) {
    Member m;
    m.key = std::move(name);
    m.ops = std::move(ops);
    return m;
}
Member shorthand_eq(std::string name, Scalar v) {
    Member m = field(std::move(name), {eq(std::move(v))});
    m.shorthand = true;
    return m;
}
Member shorthand_in(std::string name, std::vector<Scalar> vs) {
    Member m = field(std::move(name), {in(std::move(vs))});
    m.shorthand = true;
    return m;
}
Member any(std::vector<Conditions> alternatives) {
    Member m;
    m.key = "any";
    m.alternatives = std::move(alternatives);
    return m;
}
Member all(std::vector<Conditions> alternatives) {
    Member m;
    m.key = "all";
    m.alternatives = std::move(alternatives);
    return m;
}

std::string to_json(const Conditions& c) {
    auto list = [](const std::vector<Scalar>& vs) {
        std::string out = "[";
        for (std::size_t i = 0; i < vs.size(); ++i) out += (i ? ", " : "") + to_json(vs[i]);
        return out + "]";
    };
    std::string out = "{";
    for (std::size_t i = 0; i < c.members.size(); ++i) {
        const Member& m = c.members[i];
        out += (i ? ", " : "") + json_string(m.key) + ": ";
        if (m.key == "any" || m.key == "all") {
            out += "[";
            for (std::size_t j = 0; j < m.alternatives.size(); ++j) {
                out += (j ? ", " : "") + to_json(m.alternatives[j]);
            }
            out += "]";
        } else if (m.shorthand) {
            const Op& op = m.ops.at(0);
            out += op.list ? list(op.operands) : to_json(op.operands.at(0));
        } else {
            out += "{";
            for (std::size_t j = 0; j < m.ops.size(); ++j) {
                const Op& op = m.ops[j];
                out += (j ? ", " : "") + json_string(op.name) + ": " +
                       (op.list ? list(op.operands) : to_json(op.operands.at(0)));
            }
            out += "}";
        }
    }
    return out + "}";
}

bool holds(const Conditions& c, const LeadInputs& lead) {
    for (const Member& m : c.members) {
        if (m.key == "any") {
            if (std::none_of(m.alternatives.begin(), m.alternatives.end(),
                             [&](const Conditions& alt) { return holds(alt, lead); })) {
                return false;
            }
        } else if (m.key == "all") {
            if (!std::all_of(m.alternatives.begin(), m.alternatives.end(),
                             [&](const Conditions& alt) { return holds(alt, lead); })) {
                return false;
            }
        } else {
            const Value v = value_of(lead, m.key);
            for (const Op& op : m.ops) {
                if (!op_holds(op, v)) return false;
            }
        }
    }
    return true;
}

std::vector<const Rule*> evaluation_order(const std::vector<Rule>& rules, int source) {
    std::vector<const Rule*> out;
    for (const Rule& r : rules) {
        if (r.source == source && r.active) out.push_back(&r);
    }
    std::sort(out.begin(), out.end(), [](const Rule* a, const Rule* b) {
        return std::make_tuple(-a->priority, a->created_offset_s, a->id) <
               std::make_tuple(-b->priority, b->created_offset_s, b->id);
    });
    return out;
}

const Rule* expected_rule(const std::vector<const Rule*>& ordered, const LeadInputs& lead) {
    for (const Rule* r : ordered) {
        if (holds(r->conditions, lead)) return r;
    }
    return nullptr;
}

int matching_rules(const std::vector<const Rule*>& ordered, const LeadInputs& lead) {
    return static_cast<int>(std::count_if(
        ordered.begin(), ordered.end(), [&](const Rule* r) { return holds(r->conditions, lead); }));
}

}  // namespace lrtest::rules
