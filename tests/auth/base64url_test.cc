#include "auth/base64url.h"

#include <gtest/gtest.h>

#include <string>

namespace pier::auth {
namespace {

std::string all_bytes(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + 7) & 0xff);
  return s;
}

TEST(Base64Url, EncodesRfc4648VectorsWithoutPadding) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(base64url_encode("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64Url, UsesTheUrlSafeAlphabet) {
  // Standard base64 of these bytes is "+/8=" and "/+A=".
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64url_encode("\xff\xe0"), "_-A");
  EXPECT_EQ(base64url_decode("-_8"), std::string("\xfb\xff"));
}

TEST(Base64Url, DecodesRfc4648Vectors) {
  EXPECT_EQ(base64url_decode(""), std::string());
  EXPECT_EQ(base64url_decode("Zg"), std::string("f"));
  EXPECT_EQ(base64url_decode("Zm8"), std::string("fo"));
  EXPECT_EQ(base64url_decode("Zm9v"), std::string("foo"));
  EXPECT_EQ(base64url_decode("Zm9vYmE"), std::string("fooba"));
}

TEST(Base64Url, RoundTripsEveryLengthAndByte) {
  for (std::size_t n = 0; n <= 300; ++n) {
    const std::string bytes = all_bytes(n);
    const std::string text = base64url_encode(bytes);
    EXPECT_EQ(text.size(), (n * 4 + 2) / 3) << n;
    EXPECT_EQ(base64url_decode(text), bytes) << n;
  }
  std::string nul("\0\0\0\0", 4);
  EXPECT_EQ(base64url_decode(base64url_encode(nul)), nul);
}

TEST(Base64Url, LargeInputsMatchTheirPieces) {
  // Far beyond one internal block: the result must not depend on where blocks end.
  const std::string a = all_bytes(3 * 50'000);
  const std::string b = all_bytes(1000 + 2);
  EXPECT_EQ(base64url_encode(a + b), base64url_encode(a) + base64url_encode(b));
  EXPECT_EQ(base64url_decode(base64url_encode(a + b)), a + b);
}

TEST(Base64Url, RefusesAnythingButTheCanonicalForm) {
  for (const char* bad : {"Zg==", "Zm8=", "Z", "Zm9vY", "Zm9v Yg", "Zm9v\nYg", "+/8", "Zm9v/w", "Zm9v+w", "Zm.v",
                          "Zm\x80v", "Zh", "Zm9"}) {
    EXPECT_FALSE(base64url_decode(bad)) << bad;
  }
  // "Zh" and "Zm9" differ from "Zg" and "Zm8" only in bits no byte uses.
  EXPECT_TRUE(base64url_decode("Zg"));
  EXPECT_TRUE(base64url_decode("Zm8"));
  EXPECT_FALSE(base64url_decode(std::string_view("Zm9v\0", 5)));
}

}  // namespace
}  // namespace pier::auth
