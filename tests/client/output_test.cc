#include "client/output.h"

#include <gtest/gtest.h>

namespace pier::client {
namespace {

namespace json = boost::json;

TEST(Output, FormatNames) {
  EXPECT_EQ(*parse_output_format("table"), OutputFormat::kTable);
  EXPECT_EQ(*parse_output_format("json"), OutputFormat::kJson);
  EXPECT_EQ(*parse_output_format("yaml"), OutputFormat::kYaml);
  EXPECT_FALSE(parse_output_format("xml"));
}

TEST(Output, PrettyJsonIsIndentedAndReadsBackTheSame) {
  const auto value = json::parse(R"({"name":"a\"b","list":[1,{"x":null}],"empty":[],"none":{},"t":true})");
  EXPECT_EQ(to_pretty_json(value),
            "{\n"
            "  \"name\": \"a\\\"b\",\n"
            "  \"list\": [\n"
            "    1,\n"
            "    {\n"
            "      \"x\": null\n"
            "    }\n"
            "  ],\n"
            "  \"empty\": [],\n"
            "  \"none\": {},\n"
            "  \"t\": true\n"
            "}\n");
  EXPECT_EQ(json::parse(to_pretty_json(value)), value);
  EXPECT_EQ(to_pretty_json(json::value(7)), "7\n");
}

TEST(Output, YamlQuotesStringsThatWouldReadAsSomethingElse) {
  const auto value = json::parse(R"({
    "plain": "acme+ci", "yes": "yes", "True": "True", "null": "null", "tilde": "~", "number": "123",
    "float": "1.5", "date": "2024-01-01", "dash": "-x", "empty": "", "colon": "a: b", "hash": "a #b",
    "address": "127.0.0.1", "n": 123, "b": false, "nothing": null, "list": [], "map": {}
  })");
  EXPECT_EQ(to_yaml(value),
            "plain: acme+ci\n"
            "\"yes\": \"yes\"\n"
            "\"True\": \"True\"\n"
            "\"null\": \"null\"\n"
            "tilde: \"~\"\n"
            "number: \"123\"\n"
            "float: \"1.5\"\n"
            "date: \"2024-01-01\"\n"
            "dash: \"-x\"\n"
            "empty: \"\"\n"
            "colon: \"a: b\"\n"
            "hash: \"a #b\"\n"
            "address: \"127.0.0.1\"\n"
            "\"n\": 123\n"  // YAML 1.1 reads a plain n as false
            "b: false\n"
            "nothing: ~\n"
            "list: []\n"
            "map: {}\n");
}

TEST(Output, YamlNestsInBlockStyleAndKeepsMultiLineTextAsALiteral) {
  const auto value = json::parse(R"({
    "robots": [{"name": "acme+ci", "scopes": ["repo:read"]}],
    "secret": "apiVersion: v1\nkind: Secret\n",
    "odd": "two\nlines"
  })");
  EXPECT_EQ(to_yaml(value),
            "robots:\n"
            "  - name: acme+ci\n"
            "    scopes:\n"
            "      - repo:read\n"
            "secret: |\n"
            "  apiVersion: v1\n"
            "  kind: Secret\n"
            "odd: \"two\\nlines\"\n");
}

}  // namespace
}  // namespace pier::client
