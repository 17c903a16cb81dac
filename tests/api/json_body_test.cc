#include "api/json_body.h"

#include <gtest/gtest.h>

namespace pier::api {
namespace {

std::string problem(std::string_view body, std::initializer_list<std::string_view> fields = {"name"}) {
  auto parsed = JsonBody::parse(body, fields);
  if (parsed) return "ok";
  EXPECT_EQ(parsed.error().code, ErrorCode::kBadRequest);
  return parsed.error().message;
}

TEST(JsonBody, ParsesObjectsWithTheFieldsOfTheRouteOnly) {
  EXPECT_EQ(problem(""), "ok");
  EXPECT_EQ(problem(" \n"), "ok");
  EXPECT_EQ(problem(R"({"name": "x"})"), "ok");
  EXPECT_EQ(problem(R"({"nmae": "x"})"), "nmae: unknown field");
  EXPECT_EQ(problem("[1]"), "the body must be a JSON object");
  EXPECT_TRUE(problem("{").starts_with("malformed JSON body"));
  EXPECT_TRUE(problem(R"({"name": "x"} trailing)").starts_with("malformed JSON body"));
}

TEST(JsonBody, TypedFields) {
  const auto body =
      JsonBody::parse(R"({"s": "text", "b": true, "i": 7, "big": 18446744073709551615, "list": ["a", "b"],
                          "n": null, "bad": [1]})",
                      {"s", "b", "i", "big", "list", "n", "bad", "missing"})
          .value();
  EXPECT_EQ(body.string("s").value(), "text");
  EXPECT_EQ(body.string("missing").error().message, "missing: missing");
  EXPECT_EQ(body.string("b").error().message, "b: must be a string");
  EXPECT_FALSE(body.optional_string("n").value());  // null is absent
  EXPECT_TRUE(body.boolean("b").value());
  EXPECT_EQ(body.boolean("s").error().message, "s: must be true or false");
  EXPECT_FALSE(body.optional_boolean("missing").value());
  EXPECT_EQ(body.optional_integer("i").value(), 7);
  EXPECT_EQ(body.optional_integer("big").error().message, "big: too large");
  EXPECT_EQ(body.optional_integer("s").error().message, "s: must be an integer");
  EXPECT_EQ(body.strings("list").value(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(body.strings("bad").error().message, "bad: must be an array of strings");
  EXPECT_EQ(body.strings("n").error().message, "n: missing");
}

TEST(JsonBody, ResponsesAreJsonAndNeverCached) {
  const auto response = json_response(201, boost::json::object{{"a", 1}});
  EXPECT_EQ(response.status, 201u);
  EXPECT_EQ(response.body, R"({"a":1})");
  bool no_store = false;
  for (const auto& [name, value] : response.headers) no_store = no_store || (name == "Cache-Control" && value == "no-store");
  EXPECT_TRUE(no_store);
  EXPECT_EQ(no_content().status, 204u);
}

}  // namespace
}  // namespace pier::api
