// A jsonb value as the core's JSON document (core/json_document.h), read with PostgreSQL's
// JsonbIterator: no text round trip, and no JSON parser of our own in the server.  Two
// phases, as the boundary rules ask: read() calls PostgreSQL and keeps only plain palloc'd
// tokens; build() is pure C++ and calls nothing of PostgreSQL's.
#pragma once

#include "pg/postgres_headers.h"

#include "core/json_document.h"

extern "C" {
#include "utils/jsonb.h"
}

namespace lead_router::pg::jsonb_document {

struct Token {
    JsonbIteratorToken kind;  // WJB_BEGIN_OBJECT, WJB_KEY, WJB_VALUE, WJB_ELEM, WJB_END_...
    enum jbvType type;        // of a key, value or element
    bool raw_scalar;          // WJB_BEGIN_ARRAY of a document that is a single scalar
    const char* text;         // a string's bytes (inside the jsonb value, not terminated)
    int length;
    double number;
    bool boolean;
};

struct Tokens {
    int count;
    Token* tokens;
};

// The tokens of `value`, which must outlive them (strings point into it).
Tokens read(Jsonb* value);

// The document of the tokens.  May throw std::bad_alloc.
core::Json build(const Tokens& tokens);

}  // namespace lead_router::pg::jsonb_document
