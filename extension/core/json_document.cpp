// Rendering of condition operands for messages.
#include "core/json_document.h"

#include <cmath>

namespace lead_router::core {

std::string json_text(const Json& value) {
    if (value.is_array() || value.is_object()) {
        const bool array = value.is_array();
        std::string out = array ? "[" : "{";
        bool first = true;
        for (auto it = value.begin(); it != value.end(); ++it) {
            if (!first) out += ", ";
            first = false;
            if (!array) out += json_text(Json(it.key())) + ": ";
            out += json_text(it.value());
        }
        return out + (array ? "]" : "}");
    }
    if (value.is_number_float()) {
        const double d = value.get<double>();
        // 500.0 reads as 500, as people write it (and as jsonb prints it).
        if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 1e15) {
            return Json(static_cast<long long>(d)).dump();
        }
    }
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace lead_router::core
