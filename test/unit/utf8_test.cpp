// core::utf8::decode / append: strict UTF-8 (no overlong forms, surrogates or > U+10FFFF).
#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "core/utf8.h"

namespace utf8 = lead_router::core::utf8;

namespace {

std::string encode(char32_t cp) {
    std::string out;
    utf8::append(out, cp);
    return out;
}

// Asserts that `bytes` is rejected at its first byte: valid=false, exactly one byte consumed.
void require_rejected(std::string_view bytes) {
    const utf8::Decoded d = utf8::decode(bytes, 0);
    CHECK_FALSE(d.valid);
    CHECK(d.length == 1);
}

}  // namespace

TEST_CASE("utf8 round trip of U+0024, U+00A2, U+20AC, U+10348 and U+10FFFF uses 1 to 4 bytes",
          "[utf8]") {
    struct Vector {
        char32_t cp;
        std::string_view bytes;
    };
    const Vector vectors[] = {
        {0x24, "\x24"},
        {0xA2, "\xC2\xA2"},
        {0x20AC, "\xE2\x82\xAC"},
        {0x10348, "\xF0\x90\x8D\x88"},
        {0x10FFFF, "\xF4\x8F\xBF\xBF"},
    };
    for (const Vector& v : vectors) {
        INFO("U+" << std::hex << static_cast<unsigned long>(v.cp));
        CHECK(encode(v.cp) == v.bytes);
        const utf8::Decoded d = utf8::decode(v.bytes, 0);
        CHECK(d.valid);
        CHECK(d.code_point == v.cp);
        CHECK(d.length == v.bytes.size());
    }
}

TEST_CASE("utf8 round trip holds for every scalar value U+0000..U+10FFFF", "[utf8]") {
    int failures = 0;
    for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
        if (cp >= 0xD800 && cp <= 0xDFFF) continue;  // surrogates are not scalar values
        const std::string bytes = encode(cp);
        const std::size_t expected_length = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        const utf8::Decoded d = utf8::decode(bytes, 0);
        if (!d.valid || d.code_point != cp || d.length != bytes.size() ||
            bytes.size() != expected_length) {
            if (failures++ < 5) UNSCOPED_INFO("U+" << std::hex << static_cast<unsigned long>(cp));
        }
    }
    REQUIRE(failures == 0);
}

TEST_CASE("utf8 decode reads the code point at the given position", "[utf8]") {
    const std::string_view text = "a\xE2\x82\xAC" "b\0c";
    const std::string_view with_nul(text.data(), 7);
    const utf8::Decoded euro = utf8::decode(with_nul, 1);
    CHECK(euro.valid);
    CHECK(euro.code_point == 0x20AC);
    CHECK(euro.length == 3);
    const utf8::Decoded b = utf8::decode(with_nul, 4);
    CHECK(b.valid);
    CHECK(b.code_point == U'b');
    const utf8::Decoded nul = utf8::decode(with_nul, 5);
    CHECK(nul.valid);
    CHECK(nul.code_point == 0);
    CHECK(nul.length == 1);
    // Starting inside a sequence is a stray continuation byte.
    CHECK_FALSE(utf8::decode(with_nul, 2).valid);
}

TEST_CASE("utf8 rejects overlong encodings (C0 80, E0 80 80, F0 80 80 80)", "[utf8][invalid]") {
    require_rejected("\xC0\x80");          // U+0000 in two bytes
    require_rejected("\xC1\xBF");          // U+007F in two bytes
    require_rejected("\xE0\x80\x80");      // U+0000 in three bytes
    require_rejected("\xE0\x9F\xBF");      // U+07FF in three bytes
    require_rejected("\xF0\x80\x80\x80");  // U+0000 in four bytes
    require_rejected("\xF0\x8F\xBF\xBF");  // U+FFFF in four bytes
}

TEST_CASE("utf8 rejects UTF-16 surrogates (ED A0 80 .. ED BF BF)", "[utf8][invalid]") {
    require_rejected("\xED\xA0\x80");  // U+D800
    require_rejected("\xED\xAF\xBF");  // U+DBFF
    require_rejected("\xED\xB0\x80");  // U+DC00
    require_rejected("\xED\xBF\xBF");  // U+DFFF
    // Neighbours of the surrogate range are fine.
    CHECK(utf8::decode("\xED\x9F\xBF", 0).valid);  // U+D7FF
    CHECK(utf8::decode("\xEE\x80\x80", 0).valid);  // U+E000
}

TEST_CASE("utf8 rejects code points above U+10FFFF and lead bytes F5..FF", "[utf8][invalid]") {
    require_rejected("\xF4\x90\x80\x80");  // U+110000
    require_rejected("\xF7\xBF\xBF\xBF");  // U+1FFFFF
    require_rejected("\xF5\x80\x80\x80");
    require_rejected("\xF8\x88\x80\x80\x80");  // old 5-byte form
    require_rejected("\xFC\x84\x80\x80\x80\x80");  // old 6-byte form
    require_rejected("\xFE");
    require_rejected("\xFF");
}

TEST_CASE("utf8 rejects truncated sequences, at the end or cut by another byte",
          "[utf8][invalid]") {
    require_rejected("\xC2");
    require_rejected("\xE2\x82");
    require_rejected("\xF0\x90\x8D");
    require_rejected("\xC2" "A");
    require_rejected("\xE2\x82" "A");
    require_rejected("\xF0\x90\x8D" "A");
    require_rejected("\xE2\xC2\xA2");  // a new lead where a continuation should be
    // The view's end counts, not the buffer's: a full sequence cut by the view is truncated.
    require_rejected(std::string_view("\xE2\x82\xAC", 2));
}

TEST_CASE("utf8 rejects stray continuation bytes", "[utf8][invalid]") {
    require_rejected("\x80");
    require_rejected("\xBF");
    require_rejected("\x80\x80\x80");
    require_rejected("\xA2" "abc");
}
