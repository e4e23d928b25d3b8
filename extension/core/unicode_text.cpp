// ICU calls of the core.  ICU reports failures through UErrorCode; a failure that is not a
// buffer size becomes std::bad_alloc (ICU fails that way only when it cannot allocate or
// load its data) or, for ill-formed input, never happens: callers check is_utf8 first.
#include "core/unicode_text.h"

#include <new>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>
#include <unicode/uversion.h>

namespace lead_router::core::unicode {
namespace {

const UNormalizer2* nfkc_casefold() {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2* normalizer = unorm2_getNFKCCasefoldInstance(&status);
    if (U_FAILURE(status)) throw std::bad_alloc();
    return normalizer;
}

void check(UErrorCode status) {
    if (U_FAILURE(status)) throw std::bad_alloc();
}

std::u16string to_utf16(std::string_view text) {
    std::u16string out(text.size() + 1, u'\0');
    int32_t length = 0;
    UErrorCode status = U_ZERO_ERROR;
    u_strFromUTF8(reinterpret_cast<UChar*>(out.data()), static_cast<int32_t>(out.size()), &length, text.data(),
                  static_cast<int32_t>(text.size()), &status);
    check(status);
    out.resize(static_cast<std::size_t>(length));
    return out;
}

std::string to_utf8(const std::u16string& text) {
    std::string out(text.size() * 3 + 1, '\0');
    int32_t length = 0;
    UErrorCode status = U_ZERO_ERROR;
    u_strToUTF8(out.data(), static_cast<int32_t>(out.size()), &length, reinterpret_cast<const UChar*>(text.data()),
                static_cast<int32_t>(text.size()), &status);
    check(status);
    out.resize(static_cast<std::size_t>(length));
    return out;
}

std::u16string normalize(const std::u16string& text) {
    const UNormalizer2* normalizer = nfkc_casefold();
    std::u16string out(text.size() + 16, u'\0');
    for (;;) {
        UErrorCode status = U_ZERO_ERROR;
        const int32_t length =
            unorm2_normalize(normalizer, reinterpret_cast<const UChar*>(text.data()), static_cast<int32_t>(text.size()),
                             reinterpret_cast<UChar*>(out.data()), static_cast<int32_t>(out.size()), &status);
        if (status == U_BUFFER_OVERFLOW_ERROR) {
            out.assign(static_cast<std::size_t>(length) + 1, u'\0');
            continue;
        }
        check(status);
        out.resize(static_cast<std::size_t>(length));
        return out;
    }
}

}  // namespace

namespace detail {

char32_t next_code_point(std::string_view text, std::size_t* pos) noexcept {
    const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
    const int32_t start = static_cast<int32_t>(*pos);
    int32_t i = start;
    UChar32 c;
    U8_NEXT(bytes, i, static_cast<int32_t>(text.size()), c);
    if (c < 0) {  // one invalid byte at a time, so that distinct bytes stay distinct
        *pos = static_cast<std::size_t>(start) + 1;
        return kInvalidByte + bytes[start];
    }
    *pos = static_cast<std::size_t>(i);
    return static_cast<char32_t>(c);
}

}  // namespace detail

bool is_utf8(std::string_view text) noexcept {
    for (std::size_t pos = 0; pos < text.size();) {
        if (detail::next_code_point(text, &pos) >= kInvalidByte) return false;
    }
    return true;
}

std::string fold(std::string_view text) {
    if (text.empty()) return {};
    return to_utf8(normalize(to_utf16(text)));
}

void fold_into(std::u32string& out, std::string_view text) {
    // Valid runs are folded whole (normalisation needs context); each invalid byte stands
    // for itself between them.
    std::size_t run = 0;
    const auto flush = [&](std::size_t end) {
        if (end > run) {
            for_each_code_point(fold(text.substr(run, end - run)), [&](char32_t c) { out.push_back(c); });
        }
    };
    for (std::size_t pos = 0; pos < text.size();) {
        const std::size_t at = pos;
        const char32_t c = detail::next_code_point(text, &pos);
        if (c >= kInvalidByte) {
            flush(at);
            out.push_back(c);
            run = pos;
        }
    }
    flush(text.size());
}

bool is_white_space(char32_t c) noexcept { return c < kInvalidByte && u_isUWhiteSpace(static_cast<UChar32>(c)); }

bool is_control(char32_t c) noexcept {
    return c < kInvalidByte && u_charType(static_cast<UChar32>(c)) == U_CONTROL_CHAR;
}

int digit_value(char32_t c) noexcept {
    if (c >= kInvalidByte) return -1;
    return u_charDigitValue(static_cast<UChar32>(c));
}

std::string versions() {
    UVersionInfo icu, unicode;
    u_getVersion(icu);
    u_getUnicodeVersion(unicode);
    char icu_text[U_MAX_VERSION_STRING_LENGTH], unicode_text[U_MAX_VERSION_STRING_LENGTH];
    u_versionToString(icu, icu_text);
    u_versionToString(unicode, unicode_text);
    return std::string("ICU ") + icu_text + ", Unicode " + unicode_text;
}

}  // namespace lead_router::core::unicode
