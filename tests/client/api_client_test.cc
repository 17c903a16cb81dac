#include "client/api_client.h"

#include <gtest/gtest.h>

namespace pier::client {
namespace {

TEST(ApiError, TheServersMessageAndACodeByStatus) {
  const auto error = api_error(404, R"({"errors":[{"code":"NAME_UNKNOWN","message":"organization not known"}]})");
  EXPECT_EQ(error.code, ErrorCode::kNameUnknown);
  EXPECT_EQ(error.message, "organization not known");
  EXPECT_EQ(api_error(401, R"({"errors":[{"code":"UNAUTHORIZED","message":"no"}]})").code, ErrorCode::kUnauthorized);
  EXPECT_EQ(api_error(403, "{}").code, ErrorCode::kDenied);
  EXPECT_EQ(api_error(400, "{}").code, ErrorCode::kBadRequest);
  EXPECT_EQ(api_error(429, "{}").code, ErrorCode::kTooManyRequests);
  EXPECT_EQ(api_error(503, "{}").code, ErrorCode::kUnavailable);
  EXPECT_EQ(api_error(500, "{}").code, ErrorCode::kInternal);
  EXPECT_EQ(api_error(400, R"({"errors":[{"message":"a"},{"message":"b"}]})").message, "a; b");
}

TEST(ApiError, AnyOtherBodySaysTheStatus) {
  EXPECT_EQ(api_error(502, "<html>Bad Gateway</html>").message, "the server answered HTTP 502");
  EXPECT_EQ(api_error(404, R"({"errors":[]})").message, "the server answered HTTP 404");
}

}  // namespace
}  // namespace pier::client
