// The catalogue of rule-readable lead columns.
#include "core/lead_columns.h"

namespace lead_router::core {

const LeadColumnInfo kLeadColumns[kLeadColumnCount] = {
    {LeadColumn::company_industry, "company_industry", false},
    {LeadColumn::company_size, "company_size", true},
    {LeadColumn::company_location, "company_location", false},
    {LeadColumn::country, "country", false},
    {LeadColumn::email, "email", false},
    {LeadColumn::phone, "phone", false},
    {LeadColumn::company_name, "company_name", false},
    {LeadColumn::company_domain, "company_domain", false},
};

std::optional<LeadColumn> find_lead_column(std::string_view name) {
    for (const LeadColumnInfo& c : kLeadColumns) {
        if (name == c.name) return c.column;
    }
    return std::nullopt;
}

const LeadColumnInfo& lead_column_info(LeadColumn column) { return kLeadColumns[static_cast<std::size_t>(column)]; }

}  // namespace lead_router::core
