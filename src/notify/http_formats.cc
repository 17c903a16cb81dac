#include <algorithm>
#include <array>
#include <boost/json.hpp>

#include "notify/formats.h"
#include "notify/payload_text.h"
#include "notify/target.h"

namespace pier::notify {

namespace json = boost::json;

namespace {

constexpr std::size_t kSlackItems = 10;

json::object payload_object(std::string_view payload_json) {
  boost::system::error_code error;
  json::value value = json::parse(payload_json, error);
  if (error || !value.is_object()) return {};
  return std::move(value.get_object());
}

std::string string_at(const json::object& payload, std::string_view key) {
  const json::value* value = payload.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : std::string();
}

// A header's line; curl sends "Name;" as the header with an empty value ("Name:" would remove it).
std::string header_line(std::string_view name, std::string_view value) {
  if (value.empty()) return std::string(name) + ";";
  return std::string(name) + ": " + std::string(value);
}

// Signs the body last, once its bytes are final, and then the rule's own headers.
void finish(HttpMessage& message, const HttpTarget& target) {
  if (!target.secret.empty()) {
    message.headers.push_back("X-Pier-Signature-256: sha256=" + hmac_sha256_hex(target.secret, message.body));
  }
  for (const auto& [name, value] : target.headers) message.headers.push_back(header_line(name, value));
}

// Slack's mrkdwn treats these three as markup; anything else is shown as written.
std::string slack_escaped(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

// CloudEvents' HTTP binding: header values percent-encode space, '"', '%' and every byte
// outside printable ASCII.
std::string ce_header_value(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f || c == '"' || c == '%') {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xf]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

HttpMessage webhook_message(std::string_view config_json, const Outgoing& outgoing) {
  HttpMessage message;
  message.headers = {"Content-Type: application/json", "X-Pier-Event: " + one_line(outgoing.event),
                     "X-Pier-Delivery: " + one_line(outgoing.delivery_id)};
  message.body = outgoing.payload_json;
  finish(message, http_target_of(config_json));
  return message;
}

HttpMessage slack_message(const Outgoing& outgoing) {
  const json::object payload = payload_object(outgoing.payload_json);
  const std::string summary = slack_escaped(summary_of(outgoing));
  // The section repeats what the summary leaves out; the context line says where and when.
  static constexpr std::array<std::string_view, 5> kShownElsewhere{"id", "event", "registry", "occurred_at", "namespace"};
  std::string details = "*" + summary + "*";
  for (const auto& field : payload_fields(outgoing.payload_json)) {
    if (std::find(kShownElsewhere.begin(), kShownElsewhere.end(), field.name) != kShownElsewhere.end()) continue;
    if (field.items.empty()) {
      if (!field.text.empty()) details += "\n*" + slack_escaped(field.name) + ":* " + slack_escaped(field.text);
      continue;
    }
    details += "\n*" + slack_escaped(field.name) + ":*";
    for (std::size_t i = 0; i < field.items.size() && i < kSlackItems; ++i) {
      details += "\n• " + slack_escaped(field.items[i]);
    }
    if (field.items.size() > kSlackItems) {
      details += "\n… and " + std::to_string(field.items.size() - kSlackItems) + " more";
    }
  }
  const std::string context = slack_escaped(string_at(payload, "registry") + " · " + string_at(payload, "occurred_at"));

  const json::object body{
      {"text", summary},
      {"blocks",
       json::array{json::object{{"type", "section"}, {"text", json::object{{"type", "mrkdwn"}, {"text", details}}}},
                   json::object{{"type", "context"},
                                {"elements", json::array{json::object{{"type", "mrkdwn"}, {"text", context}}}}}}},
  };
  return HttpMessage{{"Content-Type: application/json"}, json::serialize(body)};
}

HttpMessage cloud_event_message(std::string_view config_json, const Outgoing& outgoing) {
  const HttpTarget target = http_target_of(config_json);
  const json::object payload = payload_object(outgoing.payload_json);
  const std::string repository = string_at(payload, "repository");
  const std::string source =
      "/" + string_at(payload, "registry") + "/" + (repository.empty() ? string_at(payload, "namespace") : repository);
  const std::string digest = string_at(payload, "digest");
  const std::string type = cloud_event_type(outgoing.event);
  const std::string id = string_at(payload, "id");
  const std::string time = string_at(payload, "occurred_at");

  HttpMessage message;
  if (target.binary_mode) {
    message.headers = {"Content-Type: application/json",    "ce-specversion: 1.0",
                       "ce-id: " + ce_header_value(id),     "ce-source: " + ce_header_value(source),
                       "ce-type: " + ce_header_value(type), "ce-time: " + ce_header_value(time)};
    if (!digest.empty()) message.headers.push_back("ce-subject: " + ce_header_value(digest));
    message.body = outgoing.payload_json;
  } else {
    json::object event{{"specversion", "1.0"}, {"id", id}, {"source", source}, {"type", type}};
    if (!digest.empty()) event["subject"] = digest;
    event["time"] = time;
    event["datacontenttype"] = "application/json";
    event["data"] = payload;
    message.headers = {"Content-Type: application/cloudevents+json"};
    message.body = json::serialize(event);
  }
  message.headers.push_back("X-Pier-Delivery: " + one_line(outgoing.delivery_id));
  finish(message, target);
  return message;
}

}  // namespace pier::notify
