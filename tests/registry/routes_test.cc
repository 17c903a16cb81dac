#include "registry/routes.h"

#include <gtest/gtest.h>

namespace pier::registry {
namespace {

Request at(std::vector<std::string> path) {
  Request r;
  r.path = std::move(path);
  return r;
}

TEST(Routes, MatchesFromTheRightSoNamesMayNest) {
  auto r = at({"v2", "a", "blobs", "blobs", "sha256:x"});
  EXPECT_EQ(match_route(r).value(), Route::kBlob);
  EXPECT_EQ(r.repository, "a/blobs");
  EXPECT_EQ(r.reference, "sha256:x");

  r = at({"v2", "org", "team", "app", "manifests", "latest"});
  EXPECT_EQ(match_route(r).value(), Route::kManifest);
  EXPECT_EQ(r.repository, "org/team/app");

  r = at({"v2", "a", "tags", "list"});
  EXPECT_EQ(match_route(r).value(), Route::kTags);

  r = at({"v2", "a", "blobs", "uploads", ""});
  EXPECT_EQ(match_route(r).value(), Route::kUploadStart);
  r = at({"v2", "a", "blobs", "uploads"});
  EXPECT_EQ(match_route(r).value(), Route::kUploadStart);
  r = at({"v2", "a", "blobs", "uploads", "1234"});
  EXPECT_EQ(match_route(r).value(), Route::kUpload);
  EXPECT_EQ(r.upload_id, "1234");

  r = at({"v2", "a", "referrers", "sha256:x"});
  EXPECT_EQ(match_route(r).value(), Route::kReferrers);
  r = at({"v2", ""});
  EXPECT_EQ(match_route(r).value(), Route::kBase);
  r = at({"v2", "_catalog"});
  EXPECT_EQ(match_route(r).value(), Route::kCatalog);
}

TEST(Routes, RejectsBadNamesAndUnknownPaths) {
  auto r = at({"v2", "..", "manifests", "latest"});
  EXPECT_EQ(match_route(r).error().code, ErrorCode::kNameInvalid);
  r = at({"v2", "Upper", "tags", "list"});
  EXPECT_EQ(match_route(r).error().code, ErrorCode::kNameInvalid);
  r = at({"v2", "a/../b", "tags", "list"});  // a decoded %2F cannot smuggle a traversal
  EXPECT_EQ(match_route(r).error().code, ErrorCode::kNameInvalid);
  r = at({"v2", "a", "nothing", "here"});
  EXPECT_EQ(match_route(r).error().code, ErrorCode::kRouteUnknown);
  r = at({"v1", "a", "tags", "list"});
  EXPECT_EQ(match_route(r).error().code, ErrorCode::kRouteUnknown);
  r = at({"v2", "manifests", "latest"});  // no name at all
  EXPECT_EQ(match_route(r).error().code, ErrorCode::kRouteUnknown);
}

}  // namespace
}  // namespace pier::registry
