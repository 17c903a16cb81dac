#include "auth/secrets.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "auth/base64url.h"

namespace pier::auth {
namespace {

TEST(RandomToken, Is43UrlSafeCharactersOf256Bits) {
  auto token = random_token();
  ASSERT_TRUE(token);
  EXPECT_EQ(token->size(), 43u);
  for (char c : *token) {
    EXPECT_TRUE((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')
        << *token;
  }
  auto bytes = base64url_decode(*token);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes->size(), 32u);
}

TEST(RandomToken, ThousandDrawsAreDistinctAndUseTheWholeAlphabet) {
  std::set<std::string> seen;
  std::set<char> characters;
  for (int i = 0; i < 1000; ++i) {
    auto token = random_token();
    ASSERT_TRUE(token);
    seen.insert(*token);
    characters.insert(token->begin(), token->end());
  }
  EXPECT_EQ(seen.size(), 1000u);
  // 43,000 characters of real randomness cover all 64 (a constant or counter would not).
  EXPECT_EQ(characters.size(), 64u);
}

TEST(ConstantTimeEqual, ComparesBytes) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("secret", "secret"));
  EXPECT_FALSE(constant_time_equal("secret", "secreT"));
  EXPECT_FALSE(constant_time_equal("secret", "Secret"));
  // Bytes after a NUL count: it is not a C string comparison.
  EXPECT_TRUE(constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
  EXPECT_FALSE(constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}

TEST(ConstantTimeEqual, DifferentLengthsAreUnequal) {
  EXPECT_FALSE(constant_time_equal("secret", "secret2"));
  EXPECT_FALSE(constant_time_equal("secret2", "secret"));
  EXPECT_FALSE(constant_time_equal("", "x"));
  EXPECT_FALSE(constant_time_equal("x", ""));
  // A prefix is not enough, whichever side is shorter.
  EXPECT_FALSE(constant_time_equal(std::string_view("abc\0", 4), "abc"));
}

TEST(Sha256Hex, HashesKnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(std::string_view("a\0b", 3)), sha256_hex(std::string_view("a\0b", 3)));
  EXPECT_NE(sha256_hex(std::string_view("a\0b", 3)), sha256_hex("a"));
}

}  // namespace
}  // namespace pier::auth
