// jsonb -> core::Json.  The tree is built without recursion (a stack of open containers), so
// a deeply nested document costs memory, never the C stack.
#include "pg/jsonb_document.h"

#include <cmath>
#include <string>
#include <vector>

extern "C" {
#include "utils/numeric.h"
}

namespace lead_router::pg::jsonb_document {

Tokens read(Jsonb* value) {
    int capacity = 16;
    Tokens out{0, static_cast<Token*>(palloc(sizeof(Token) * capacity))};
    JsonbIterator* it = JsonbIteratorInit(&value->root);
    JsonbValue v;
    JsonbIteratorToken kind;
    while ((kind = JsonbIteratorNext(&it, &v, false)) != WJB_DONE) {
        if (out.count == capacity) {
            capacity *= 2;
            out.tokens = static_cast<Token*>(repalloc(out.tokens, sizeof(Token) * capacity));
        }
        Token& t = out.tokens[out.count++];
        t = Token{kind, jbvNull, false, nullptr, 0, 0, false};
        if (kind == WJB_BEGIN_ARRAY) t.raw_scalar = v.val.array.rawScalar;
        if (kind != WJB_KEY && kind != WJB_VALUE && kind != WJB_ELEM) continue;
        t.type = v.type;
        switch (v.type) {
            case jbvString:
                t.text = v.val.string.val;
                t.length = v.val.string.len;
                break;
            case jbvNumeric:
                // Beyond double's range reads as an infinity, which rule validation rejects.
                t.number =
                    DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, NumericGetDatum(v.val.numeric)));
                break;
            case jbvBool:
                t.boolean = v.val.boolean;
                break;
            default:
                break;
        }
    }
    return out;
}

namespace {

core::Json scalar(const Token& t) {
    switch (t.type) {
        case jbvString:
            return core::Json(std::string(t.text, static_cast<std::size_t>(t.length)));
        case jbvNumeric:
            // Integral numbers stay integers, as they were written.
            if (std::isfinite(t.number) && t.number == std::trunc(t.number) &&
                std::fabs(t.number) < 9007199254740992.0) {
                return core::Json(static_cast<long long>(t.number));
            }
            return core::Json(t.number);
        case jbvBool:
            return core::Json(t.boolean);
        default:
            return core::Json(nullptr);
    }
}

}  // namespace

core::Json build(const Tokens& tokens) {
    core::Json root;
    std::vector<core::Json*> open;  // the containers being filled, innermost last
    std::string key;
    bool raw_scalar = false;
    const auto place = [&](core::Json&& value) -> core::Json* {
        if (open.empty()) {
            root = std::move(value);
            return &root;
        }
        core::Json& parent = *open.back();
        if (parent.is_object()) return &(parent[key] = std::move(value));
        parent.push_back(std::move(value));
        return &parent.back();
    };
    for (int i = 0; i < tokens.count; ++i) {
        const Token& t = tokens.tokens[i];
        switch (t.kind) {
            case WJB_BEGIN_OBJECT:
                open.push_back(place(core::Json::object()));
                break;
            case WJB_BEGIN_ARRAY:
                if (t.raw_scalar && open.empty()) {
                    raw_scalar = true;  // the document is its one element
                } else {
                    open.push_back(place(core::Json::array()));
                }
                break;
            case WJB_END_OBJECT:
            case WJB_END_ARRAY:
                if (!raw_scalar || !open.empty()) open.pop_back();
                break;
            case WJB_KEY:
                key.assign(t.text, static_cast<std::size_t>(t.length));
                break;
            case WJB_VALUE:
            case WJB_ELEM:
                place(scalar(t));
                break;
            default:
                break;
        }
    }
    return root;
}

}  // namespace lead_router::pg::jsonb_document
