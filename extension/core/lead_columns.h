// The lead columns a rule can read, in one catalogue: their names as rules write them and
// their types.  The rule compiler accepts exactly these; the adapter maps each to the column
// it reads (pg/lead_fields.h).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace lead_router::core {

enum class LeadColumn {
    company_industry,
    company_size,
    company_location,
    country,
    email,
    phone,
    company_name,
    company_domain,
};
inline constexpr std::size_t kLeadColumnCount = 8;

struct LeadColumnInfo {
    LeadColumn column;
    const char* name;
    bool numeric;  // a number (company_size); the others are text
};

// Every column, in LeadColumn order.
extern const LeadColumnInfo kLeadColumns[kLeadColumnCount];

std::optional<LeadColumn> find_lead_column(std::string_view name);
const LeadColumnInfo& lead_column_info(LeadColumn column);

}  // namespace lead_router::core
