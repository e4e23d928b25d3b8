// The tests' leads handed to the shared oracle (test/common/rule_reference.h): each column
// the rules can name, and each attribute, as a value of the rule language.  A NULL column, an
// absent key and JSON null are all missing.
#include "reference_rules.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "../common/rule_reference.h"

namespace lrtest::rules {
namespace {

// A value of the rule language that owns its text (the oracle reads any type shaped like
// core::Value).
struct Value {
    enum class Kind { missing, text, number, boolean, other };  // other: an array or object
    Kind kind = Kind::missing;
    std::string text;
    double number = 0;
    bool boolean = false;
};

using Fields = std::map<std::string, Value>;

Value text_value(const std::optional<std::string>& column) {
    Value v;
    if (column) {
        v.kind = Value::Kind::text;
        v.text = *column;
    }
    return v;
}

Value json_value(const Json& j) {
    Value v;
    if (j.is_string()) {
        v.kind = Value::Kind::text;
        v.text = j.get<std::string>();
    } else if (j.is_number()) {
        v.kind = Value::Kind::number;
        v.number = j.get<double>();
    } else if (j.is_boolean()) {
        v.kind = Value::Kind::boolean;
        v.boolean = j.get<bool>();
    } else if (!j.is_null()) {
        v.kind = Value::Kind::other;
    }
    return v;
}

Fields fields_of(const LeadInputs& lead) {
    Fields f;
    f["company_industry"] = text_value(lead.company_industry);
    f["company_location"] = text_value(lead.company_location);
    f["country"] = text_value(lead.country);
    f["email"] = text_value(lead.email);
    f["phone"] = text_value(lead.phone);
    f["company_name"] = text_value(lead.company_name);
    f["company_domain"] = text_value(lead.company_domain);
    if (lead.company_size) {
        Value& size = f["company_size"];
        size.kind = Value::Kind::number;
        size.number = *lead.company_size;
    }
    for (const auto& attribute : lead.attributes.items()) {
        f["attributes." + attribute.key()] = json_value(attribute.value());
    }
    return f;
}

}  // namespace

bool holds(const Json& conditions, const LeadInputs& lead) {
    return rule_reference::matches(conditions, fields_of(lead));
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
    const Fields fields = fields_of(lead);
    for (const Rule* r : ordered) {
        if (rule_reference::matches(r->conditions, fields)) return r;
    }
    return nullptr;
}

int matching_rules(const std::vector<const Rule*>& ordered, const LeadInputs& lead) {
    const Fields fields = fields_of(lead);
    return static_cast<int>(std::count_if(
        ordered.begin(), ordered.end(), [&](const Rule* r) { return rule_reference::matches(r->conditions, fields); }));
}

}  // namespace lrtest::rules
