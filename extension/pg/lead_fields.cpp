// Conversion of a lead row into core::Value per field a rule set reads.
#include "pg/lead_fields.h"

#include <cstring>

#include "pg/datum_convert.h"

extern "C" {
#include "utils/jsonb.h"
#include "utils/numeric.h"
}

namespace lead_router::pg::lead_fields {
namespace {

// The column of LEAD_ROUTER_LEAD_COLUMNS holding each rule-readable lead column.
constexpr int kColumnOf[core::kLeadColumnCount] = {
    kIndustry, kSize, kLocation, kCountry, kEmail, kPhone, kCompanyName, kCompanyDomain,
};
static_assert(static_cast<int>(core::LeadColumn::company_domain) + 1 == static_cast<int>(core::kLeadColumnCount),
              "kColumnOf follows core::LeadColumn");

core::Value column_value(HeapTuple row, TupleDesc desc, int column) {
    bool isnull;
    const Datum d = SPI_getbinval(row, desc, column, &isnull);
    core::Value v;
    if (isnull) return v;
    if (column == kSize) {
        v.kind = core::Value::Kind::number;
        v.number = DatumGetInt32(d);
    } else {
        v.kind = core::Value::Kind::text;
        v.text = text_bytes(d);
    }
    return v;
}

core::Value attribute_value(Jsonb* attributes, const std::string& key) {
    core::Value v;
    if (attributes == nullptr || !JB_ROOT_IS_OBJECT(attributes)) return v;
    JsonbValue found;
    if (getKeyJsonValueFromContainer(&attributes->root, key.data(), static_cast<uint32>(key.size()), &found) ==
        nullptr) {
        return v;
    }
    switch (found.type) {
        case jbvString:
            v.kind = core::Value::Kind::text;
            v.text = std::string_view(found.val.string.val, found.val.string.len);
            break;
        case jbvNumeric:
            v.kind = core::Value::Kind::number;
            v.number =
                DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, NumericGetDatum(found.val.numeric)));
            break;
        case jbvBool:
            v.kind = core::Value::Kind::boolean;
            v.boolean = found.val.boolean;
            break;
        case jbvNull:
            break;  // JSON null reads as missing
        default:
            v.kind = core::Value::Kind::other;
            break;
    }
    return v;
}

}  // namespace

void fill_values(const core::RuleSet& rules, HeapTuple row, TupleDesc desc, core::Value* values) {
    Jsonb* attributes = nullptr;
    bool attributes_read = false;
    const std::vector<core::FieldRef>& fields = rules.fields();
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const core::FieldRef& field = fields[i];
        if (field.kind == core::FieldRef::Kind::column) {
            values[i] = column_value(row, desc, kColumnOf[static_cast<int>(field.column)]);
            continue;
        }
        if (!attributes_read) {  // detoasted once per lead, only if a rule reads attributes
            bool isnull;
            const Datum d = SPI_getbinval(row, desc, kAttributes, &isnull);
            attributes = isnull ? nullptr : DatumGetJsonbP(d);
            attributes_read = true;
        }
        values[i] = attribute_value(attributes, field.name);
    }
}

}  // namespace lead_router::pg::lead_fields
