#include "http/response_head.h"

#include <gtest/gtest.h>

namespace pier::http {
namespace {

TEST(ResponseHead, StatusLineHeadersLengthAndBlankLine) {
  Response response;
  response.status = 201;
  response.header("Location", "/v2/a/blobs/sha256:ab").header("Docker-Content-Digest", "sha256:ab");
  std::string out = "left over from the last response";
  write_response_head(out, response, 0, true);
  EXPECT_EQ(out,
            "HTTP/1.1 201 Created\r\nServer: pier\r\nLocation: /v2/a/blobs/sha256:ab\r\n"
            "Docker-Content-Digest: sha256:ab\r\nContent-Length: 0\r\n\r\n");
}

TEST(ResponseHead, ClosingConnectionSaysSo) {
  Response response;
  response.status = 404;
  std::string out;
  write_response_head(out, response, 1234567890123, false);
  EXPECT_EQ(out, "HTTP/1.1 404 Not Found\r\nServer: pier\r\nContent-Length: 1234567890123\r\nConnection: close\r\n\r\n");
}

TEST(ResponseHead, LineBreaksInsideFieldsCannotStartNewHeaders) {
  Response response;
  response.header("Link", "</v2/x?last=a\r\nSet-Cookie: evil=1>; rel=\"next\"");
  response.header("X-Bad\nName", "v");
  std::string out;
  write_response_head(out, response, 0, true);
  EXPECT_EQ(out.find("\r\nSet-Cookie"), std::string::npos);
  EXPECT_NE(out.find("Link: </v2/x?last=a  Set-Cookie: evil=1>; rel=\"next\"\r\n"), std::string::npos);
  EXPECT_NE(out.find("X-Bad Name: v\r\n"), std::string::npos);
}

TEST(ResponseHead, UnknownStatusStillHasAReason) {
  Response response;
  response.status = 499;
  std::string out;
  write_response_head(out, response, 0, true);
  EXPECT_EQ(out.rfind("HTTP/1.1 499 ", 0), 0u);
}

}  // namespace
}  // namespace pier::http
