// core::sha256_hex against the FIPS 180-2 / NIST SHA-256 test vectors.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "core/dedupe_hash.h"

using lead_router::core::sha256_hex;

TEST_CASE("sha256 of \"abc\" matches the FIPS 180-2 one-block vector", "[sha256]") {
    REQUIRE(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("sha256 of the empty message matches the NIST vector", "[sha256]") {
    REQUIRE(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    REQUIRE(sha256_hex(std::string_view{}) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("sha256 of the 448-bit two-block message matches the FIPS 180-2 vector", "[sha256]") {
    REQUIRE(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("sha256 of the 896-bit message matches the NIST vector", "[sha256]") {
    REQUIRE(sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                       "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu") ==
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST_CASE("sha256 of one million 'a' matches the FIPS 180-2 long-message vector", "[sha256][long]") {
    const std::string million(1000000, 'a');
    REQUIRE(sha256_hex(million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256 output is 64 lower-case hex characters", "[sha256]") {
    const std::string inputs[] = {"", "abc", "ABC", std::string(1000, '\xff'), std::string("\0\0\0", 3)};
    for (const std::string& input : inputs) {
        const std::string hex = sha256_hex(input);
        INFO("input size " << input.size() << " -> " << hex);
        REQUIRE(hex.size() == 64);
        REQUIRE(hex.find_first_not_of("0123456789abcdef") == std::string::npos);
    }
    // A digest with hex letters in it proves they come out lower-case.
    REQUIRE(sha256_hex("abc").find_first_of("abcdef") != std::string::npos);
}

TEST_CASE("sha256 hashes exactly the bytes of the view: embedded NULs count, bytes past it do not", "[sha256]") {
    const std::string_view with_nul("a\0b", 3);
    const std::string_view truncated("a", 1);
    REQUIRE(sha256_hex(with_nul) != sha256_hex(truncated));
    REQUIRE(sha256_hex(with_nul) == "59b271ae1bbcb1d31d41929817f4b16fb439eb4f31520b5ad1d5ce98920a7138");
    // A single NUL byte is a message of length 1, not the empty message.
    REQUIRE(sha256_hex(std::string_view("\0", 1)) ==
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
    // A view into a longer buffer hashes only its own bytes.
    REQUIRE(sha256_hex(std::string_view("abcdef", 3)) ==
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
