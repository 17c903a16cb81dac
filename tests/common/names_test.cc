#include "common/names.h"

#include <gtest/gtest.h>

namespace pier {
namespace {

TEST(Names, AcceptsTheSpecGrammar) {
  for (const char* good : {"a", "library/ubuntu", "namespace/group/app", "a.b_c__d---e/f0", "x/y/z/w/v"}) {
    EXPECT_TRUE(is_valid_repository_name(good)) << good;
  }
  EXPECT_TRUE(is_valid_repository_name(std::string(255, 'a')));
}

TEST(Names, RejectsEverythingElse) {
  for (const char* bad : {"", "Upper", "a//b", "/a", "a/", "..", "a/../b", "a/./b", ".a", "a.", "a_-b", "a___b",
                          "a..b", "-a", "a b", "a%2fb", "é"}) {
    EXPECT_FALSE(is_valid_repository_name(bad)) << bad;
  }
  EXPECT_FALSE(is_valid_repository_name(std::string(256, 'a')));
  EXPECT_EQ(check_repository_name("A").error().code, ErrorCode::kNameInvalid);
}

TEST(Names, Tags) {
  EXPECT_TRUE(is_valid_tag("latest"));
  EXPECT_TRUE(is_valid_tag("_v1.2-RC"));
  EXPECT_TRUE(is_valid_tag(std::string(128, 'a')));
  EXPECT_FALSE(is_valid_tag(std::string(129, 'a')));
  EXPECT_FALSE(is_valid_tag(".hidden"));
  EXPECT_FALSE(is_valid_tag("-x"));
  EXPECT_FALSE(is_valid_tag("a/b"));
  EXPECT_FALSE(is_valid_tag(""));
}

TEST(Names, References) {
  auto tag = parse_reference("v1");
  ASSERT_TRUE(tag);
  EXPECT_EQ(std::get<std::string>(*tag), "v1");
  auto digest = parse_reference("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  ASSERT_TRUE(digest);
  EXPECT_TRUE(std::holds_alternative<Digest>(*digest));
  EXPECT_EQ(parse_reference("sha256:zz").error().code, ErrorCode::kDigestInvalid);
  EXPECT_EQ(parse_reference("..").error().code, ErrorCode::kManifestInvalid);
}

}  // namespace
}  // namespace pier
