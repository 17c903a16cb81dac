// notify/formats.h: an event as each method sends it. Pure functions: no I/O, no clock.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "notify/outgoing.h"

namespace pier::notify {

struct HttpMessage {
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // the exact bytes to send (and that a signature covers)
};

// One line, no control characters, e.g. "Pushed acme/app:1.0 (sha256:0123456789ab)".
std::string summary_of(const Outgoing& outgoing);

// "dev.pier.image.pushed" for "push", ...; "dev.pier.<event>" for an event not listed.
std::string cloud_event_type(std::string_view event);

// POST application/json with the payload as is; X-Pier-Event, X-Pier-Delivery, the config's
// headers and, with a secret, X-Pier-Signature-256.
HttpMessage webhook_message(std::string_view config_json, const Outgoing& outgoing);

// Slack's incoming webhook: {"text", "blocks": [section, context]}.
HttpMessage slack_message(const Outgoing& outgoing);

// CloudEvents 1.0 over HTTP in the config's mode (structured unless "binary").
HttpMessage cloud_event_message(std::string_view config_json, const Outgoing& outgoing);

// An RFC 5322 text/plain message with CRLF line ends, as handed to SMTP (dot-stuffing is
// libcurl's job). `now_unix` is its Date.
std::string email_message(std::string_view from, const std::vector<std::string>& to, const Outgoing& outgoing,
                          std::int64_t now_unix);

// Lowercase hex of HMAC-SHA256(key, data).
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

}  // namespace pier::notify
