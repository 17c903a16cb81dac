#include "notify/rule_config.h"

#include <gtest/gtest.h>

#include "notify/method.h"
#include "notify/target.h"

namespace pier::notify {
namespace {

std::string checked(Method method, std::string_view config) {
  auto result = check_config(method, config);
  return result ? *result : "error: " + result.error().message;
}

// The refusal's message, or a note that the config was accepted.
std::string refusal(Method method, std::string_view config) {
  auto result = check_config(method, config);
  if (result) return "accepted: " + *result;
  EXPECT_EQ(result.error().code, ErrorCode::kBadRequest);
  return result.error().message;
}

TEST(NotifyMethod, NamesRoundTrip) {
  for (const auto method : {Method::kWebhook, Method::kSlack, Method::kCloudEvents, Method::kEmail}) {
    EXPECT_EQ(method_of(to_text(method)), method);
  }
  EXPECT_EQ(to_text(Method::kCloudEvents), "cloudevents");
  EXPECT_EQ(method_of("Webhook"), std::nullopt);
  EXPECT_EQ(method_of("sms"), std::nullopt);
  EXPECT_EQ(method_of(""), std::nullopt);
}

TEST(NotifyConfig, WebhookGetsItsDefaults) {
  EXPECT_EQ(checked(Method::kWebhook, R"({"url": "https://hooks.example.com/x"})"),
            R"({"url":"https://hooks.example.com/x","headers":{},"verify_tls":true})");
  EXPECT_EQ(checked(Method::kWebhook, R"({"ca_file": "/etc/ca.pem", "verify_tls": false, "secret": "s3",)"
                                      R"( "headers": {"Authorization": "Bearer t"}, "url": "http://10.0.0.1:8080/"})"),
            R"({"url":"http://10.0.0.1:8080/","secret":"s3","headers":{"Authorization":"Bearer t"},)"
            R"("verify_tls":false,"ca_file":"/etc/ca.pem"})");
  // An empty secret would sign with an empty key.
  EXPECT_EQ(checked(Method::kWebhook, R"({"url": "https://h/", "secret": ""})"),
            R"({"url":"https://h/","headers":{},"verify_tls":true})");
}

TEST(NotifyConfig, CloudEventsDefaultsToStructuredMode) {
  EXPECT_EQ(checked(Method::kCloudEvents, R"({"url": "https://h/e"})"),
            R"({"url":"https://h/e","mode":"structured","headers":{},"verify_tls":true})");
  EXPECT_EQ(checked(Method::kCloudEvents, R"({"url": "https://h/e", "mode": "binary"})"),
            R"({"url":"https://h/e","mode":"binary","headers":{},"verify_tls":true})");
  EXPECT_EQ(refusal(Method::kCloudEvents, R"({"url": "https://h/e", "mode": "batch"})"),
            R"(config.mode: must be "structured" or "binary")");
}

TEST(NotifyConfig, SlackTakesOnlyAUrl) {
  EXPECT_EQ(checked(Method::kSlack, R"({"url": "https://hooks.slack.com/services/T/B/x"})"),
            R"({"url":"https://hooks.slack.com/services/T/B/x"})");
  EXPECT_EQ(refusal(Method::kSlack, R"({"url": "https://hooks.slack.com/x", "secret": "s"})"),
            "config.secret: is not a setting of the slack method");
}

TEST(NotifyConfig, EmailRecipientsBecomeAnArray) {
  EXPECT_EQ(checked(Method::kEmail, R"({"to": "ops@example.com"})"), R"({"to":["ops@example.com"]})");
  EXPECT_EQ(checked(Method::kEmail, R"({"to": ["a@example.com", "b.c+d@mail.example.org"]})"),
            R"({"to":["a@example.com","b.c+d@mail.example.org"]})");
  EXPECT_EQ(email_recipients_of(R"({"to":["a@example.com","b@example.com"]})"),
            (std::vector<std::string>{"a@example.com", "b@example.com"}));
}

TEST(NotifyConfig, RefusesWhatTheMethodCannotUse) {
  EXPECT_EQ(refusal(Method::kWebhook, "[]"), "config: must be a JSON object");
  EXPECT_EQ(refusal(Method::kWebhook, "{"), "config: must be a JSON object");
  EXPECT_EQ(refusal(Method::kWebhook, "{}"), "config.url: is required");
  EXPECT_EQ(refusal(Method::kWebhook, R"({"url": 5})"), "config.url: must be a string");
  EXPECT_EQ(refusal(Method::kWebhook, R"({"url": "ftp://h/x"})"), "config.url: must be an http:// or https:// URL");
  EXPECT_EQ(refusal(Method::kWebhook, R"({"url": "file:///etc/passwd"})"),
            "config.url: must be an http:// or https:// URL");
  EXPECT_EQ(refusal(Method::kWebhook, R"({"url": "hooks.example.com"})"),
            "config.url: must be an http:// or https:// URL");
  EXPECT_EQ(refusal(Method::kWebhook, R"({"url": "https:///path"})"), "config.url: must name a host");
  EXPECT_EQ(refusal(Method::kWebhook, R"({"url": "https://h/a b"})"),
            "config.url: must not contain spaces or control characters");
  EXPECT_EQ(refusal(Method::kWebhook, R"({"url": "https://h/\r\nX: y"})"),
            "config.url: must not contain spaces or control characters");
  EXPECT_EQ(refusal(Method::kWebhook, R"({"url": "https://h/", "retries": 3})"),
            "config.retries: is not a setting of the webhook method");
  EXPECT_EQ(refusal(Method::kWebhook, R"({"url": "https://h/", "mode": "binary"})"),
            "config.mode: is not a setting of the webhook method");
  EXPECT_EQ(refusal(Method::kWebhook, R"({"url": "https://h/", "secret": 1})"), "config.secret: must be a string");
  EXPECT_EQ(refusal(Method::kWebhook, R"({"url": "https://h/", "verify_tls": "no"})"),
            "config.verify_tls: must be true or false");
  EXPECT_EQ(refusal(Method::kWebhook, R"({"url": "https://h/", "ca_file": 7})"),
            "config.ca_file: must be a string (the path of a PEM file)");
}

TEST(NotifyConfig, RefusesHeadersThatCouldSplitTheRequest) {
  EXPECT_EQ(refusal(Method::kWebhook, R"({"url": "https://h/", "headers": ["A: b"]})"),
            "config.headers: must be an object of header names to values");
  EXPECT_EQ(refusal(Method::kWebhook, R"({"url": "https://h/", "headers": {"X-A": "b\r\nX-Injected: 1"}})"),
            "config.headers.X-A: must not contain line breaks or control characters");
  EXPECT_EQ(refusal(Method::kWebhook, R"({"url": "https://h/", "headers": {"X-A": "b\n"}})"),
            "config.headers.X-A: must not contain line breaks or control characters");
  EXPECT_EQ(refusal(Method::kWebhook, R"({"url": "https://h/", "headers": {"X A": "b"}})"),
            R"(config.headers: "X A" is not a valid header name)");
  EXPECT_EQ(refusal(Method::kWebhook, R"({"url": "https://h/", "headers": {"X-A:": "b"}})"),
            R"(config.headers: "X-A:" is not a valid header name)");
  EXPECT_EQ(refusal(Method::kWebhook, R"({"url": "https://h/", "headers": {"": "b"}})"),
            R"(config.headers: "" is not a valid header name)");
  EXPECT_EQ(refusal(Method::kWebhook, R"({"url": "https://h/", "headers": {"X-A": 1}})"),
            "config.headers.X-A: must be a string");
  EXPECT_EQ(refusal(Method::kWebhook, R"({"url": "https://h/", "headers": {"Content-Length": "0"}})"),
            "config.headers.Content-Length: is set by Pier and cannot be configured");
  EXPECT_EQ(refusal(Method::kWebhook, R"({"url": "https://h/", "headers": {"x-pier-signature-256": "sha256=0"}})"),
            "config.headers.x-pier-signature-256: is set by Pier and cannot be configured");
  EXPECT_EQ(refusal(Method::kCloudEvents, R"({"url": "https://h/", "headers": {"ce-type": "x"}})"),
            "config.headers.ce-type: is set by Pier and cannot be configured");
  EXPECT_EQ(checked(Method::kWebhook, R"({"url": "https://h/", "headers": {"X-Tab": "a\tb", "X-Empty": ""}})"),
            R"({"url":"https://h/","headers":{"X-Tab":"a\tb","X-Empty":""},"verify_tls":true})");
}

TEST(NotifyConfig, RefusesRecipientsThatAreNotAddresses) {
  EXPECT_EQ(refusal(Method::kEmail, "{}"), "config.to: is required");
  EXPECT_EQ(refusal(Method::kEmail, R"({"to": []})"), "config.to: must name at least one address");
  EXPECT_EQ(refusal(Method::kEmail, R"({"to": 5})"), "config.to: must be an address or an array of addresses");
  EXPECT_EQ(refusal(Method::kEmail, R"({"to": ["a@example.com", 5]})"),
            "config.to: must be an address or an array of addresses");
  EXPECT_EQ(refusal(Method::kEmail, R"({"to": "nobody"})"),
            R"(config.to: "nobody" is not an email address (name@domain))");
  EXPECT_EQ(refusal(Method::kEmail, R"({"to": "a@b@c"})"),
            R"(config.to: "a@b@c" is not an email address (name@domain))");
  EXPECT_EQ(refusal(Method::kEmail, R"({"to": "Ops <ops@example.com>"})"),
            R"(config.to: "Ops <ops@example.com>" is not an email address (name@domain))");
  EXPECT_EQ(refusal(Method::kEmail, R"({"to": "a@example.com\r\nBcc: x@evil.example"})"),
            "config.to: an address must not contain control characters");
  EXPECT_EQ(refusal(Method::kEmail, R"({"to": "a@example..com"})"),
            R"(config.to: "a@example..com" is not an email address (name@domain))");
  EXPECT_EQ(refusal(Method::kEmail, R"({"to": "a@example.com", "url": "https://h/"})"),
            "config.url: is not a setting of the email method");
  std::string many = R"({"to": [)";
  for (int i = 0; i < 51; ++i) many += (i == 0 ? "" : ",") + std::string(R"("a@example.com")");
  EXPECT_EQ(refusal(Method::kEmail, many + "]}"), "config.to: may name at most 50 addresses");
}

TEST(NotifyConfig, RedactsSecretsWhereverTheyAre) {
  EXPECT_EQ(redacted_config(R"({"url":"https://h/","secret":"s3cr3t","headers":{},"verify_tls":true})"),
            R"({"url":"https://h/","secret":"********","headers":{},"verify_tls":true})");
  EXPECT_EQ(redacted_config(R"({"smtp":{"url":"smtp://m","password":"pw"}})"),
            R"({"smtp":{"url":"smtp://m","password":"********"}})");
  EXPECT_EQ(redacted_config(R"({"to":["a@example.com"]})"), R"({"to":["a@example.com"]})");
  EXPECT_EQ(redacted_config("not json"), "{}");
}

TEST(NotifyConfig, MergeKeepsARedactedSecret) {
  const std::string current = R"({"url":"https://h/old","secret":"s3cr3t","headers":{"X-A":"1"},"verify_tls":true})";
  auto merged = merged_config(Method::kWebhook, current, R"({"url":"https://h/new","secret":"********"})");
  ASSERT_TRUE(merged) << merged.error().message;
  EXPECT_EQ(*merged, R"({"url":"https://h/new","secret":"s3cr3t","headers":{"X-A":"1"},"verify_tls":true})");

  // What the API showed, sent back whole, changes nothing.
  merged = merged_config(Method::kWebhook, current, redacted_config(current));
  ASSERT_TRUE(merged);
  EXPECT_EQ(*merged, current);

  merged = merged_config(Method::kWebhook, current, R"({"secret":"new","headers":{"X-B":"2"}})");
  ASSERT_TRUE(merged);
  EXPECT_EQ(*merged, R"({"url":"https://h/old","secret":"new","headers":{"X-B":"2"},"verify_tls":true})");

  merged = merged_config(Method::kWebhook, current, R"({"secret":null})");
  ASSERT_TRUE(merged);
  EXPECT_EQ(*merged, R"({"url":"https://h/old","headers":{"X-A":"1"},"verify_tls":true})");
  EXPECT_EQ(http_target_of(*merged).secret, "");
}

TEST(NotifyConfig, MergeChecksTheResult) {
  const std::string current = R"({"url":"https://h/","mode":"structured","headers":{},"verify_tls":true})";
  auto merged = merged_config(Method::kCloudEvents, current, R"({"url":"gopher://h/"})");
  ASSERT_FALSE(merged);
  EXPECT_EQ(merged.error().message, "config.url: must be an http:// or https:// URL");
  merged = merged_config(Method::kCloudEvents, current, R"({"url":null})");
  ASSERT_FALSE(merged);
  EXPECT_EQ(merged.error().message, "config.url: is required");
  merged = merged_config(Method::kCloudEvents, current, "[1]");
  ASSERT_FALSE(merged);
  EXPECT_EQ(merged.error().code, ErrorCode::kBadRequest);
  merged = merged_config(Method::kEmail, R"({"to":["a@example.com"]})", R"({"to":"b@example.com"})");
  ASSERT_TRUE(merged);
  EXPECT_EQ(*merged, R"({"to":["b@example.com"]})");
}

TEST(NotifyConfig, TargetReadsACheckedConfig) {
  const HttpTarget target = http_target_of(
      R"({"url":"https://h/","mode":"binary","secret":"k","headers":{"A":"1","B":"2"},"verify_tls":false,"ca_file":"/ca.pem"})");
  EXPECT_EQ(target.url, "https://h/");
  EXPECT_TRUE(target.binary_mode);
  EXPECT_EQ(target.secret, "k");
  EXPECT_EQ(target.headers, (std::vector<std::pair<std::string, std::string>>{{"A", "1"}, {"B", "2"}}));
  EXPECT_FALSE(target.verify_tls);
  EXPECT_EQ(target.ca_file, "/ca.pem");
  const HttpTarget defaults = http_target_of(R"({"url":"https://h/"})");
  EXPECT_TRUE(defaults.verify_tls);
  EXPECT_FALSE(defaults.binary_mode);
  EXPECT_TRUE(defaults.headers.empty());
}

}  // namespace
}  // namespace pier::notify
