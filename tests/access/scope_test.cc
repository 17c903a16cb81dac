#include "access/scope.h"

#include <gtest/gtest.h>

namespace pier::access {
namespace {

TEST(Scope, ParsesTypeNameAndActions) {
  EXPECT_EQ(parse_scope("repository:team/app:pull,push"), (Scope{"repository", "team/app", {"pull", "push"}}));
  EXPECT_EQ(parse_scope("registry:catalog:*"), (Scope{"registry", "catalog", {"*"}}));
  // A name may hold ':' (a registry host with a port); the type ends at the first ':' and the
  // actions start after the last.
  EXPECT_EQ(parse_scope("repository:host:5000/app:pull"), (Scope{"repository", "host:5000/app", {"pull"}}));
  EXPECT_EQ(parse_scope("repository:a:pull,,push,"), (Scope{"repository", "a", {"pull", "push"}}));
}

TEST(Scope, RefusesIncompleteScopes) {
  for (const char* text : {"", "repository", "repository:a", ":a:pull", "repository::pull", "repository:a:",
                           "repository:a:,"}) {
    EXPECT_FALSE(parse_scope(text)) << text;
  }
}

TEST(Scope, FormatsBackAndBuildsChallenges) {
  const Scope scope{"repository", "team/app", {"pull", "push"}};
  EXPECT_EQ(format_scope(scope), "repository:team/app:pull,push");
  EXPECT_EQ(bearer_challenge("https://r.test/v2/auth", "pier", {}, false),
            "Bearer realm=\"https://r.test/v2/auth\",service=\"pier\"");
  EXPECT_EQ(bearer_challenge("https://r.test/v2/auth", "pier", {scope, Scope{"registry", "catalog", {"*"}}}, true),
            "Bearer realm=\"https://r.test/v2/auth\",service=\"pier\","
            "scope=\"repository:team/app:pull,push registry:catalog:*\",error=\"insufficient_scope\"");
}

}  // namespace
}  // namespace pier::access
