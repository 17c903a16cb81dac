#include "notify/formats.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <boost/json.hpp>

namespace pier::notify {
namespace {

namespace json = boost::json;

constexpr std::string_view kDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
constexpr std::int64_t k20261207T223001Z = 1796682601;

std::string push_payload() {
  return R"({"id":"41","event":"push","occurred_at":"2026-12-07T22:30:01Z","registry":"registry.example.com:5000",)"
         R"("namespace":"acme","repository":"acme/app","actor":"alice","digest":")" +
         std::string(kDigest) +
         R"(","tags":["1.0"],"media_type":"application/vnd.oci.image.manifest.v1+json","size":1234})";
}

Outgoing push() { return Outgoing{"push", push_payload(), "7"}; }

// The signature computed here with OpenSSL directly, not through the code under test.
std::string expected_signature(std::string_view key, std::string_view body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(body.data()),
       body.size(), mac, &size);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) hex += {kHex[mac[i] >> 4], kHex[mac[i] & 0xf]};
  return "sha256=" + hex;
}

std::vector<std::string> headers_named(const HttpMessage& message, std::string_view name) {
  std::vector<std::string> values;
  for (const auto& header : message.headers) {
    const auto colon = header.find(':');
    if (colon == std::string::npos) continue;
    std::string key = header.substr(0, colon);
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string wanted(name);
    std::transform(wanted.begin(), wanted.end(), wanted.begin(), [](unsigned char c) { return std::tolower(c); });
    if (key == wanted) values.push_back(header.substr(colon + 2));
  }
  return values;
}

std::string header(const HttpMessage& message, std::string_view name) {
  const auto values = headers_named(message, name);
  EXPECT_EQ(values.size(), 1u) << name;
  return values.empty() ? std::string() : values.front();
}

TEST(NotifyFormats, HmacMatchesRfc4231) {
  // RFC 4231 test cases 1 and 2.
  EXPECT_EQ(hmac_sha256_hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(NotifyFormats, SummaryNamesTheImage) {
  EXPECT_EQ(summary_of(push()), "Pushed acme/app:1.0 (sha256:0123456789ab)");
  const std::string base =
      R"({"id":"1","registry":"r","namespace":"acme","repository":"acme/app","actor":"","digest":")" +
      std::string(kDigest) + R"(",)";
  EXPECT_EQ(summary_of({"push", base + R"("tags":["1.0","latest"]})", "1"}),
            "Pushed acme/app:1.0, latest (sha256:0123456789ab)");
  EXPECT_EQ(summary_of({"delete", base + R"("tags":[]})", "1"}), "Deleted acme/app@sha256:0123456789ab");
  EXPECT_EQ(summary_of({"tag_expired", base + R"("tags":["nightly"]})", "1"}),
            "Tag expired: acme/app:nightly (sha256:0123456789ab)");
  EXPECT_EQ(summary_of({"tag_pruned", base + R"("tags":["old"]})", "1"}),
            "Tag pruned by retention: acme/app:old (sha256:0123456789ab)");
  EXPECT_EQ(summary_of({"pull", base + R"("tags":[]})", "1"}), "Pulled acme/app@sha256:0123456789ab");
  EXPECT_EQ(
      summary_of({"vulnerability_found",
                  base + R"("severity":"critical","summary":{"critical":2,"high":5,"medium":0,"low":1,"unknown":0}})",
                  "1"}),
      "Vulnerabilities found in acme/app@sha256:0123456789ab: 2 critical, 5 high, 1 low");
  EXPECT_EQ(summary_of({"signature_added", base + R"("signature":{"kind":"cosign","key":"sha256:ab"}})", "1"}),
            "Signature added to acme/app@sha256:0123456789ab (cosign)");
  EXPECT_EQ(
      summary_of({"quota_warning", R"({"namespace":"acme","quota_bytes":10737418240,"usage_bytes":8800000000})", "1"}),
      "Quota warning for acme: 8.2 GiB of 10.0 GiB (81%) used");
  EXPECT_EQ(summary_of({"quota_exceeded", R"({"namespace":"acme","quota_bytes":1000,"usage_bytes":990})", "1"}),
            "Quota exceeded for acme: a push was refused at 990 B of 1000 B (99%)");
  EXPECT_EQ(summary_of({"test", R"({"namespace":"acme","message":"hello\r\nBcc: x"})", "1"}),
            "Test notification for acme: hello  Bcc: x");
  EXPECT_EQ(summary_of({"later_kind", R"({"namespace":"acme"})", "1"}), "later_kind in acme");
}

TEST(NotifyFormats, CloudEventTypes) {
  EXPECT_EQ(cloud_event_type("push"), "dev.pier.image.pushed");
  EXPECT_EQ(cloud_event_type("delete"), "dev.pier.image.deleted");
  EXPECT_EQ(cloud_event_type("tag_expired"), "dev.pier.tag.expired");
  EXPECT_EQ(cloud_event_type("tag_pruned"), "dev.pier.tag.pruned");
  EXPECT_EQ(cloud_event_type("pull"), "dev.pier.image.pulled");
  EXPECT_EQ(cloud_event_type("quota_warning"), "dev.pier.quota.warning");
  EXPECT_EQ(cloud_event_type("quota_exceeded"), "dev.pier.quota.exceeded");
  EXPECT_EQ(cloud_event_type("vulnerability_found"), "dev.pier.vulnerability.found");
  EXPECT_EQ(cloud_event_type("signature_added"), "dev.pier.signature.added");
  EXPECT_EQ(cloud_event_type("test"), "dev.pier.test");
}

TEST(NotifyFormats, WebhookSendsThePayloadAsIsAndSignsIt) {
  const HttpMessage message = webhook_message(
      R"({"url":"https://h/","secret":"s3cr3t","headers":{"Authorization":"Bearer t","X-Empty":""},"verify_tls":true})",
      push());
  EXPECT_EQ(message.body, push_payload());
  EXPECT_EQ(header(message, "Content-Type"), "application/json");
  EXPECT_EQ(header(message, "X-Pier-Event"), "push");
  EXPECT_EQ(header(message, "X-Pier-Delivery"), "7");
  EXPECT_EQ(header(message, "X-Pier-Signature-256"), expected_signature("s3cr3t", message.body));
  EXPECT_EQ(header(message, "Authorization"), "Bearer t");
  // curl sends "Name;" as a header with an empty value; "Name:" would remove it.
  EXPECT_NE(std::find(message.headers.begin(), message.headers.end(), "X-Empty;"), message.headers.end());
}

TEST(NotifyFormats, WebhookWithoutSecretIsUnsigned) {
  const HttpMessage message = webhook_message(R"({"url":"https://h/","headers":{},"verify_tls":true})", push());
  EXPECT_TRUE(headers_named(message, "X-Pier-Signature-256").empty());
  EXPECT_EQ(message.headers.size(), 3u);
}

TEST(NotifyFormats, SlackHasTextAndBlocks) {
  const HttpMessage message = slack_message(push());
  EXPECT_EQ(header(message, "Content-Type"), "application/json");
  const json::value body = json::parse(message.body);
  EXPECT_EQ(body.at("text").as_string(), "Pushed acme/app:1.0 (sha256:0123456789ab)");
  const json::array& blocks = body.at("blocks").as_array();
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0].at("type").as_string(), "section");
  EXPECT_EQ(blocks[0].at("text").at("type").as_string(), "mrkdwn");
  const std::string section(blocks[0].at("text").at("text").as_string());
  EXPECT_TRUE(section.starts_with("*Pushed acme/app:1.0 (sha256:0123456789ab)*\n")) << section;
  EXPECT_NE(section.find("*digest:* " + std::string(kDigest)), std::string::npos) << section;
  EXPECT_NE(section.find("*actor:* alice"), std::string::npos) << section;
  EXPECT_NE(section.find("*tags:* 1.0"), std::string::npos) << section;
  EXPECT_EQ(blocks[1].at("type").as_string(), "context");
  const json::array& elements = blocks[1].at("elements").as_array();
  ASSERT_EQ(elements.size(), 1u);
  EXPECT_EQ(elements[0].at("type").as_string(), "mrkdwn");
  EXPECT_EQ(elements[0].at("text").as_string(), "registry.example.com:5000 · 2026-12-07T22:30:01Z");
}

TEST(NotifyFormats, SlackEscapesItsMarkup) {
  const json::value body =
      json::parse(slack_message({"test", R"({"namespace":"acme","message":"<!channel> & <@U1>"})", "1"}).body);
  EXPECT_EQ(body.at("text").as_string(), "Test notification for acme: &lt;!channel&gt; &amp; &lt;@U1&gt;");
}

TEST(NotifyFormats, SlackListsAtMostTenVulnerabilities) {
  std::string payload =
      R"({"namespace":"acme","repository":"acme/app","digest":"sha256:ab","severity":"high","vulnerabilities":[)";
  for (int i = 0; i < 12; ++i) {
    payload += (i == 0 ? "" : ",") + std::string(R"({"id":"CVE-)") + std::to_string(i) +
               R"(","package":"openssl","severity":"high","fixed_version":"3.0.1"})";
  }
  payload += "]}";
  const json::value body = json::parse(slack_message({"vulnerability_found", payload, "1"}).body);
  const std::string section(body.at("blocks").at(0).at("text").at("text").as_string());
  EXPECT_NE(section.find("• id: CVE-9, package: openssl, severity: high, fixed_version: 3.0.1"), std::string::npos)
      << section;
  EXPECT_EQ(section.find("CVE-10"), std::string::npos) << section;
  EXPECT_NE(section.find("… and 2 more"), std::string::npos) << section;
}

TEST(NotifyFormats, CloudEventStructuredCarriesEveryAttribute) {
  const HttpMessage message = cloud_event_message(
      R"({"url":"https://h/","mode":"structured","secret":"k","headers":{},"verify_tls":true})", push());
  EXPECT_EQ(header(message, "Content-Type"), "application/cloudevents+json");
  EXPECT_EQ(header(message, "X-Pier-Signature-256"), expected_signature("k", message.body));
  EXPECT_TRUE(headers_named(message, "ce-id").empty());
  const json::value event = json::parse(message.body);
  EXPECT_EQ(event.at("specversion").as_string(), "1.0");
  EXPECT_EQ(event.at("id").as_string(), "41");
  EXPECT_EQ(event.at("source").as_string(), "/registry.example.com:5000/acme/app");
  EXPECT_EQ(event.at("type").as_string(), "dev.pier.image.pushed");
  EXPECT_EQ(event.at("subject").as_string(), kDigest);
  EXPECT_EQ(event.at("time").as_string(), "2026-12-07T22:30:01Z");
  EXPECT_EQ(event.at("datacontenttype").as_string(), "application/json");
  EXPECT_EQ(event.at("data"), json::parse(push_payload()));
  EXPECT_EQ(event.as_object().size(), 8u);
}

TEST(NotifyFormats, CloudEventBinaryPutsAttributesInHeaders) {
  const HttpMessage message = cloud_event_message(
      R"({"url":"https://h/","mode":"binary","secret":"k","headers":{"X-A":"1"},"verify_tls":true})", push());
  EXPECT_EQ(message.body, push_payload());
  EXPECT_EQ(header(message, "Content-Type"), "application/json");
  EXPECT_EQ(header(message, "ce-specversion"), "1.0");
  EXPECT_EQ(header(message, "ce-id"), "41");
  EXPECT_EQ(header(message, "ce-source"), "/registry.example.com:5000/acme/app");
  EXPECT_EQ(header(message, "ce-type"), "dev.pier.image.pushed");
  EXPECT_EQ(header(message, "ce-time"), "2026-12-07T22:30:01Z");
  EXPECT_EQ(header(message, "ce-subject"), kDigest);
  EXPECT_EQ(header(message, "X-Pier-Signature-256"), expected_signature("k", push_payload()));
  EXPECT_EQ(header(message, "X-A"), "1");
}

TEST(NotifyFormats, CloudEventOfANamespaceHasNoSubject) {
  const Outgoing quota{"quota_warning",
                       R"({"id":"9","event":"quota_warning","occurred_at":"2026-12-07T22:30:01Z","registry":"r:5000",)"
                       R"("namespace":"acme","actor":"","quota_bytes":100,"usage_bytes":81})",
                       "3"};
  const HttpMessage binary = cloud_event_message(R"({"url":"https://h/","mode":"binary"})", quota);
  EXPECT_EQ(header(binary, "ce-source"), "/r:5000/acme");
  EXPECT_EQ(header(binary, "ce-type"), "dev.pier.quota.warning");
  EXPECT_TRUE(headers_named(binary, "ce-subject").empty());
  EXPECT_TRUE(headers_named(binary, "X-Pier-Signature-256").empty());
  const json::value event = json::parse(cloud_event_message(R"({"url":"https://h/"})", quota).body);
  EXPECT_EQ(event.at("source").as_string(), "/r:5000/acme");
  EXPECT_EQ(event.as_object().if_contains("subject"), nullptr);
}

// The lines of `text`, each required to end in CRLF.
std::vector<std::string> crlf_lines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const auto end = text.find("\r\n");
    EXPECT_NE(end, std::string_view::npos) << "the message does not end in CRLF";
    if (end == std::string_view::npos) break;
    const std::string_view line = text.substr(0, end);
    EXPECT_EQ(line.find_first_of("\r\n"), std::string_view::npos) << "a bare CR or LF in: " << line;
    lines.emplace_back(line);
    text.remove_prefix(end + 2);
  }
  return lines;
}

TEST(NotifyFormats, EmailHasItsHeadersAndCrlfLines) {
  const std::string message =
      email_message("Pier <pier@registry.example.com>", {"a@example.com", "b@example.com"}, push(), k20261207T223001Z);
  const auto blank = message.find("\r\n\r\n");
  ASSERT_NE(blank, std::string::npos);
  const auto head = crlf_lines(message.substr(0, blank + 2));
  const auto body = crlf_lines(message.substr(blank + 4));
  const std::vector<std::string> expected_head{
      "From: Pier <pier@registry.example.com>",
      "To: a@example.com,",
      " b@example.com",
      "Subject: [Pier] Pushed acme/app:1.0 (sha256:0123456789ab)",
      "Date: Mon, 07 Dec 2026 22:30:01 +0000",
      "Message-ID: <pier.delivery.7@registry.example.com>",
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=utf-8",
      "Content-Transfer-Encoding: 8bit",
      "X-Pier-Event: push",
      "X-Pier-Delivery: 7",
  };
  EXPECT_EQ(head, expected_head);
  const std::vector<std::string> expected_body{
      "Pushed acme/app:1.0 (sha256:0123456789ab)",
      "",
      "id: 41",
      "event: push",
      "occurred_at: 2026-12-07T22:30:01Z",
      "registry: registry.example.com:5000",
      "namespace: acme",
      "repository: acme/app",
      "actor: alice",
      "digest: " + std::string(kDigest),
      "tags: 1.0",
      "media_type: application/vnd.oci.image.manifest.v1+json",
      "size: 1234",
  };
  EXPECT_EQ(body, expected_body);
}

TEST(NotifyFormats, EmailEncodesASubjectThatIsNotAscii) {
  const std::string message =
      email_message("pier@localhost", {"a@example.com"}, {"test", R"({"namespace":"acme","message":"héllo"})", "2"}, 0);
  // "[Pier] Test notification for acme: héllo" in UTF-8, base64.
  EXPECT_NE(message.find("\r\nSubject: =?UTF-8?B?W1BpZXJdIFRlc3Qgbm90aWZpY2F0aW9uIGZvciBhY21lOiBow6lsbG8=?=\r\n"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("\r\nDate: Thu, 01 Jan 1970 00:00:00 +0000\r\n"), std::string::npos);
  EXPECT_NE(message.find("\r\nMessage-ID: <pier.delivery.2@localhost>\r\n"), std::string::npos);
  EXPECT_NE(message.find("\r\nmessage: héllo\r\n"), std::string::npos);
}

TEST(NotifyFormats, EmailListsEachVulnerabilityOnItsOwnLine) {
  const std::string payload = R"({"repository":"acme/app","digest":"sha256:ab","severity":"high","vulnerabilities":[)"
                              R"({"id":"CVE-1","package":"openssl","severity":"high","fixed_version":"3.0.1"},)"
                              R"({"id":"CVE-2","package":"zlib","severity":"low","fixed_version":""}],)"
                              R"("summary":{"critical":0,"high":1,"medium":0,"low":1,"unknown":0}})";
  const std::string message =
      email_message("pier@localhost", {"a@example.com"}, {"vulnerability_found", payload, "3"}, 0);
  EXPECT_NE(message.find("\r\nvulnerabilities:\r\n"
                         "  id: CVE-1, package: openssl, severity: high, fixed_version: 3.0.1\r\n"
                         "  id: CVE-2, package: zlib, severity: low, fixed_version: \r\n"
                         "summary: critical: 0, high: 1, medium: 0, low: 1, unknown: 0\r\n"),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace pier::notify
