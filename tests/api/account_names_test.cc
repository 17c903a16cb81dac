#include "api/account_names.h"

#include <gtest/gtest.h>

#include "api/vocabulary.h"
#include "auth/authorizer.h"

namespace pier::api {
namespace {

TEST(AccountNames, UsersOrganizationsAndTeams) {
  for (const char* good : {"ab", "a1", "0a", "alice", "acme.corp", "a_b-c.d", "a-"}) {
    EXPECT_TRUE(check_account_name("user", good)) << good;
  }
  EXPECT_TRUE(check_account_name("user", std::string(255, 'a')));
  for (const char* bad : {"", "a", "Alice", "-ab", ".ab", "_ab", "a+b", "a/b", "a b", "al:ce", "é1"}) {
    const auto checked = check_account_name("user", bad);
    ASSERT_FALSE(checked) << bad;
    EXPECT_EQ(checked.error().code, ErrorCode::kBadRequest);
  }
  EXPECT_FALSE(check_account_name("user", std::string(256, 'a')));
  EXPECT_EQ(check_account_name("team", "A").error().message,
            "invalid team name: 2 to 255 of a-z 0-9 _ . -, starting with a letter or digit");
}

TEST(AccountNames, Robots) {
  for (const char* good : {"a", "ci", "ci_bot", "0"}) EXPECT_TRUE(check_robot_name(good)) << good;
  for (const char* bad : {"", "_a", "ci-bot", "ci.bot", "Ci", "a+b"}) EXPECT_FALSE(check_robot_name(bad)) << bad;
  EXPECT_FALSE(check_robot_name(std::string(256, 'a')));
  EXPECT_TRUE(check_robot_full_name("acme+ci_bot"));
  for (const char* bad : {"acme", "acme+", "+ci", "a+ci", "acme+ci+x", "acme+ci-bot"}) {
    EXPECT_FALSE(check_robot_full_name(bad)) << bad;
  }
}

TEST(Vocabulary, WordsBothWaysAndBindingRolesTheAuthorizerKnows) {
  EXPECT_EQ(to_text(meta::RepositoryRole::kWrite), "write");
  EXPECT_EQ(parse_repository_role("role", "admin").value(), meta::RepositoryRole::kAdmin);
  EXPECT_EQ(parse_repository_role("role", "owner").error().message, "role: must be one of read, write, admin");
  EXPECT_EQ(parse_team_role("role", "creator").value(), meta::TeamRole::kCreator);
  EXPECT_EQ(parse_subject_kind("kind", "robot").value(), meta::SubjectKind::kRobot);
  EXPECT_EQ(to_text(auth::PrincipalKind::kToken), "token");
  for (const char* role : {"system:image-puller", "system:image-pusher", "system:image-builder", "registry-viewer",
                           "registry-editor", "registry-admin"}) {
    EXPECT_TRUE(check_binding_role(role)) << role;
    EXPECT_TRUE(auth::role_of_binding(role)) << role;
  }
  EXPECT_FALSE(check_binding_role("cluster-admin"));
  EXPECT_TRUE(check_token_scope("org:admin"));
  EXPECT_FALSE(check_token_scope("repo:delete"));
}

}  // namespace
}  // namespace pier::api
