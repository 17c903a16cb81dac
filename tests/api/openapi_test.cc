// The embedded OpenAPI document against the route table: the same operations, each path
// parameter declared, the responses every client relies on, and no dangling $ref.
#include "api/openapi.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "api/routes.h"

namespace pier::api {
namespace {

namespace json = boost::json;

constexpr std::string_view kMethods[] = {"get", "head", "post", "put", "patch", "delete", "options", "trace"};

std::string method_name(Method method) {
  switch (method) {
    case Method::kGet: return "get";
    case Method::kHead: return "head";
    case Method::kPost: return "post";
    case Method::kPut: return "put";
    case Method::kPatch: return "patch";
    case Method::kDelete: return "delete";
    case Method::kOther: break;
  }
  return "other";
}

json::value parsed_document() {
  boost::system::error_code ec;
  json::value document = json::parse(openapi_document(), ec);
  EXPECT_FALSE(ec) << ec.message();
  return document;
}

// `value`, or what its $ref points at (one level: the document's references name no reference).
const json::value& resolved(const json::value& document, const json::value& value) {
  if (!value.is_object() || !value.as_object().contains("$ref")) return value;
  std::string_view ref = value.at("$ref").as_string();
  ref.remove_prefix(1);  // '#'
  return document.at_pointer(ref);
}

struct Operation {
  std::string method;
  std::string path;
  const json::object* path_item;
  const json::object* operation;
};

std::vector<Operation> operations_of(const json::value& document) {
  std::vector<Operation> out;
  for (const auto& [path, item] : document.at("paths").as_object()) {
    for (const auto method : kMethods) {
      if (const auto* operation = item.as_object().if_contains(method)) {
        out.push_back({std::string(method), std::string(path), &item.as_object(), &operation->as_object()});
      }
    }
  }
  return out;
}

// The names of the path parameters an operation declares, on its path or on itself.
std::set<std::string> path_parameters(const json::value& document, const Operation& op) {
  std::set<std::string> names;
  for (const json::object* holder : {op.path_item, op.operation}) {
    const auto* parameters = holder->if_contains("parameters");
    if (parameters == nullptr) continue;
    for (const auto& parameter : parameters->as_array()) {
      const auto& p = resolved(document, parameter);
      if (p.at("in") == "path") {
        EXPECT_EQ(p.at("required"), true) << op.path << " " << p.at("name");
        names.emplace(p.at("name").as_string());
      }
    }
  }
  return names;
}

bool has_own_security(const Operation& op) { return op.operation->if_contains("security") != nullptr; }

bool is_anonymous(const Operation& op) {
  const auto* security = op.operation->if_contains("security");
  return security != nullptr && security->as_array().empty();
}

TEST(OpenApi, IsAnOpenApi30Document) {
  const auto document = parsed_document();
  ASSERT_TRUE(document.is_object());
  EXPECT_TRUE(std::string_view(document.at("openapi").as_string()).starts_with("3.0.")) << document.at("openapi");
  EXPECT_EQ(document.at("info").at("title"), "Pier management API");
  EXPECT_TRUE(document.at("info").at("version").is_string());
  EXPECT_EQ(document.at("servers"), json::parse(R"([{"url": "/api/v1"}])"));
  const auto& schemes = document.at("components").at("securitySchemes");
  EXPECT_EQ(schemes.at("basicAuth").at("scheme"), "basic");
  EXPECT_EQ(schemes.at("bearerAuth").at("scheme"), "bearer");
  EXPECT_EQ(schemes.at("cookieAuth").at("name"), "pier_session");
  EXPECT_EQ(document.at("security"), json::parse(R"([{"basicAuth": []}, {"bearerAuth": []}, {"cookieAuth": []}])"));
  const auto& error = document.at("components").at("schemas").at("Error");
  EXPECT_EQ(error.at("required"), json::parse(R"(["errors"])"));
  EXPECT_EQ(error.at("properties").at("errors").at("items").at("required"), json::parse(R"(["code", "message"])"));
}

TEST(OpenApi, DocumentsExactlyTheRoutesServed) {
  const auto document = parsed_document();
  std::set<std::pair<std::string, std::string>> documented;
  for (const auto& op : operations_of(document)) documented.emplace(op.method, op.path);
  std::set<std::pair<std::string, std::string>> served;
  for (const auto& route : route_templates()) served.emplace(method_name(route.method), route.path);
  EXPECT_EQ(documented, served);
}

TEST(OpenApi, DeclaresEveryPathParameter) {
  const auto document = parsed_document();
  for (const auto& route : route_templates()) {
    const auto* item = document.at("paths").as_object().if_contains(route.path);
    ASSERT_NE(item, nullptr) << route.path;
    const auto method = method_name(route.method);
    const auto* operation = item->as_object().if_contains(method);
    ASSERT_NE(operation, nullptr) << method << " " << route.path;
    const Operation op{method, route.path, &item->as_object(), &operation->as_object()};
    EXPECT_EQ(path_parameters(document, op), std::set<std::string>(route.parameters.begin(), route.parameters.end()))
        << method << " " << route.path;
  }
}

TEST(OpenApi, EveryOperationSaysHowItSucceedsAndWhoMayCallIt) {
  const auto document = parsed_document();
  std::map<std::string, Access> access;
  for (const auto& route : route_templates()) access[method_name(route.method) + " " + route.path] = route.access;
  std::set<std::string> ids;
  boost::system::error_code ec;
  for (const auto& op : operations_of(document)) {
    const std::string name = op.method + " " + op.path;
    const auto& responses = op.operation->at("responses").as_object();
    bool success = false;
    for (const auto& [status, response] : responses) {
      if (status.size() != 3 || !status.starts_with('2')) continue;
      success = true;
      // A success with a body says what the body is.
      const auto& answer = resolved(document, response);
      if (status != "204") {
        EXPECT_NE(answer.find_pointer("/content/application~1json/schema", ec), nullptr) << name;
      }
    }
    EXPECT_TRUE(success) << name;
    // Open to anyone in the document exactly when the route table says so, and only those who
    // sign in can be refused for it; routes that sign in by themselves say how.
    switch (access[name]) {
      case Access::kSignedIn:
        EXPECT_FALSE(has_own_security(op)) << name;
        EXPECT_TRUE(responses.contains("401")) << name;
        break;
      case Access::kAnyone:
        EXPECT_TRUE(is_anonymous(op)) << name;
        EXPECT_FALSE(responses.contains("401")) << name;
        break;
      case Access::kSigningIn: EXPECT_TRUE(has_own_security(op)) << name; break;
    }
    EXPECT_TRUE(ids.insert(std::string(op.operation->at("operationId").as_string())).second) << name;
  }
}

TEST(OpenApi, EveryReferenceResolves) {
  const auto document = parsed_document();
  std::size_t references = 0;
  std::function<void(const json::value&)> visit = [&](const json::value& value) {
    if (value.is_array()) {
      for (const auto& item : value.as_array()) visit(item);
    }
    if (!value.is_object()) return;
    for (const auto& [key, item] : value.as_object()) {
      if (key == "$ref") {
        ++references;
        ASSERT_TRUE(item.is_string());
        const std::string_view ref = item.as_string();
        ASSERT_TRUE(ref.starts_with("#/")) << ref;  // the document stands alone
        boost::system::error_code ec;
        EXPECT_NE(document.find_pointer(ref.substr(1), ec), nullptr) << ref;
      }
      visit(item);
    }
  };
  visit(document);
  EXPECT_GT(references, 0u);
}

}  // namespace
}  // namespace pier::api
