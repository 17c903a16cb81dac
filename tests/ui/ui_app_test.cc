#include "ui/ui_app.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "test_dirs.h"

namespace pier::ui {
namespace {

class UiAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write("index.html", "<!doctype html><title>Pier</title>");
    write("favicon.svg", "<svg/>");
    write("assets/index-1a2b.js", "console.log(1)");
  }

  // `name` is below the served folder, dist/.
  void write(const std::string& name, const std::string& bytes) {
    const auto path = (dir_.path() / "dist" / name).lexically_normal();
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << bytes;
  }

  Result<Response> get(std::vector<std::string> path, Method method = Method::kGet) {
    Request request;
    request.method = method;
    request.path = std::move(path);
    auto plan = app_.plan(request);
    if (!plan) return plan.error();
    auto reply = app_.handle(request);
    if (!reply) return reply.error();
    return std::move(std::get<Response>(*reply));
  }

  static std::string header(const Response& response, std::string_view name) {
    for (const auto& [key, value] : response.headers) {
      if (key == name) return value;
    }
    return {};
  }

  static std::uint64_t length(const Response& response) {
    return response.file ? response.file->length() : response.body.size();
  }

  pier::testing::TempDir dir_;
  UiApp app_{folder_assets(dir_.path() / "dist")};
};

TEST_F(UiAppTest, ServesTheBuildsFilesWithTheirTypes) {
  const auto script = get({"assets", "index-1a2b.js"}).value();
  EXPECT_EQ(script.status, 200u);
  EXPECT_EQ(header(script, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(header(script, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(length(script), 14u);
  const auto icon = get({"favicon.svg"}).value();
  EXPECT_EQ(header(icon, "Content-Type"), "image/svg+xml");
  EXPECT_EQ(header(icon, "Cache-Control"), "no-cache");
}

TEST_F(UiAppTest, PagesOfTheUiAreIndexHtmlWithAStrictPolicy) {
  for (const auto& path : std::vector<std::vector<std::string>>{{}, {""}, {"signin"}, {"repository", "acme", "app.v1"}}) {
    const auto page = get(path).value();
    EXPECT_EQ(page.status, 200u);
    EXPECT_EQ(header(page, "Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(header(page, "Cache-Control"), "no-cache");
    EXPECT_NE(header(page, "Content-Security-Policy").find("default-src 'self'"), std::string::npos);
    EXPECT_EQ(header(page, "X-Frame-Options"), "DENY");
    EXPECT_EQ(length(page), 34u);
  }
}

TEST_F(UiAppTest, MissingAssetsAreNotFound) {
  EXPECT_EQ(get({"assets", "index-gone.js"}).error().code, ErrorCode::kRouteUnknown);
}

TEST_F(UiAppTest, NoPathLeavesTheFolder) {
  write("../secret.txt", "secret");
  for (const auto& path : std::vector<std::vector<std::string>>{
           {"..", "secret.txt"}, {"assets", "..", "..", "secret.txt"}, {"assets", ".hidden"}, {"assets", "a/../../x"}}) {
    auto page = get(path);
    if (page) {
      EXPECT_EQ(length(*page), 34u) << "served something other than index.html";
    } else {
      EXPECT_EQ(page.error().code, ErrorCode::kRouteUnknown);
    }
  }
}

TEST_F(UiAppTest, HeadSendsHeadersOnlyAndWritesAreRefused) {
  const auto head = get({"favicon.svg"}, Method::kHead).value();
  EXPECT_TRUE(head.omit_body);
  EXPECT_EQ(get({"signin"}, Method::kPost).error().code, ErrorCode::kMethodNotAllowed);
  EXPECT_EQ(get({"index.html"}, Method::kDelete).error().code, ErrorCode::kMethodNotAllowed);
}

TEST(UiContentTypes, ByExtension) {
  EXPECT_EQ(content_type_of("/a/b.css"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_of("/fonts/x.woff2"), "font/woff2");
  EXPECT_EQ(content_type_of("/no-extension"), "application/octet-stream");
  EXPECT_EQ(content_type_of("/dir.d/file"), "application/octet-stream");
}

TEST(EmbeddedUi, FindsNothingThatWasNotBuiltIn) {
  EXPECT_FALSE(embedded_assets()->find("/no/such/file.js"));
}

}  // namespace
}  // namespace pier::ui
