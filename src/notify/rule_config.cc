#include "notify/rule_config.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cctype>

namespace pier::notify {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxRecipients = 50;
constexpr std::size_t kMaxHeaders = 32;
constexpr std::size_t kMaxUrlBytes = 2048;
constexpr std::size_t kMaxAddressBytes = 254;  // RFC 5321's path limit less the angle brackets

Error bad(std::string_view key, std::string_view problem) {
  return make_error(ErrorCode::kBadRequest,
                    "config" + (key.empty() ? std::string() : "." + std::string(key)) + ": " + std::string(problem));
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

// RFC 9110's tchar.
bool is_token(std::string_view text) {
  static constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || kSymbols.find(c) != std::string_view::npos;
  });
}

// Headers the request's framing or Pier's own fields depend on: a rule may not set them.
bool is_reserved_header(std::string_view name) {
  static constexpr std::array<std::string_view, 7> kReserved{
      "content-type", "content-length", "transfer-encoding", "host", "connection", "expect", "user-agent"};
  return std::any_of(kReserved.begin(), kReserved.end(),
                     [&](std::string_view reserved) { return iequals(name, reserved); }) ||
         istarts_with(name, "x-pier-") || istarts_with(name, "ce-");
}

std::optional<Error> check_url(const json::value* url) {
  if (url == nullptr) return bad("url", "is required");
  if (!url->is_string()) return bad("url", "must be a string");
  const std::string_view text = url->get_string();
  if (text.size() > kMaxUrlBytes) return bad("url", "is longer than 2048 bytes");
  std::string_view rest;
  if (istarts_with(text, "https://")) {
    rest = text.substr(8);
  } else if (istarts_with(text, "http://")) {
    rest = text.substr(7);
  } else {
    return bad("url", "must be an http:// or https:// URL");
  }
  if (has_control(text) || text.find(' ') != std::string_view::npos) {
    return bad("url", "must not contain spaces or control characters");
  }
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  const auto at = authority.rfind('@');
  const std::string_view host = at == std::string_view::npos ? authority : authority.substr(at + 1);
  if (host.empty() || host.front() == ':') return bad("url", "must name a host");
  return std::nullopt;
}

std::optional<Error> check_headers(const json::value& headers) {
  const json::object* object = headers.if_object();
  if (object == nullptr) return bad("headers", "must be an object of header names to values");
  if (object->size() > kMaxHeaders) return bad("headers", "may hold at most 32 headers");
  for (const auto& [name, value] : *object) {
    const std::string key = "headers." + std::string(name);
    if (!is_token(name)) return bad("headers", "\"" + std::string(name) + "\" is not a valid header name");
    if (is_reserved_header(name)) return bad(key, "is set by Pier and cannot be configured");
    if (!value.is_string()) return bad(key, "must be a string");
    const std::string_view text = value.get_string();
    // A tab is the one control character a field value may hold.
    if (std::any_of(text.begin(), text.end(),
                    [](char c) { return c != '\t' && (static_cast<unsigned char>(c) < 0x20 || c == 0x7f); })) {
      return bad(key, "must not contain line breaks or control characters");
    }
  }
  return std::nullopt;
}

// A plain addr-spec (local@domain): display names and comments are not taken, so an address
// can go into both the SMTP envelope and the To header as it is.
bool is_address(std::string_view text) {
  if (text.empty() || text.size() > kMaxAddressBytes) return false;
  const auto at = text.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == text.size()) return false;
  static constexpr std::string_view kForbidden = " \t\"(),:;<>[\\]";
  if (has_control(text) || text.find_first_of(kForbidden) != std::string_view::npos) return false;
  if (text.find('@') != at) return false;
  const std::string_view domain = text.substr(at + 1);
  return domain.front() != '.' && domain.back() != '.' && domain.find("..") == std::string_view::npos;
}

Result<json::array> checked_recipients(const json::value* to) {
  if (to == nullptr) return bad("to", "is required");
  json::array addresses;
  if (to->is_string()) {
    addresses.push_back(*to);
  } else if (to->is_array()) {
    addresses = to->get_array();
  } else {
    return bad("to", "must be an address or an array of addresses");
  }
  if (addresses.empty()) return bad("to", "must name at least one address");
  if (addresses.size() > kMaxRecipients) return bad("to", "may name at most 50 addresses");
  for (const auto& address : addresses) {
    if (!address.is_string()) return bad("to", "must be an address or an array of addresses");
    if (has_control(address.get_string())) return bad("to", "an address must not contain control characters");
    if (!is_address(address.get_string())) {
      return bad("to", "\"" + std::string(address.get_string()) + "\" is not an email address (name@domain)");
    }
  }
  return addresses;
}

std::optional<json::object> parse_object(std::string_view text) {
  boost::system::error_code error;
  json::value value = json::parse(text, error);
  if (error || !value.is_object()) return std::nullopt;
  return std::move(value.get_object());
}

Result<json::object> normalised(Method method, const json::object& config) {
  const bool http_target = method == Method::kWebhook || method == Method::kCloudEvents;
  std::vector<std::string_view> allowed;
  switch (method) {
    case Method::kWebhook:
      allowed = {"url", "secret", "headers", "verify_tls", "ca_file"};
      break;
    case Method::kSlack:
      allowed = {"url"};
      break;
    case Method::kCloudEvents:
      allowed = {"url", "mode", "secret", "headers", "verify_tls", "ca_file"};
      break;
    case Method::kEmail:
      allowed = {"to"};
      break;
  }
  for (const auto& [key, value] : config) {
    if (std::find(allowed.begin(), allowed.end(), std::string_view(key)) == allowed.end()) {
      return bad(key, "is not a setting of the " + std::string(to_text(method)) + " method");
    }
  }

  json::object out;
  if (method == Method::kEmail) {
    auto to = checked_recipients(config.if_contains("to"));
    if (!to) return to.error();
    out["to"] = std::move(*to);
    return out;
  }
  if (auto problem = check_url(config.if_contains("url"))) return *problem;
  out["url"] = config.at("url");
  if (!http_target) return out;

  if (method == Method::kCloudEvents) {
    const json::value* mode = config.if_contains("mode");
    if (mode != nullptr &&
        !(mode->is_string() && (mode->get_string() == "structured" || mode->get_string() == "binary"))) {
      return bad("mode", "must be \"structured\" or \"binary\"");
    }
    out["mode"] = mode != nullptr ? *mode : json::value("structured");
  }
  if (const json::value* secret = config.if_contains("secret")) {
    if (!secret->is_string()) return bad("secret", "must be a string");
    // An empty secret would sign with an empty key, which a receiver cannot tell from none.
    if (!secret->get_string().empty()) out["secret"] = *secret;
  }
  if (const json::value* headers = config.if_contains("headers")) {
    if (auto problem = check_headers(*headers)) return *problem;
    out["headers"] = *headers;
  } else {
    out["headers"] = json::object();
  }
  if (const json::value* verify = config.if_contains("verify_tls")) {
    if (!verify->is_bool()) return bad("verify_tls", "must be true or false");
    out["verify_tls"] = *verify;
  } else {
    out["verify_tls"] = true;
  }
  if (const json::value* ca_file = config.if_contains("ca_file")) {
    if (!ca_file->is_string()) return bad("ca_file", "must be a string (the path of a PEM file)");
    if (has_control(ca_file->get_string())) return bad("ca_file", "must not contain control characters");
    if (!ca_file->get_string().empty()) out["ca_file"] = *ca_file;
  }
  return out;
}

void redact(json::value& value) {
  if (json::object* object = value.if_object()) {
    for (auto& [key, member] : *object) {
      if (key == "secret" || key == "password") {
        member = kRedacted;
      } else {
        redact(member);
      }
    }
  } else if (json::array* array = value.if_array()) {
    for (auto& item : *array) redact(item);
  }
}

}  // namespace

Result<std::string> check_config(Method method, std::string_view config_json) {
  const auto config = parse_object(config_json);
  if (!config) return bad("", "must be a JSON object");
  auto checked = normalised(method, *config);
  if (!checked) return checked.error();
  return json::serialize(*checked);
}

std::string redacted_config(std::string_view config_json) {
  boost::system::error_code error;
  json::value value = json::parse(config_json, error);
  if (error) return "{}";
  redact(value);
  return json::serialize(value);
}

Result<std::string> merged_config(Method method, std::string_view current_json, std::string_view update_json) {
  const auto update = parse_object(update_json);
  if (!update) return bad("", "must be a JSON object");
  json::object merged = parse_object(current_json).value_or(json::object());
  for (const auto& [key, value] : *update) {
    if (key == "secret" && value.is_string() && value.get_string() == kRedacted) continue;
    if (value.is_null()) {
      merged.erase(key);
    } else {
      merged[key] = value;
    }
  }
  auto checked = normalised(method, merged);
  if (!checked) return checked.error();
  return json::serialize(*checked);
}

}  // namespace pier::notify
