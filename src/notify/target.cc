#include "notify/target.h"

#include <boost/json.hpp>

namespace pier::notify {

namespace json = boost::json;

namespace {

json::object object_of(std::string_view text) {
  boost::system::error_code error;
  json::value value = json::parse(text, error);
  if (error || !value.is_object()) return {};
  return std::move(value.get_object());
}

std::string string_at(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : std::string();
}

}  // namespace

HttpTarget http_target_of(std::string_view config_json) {
  const json::object config = object_of(config_json);
  HttpTarget target;
  target.url = string_at(config, "url");
  target.secret = string_at(config, "secret");
  target.ca_file = string_at(config, "ca_file");
  target.binary_mode = string_at(config, "mode") == "binary";
  if (const json::value* verify = config.if_contains("verify_tls"); verify != nullptr && verify->is_bool()) {
    target.verify_tls = verify->get_bool();
  }
  if (const json::value* headers = config.if_contains("headers"); headers != nullptr && headers->is_object()) {
    for (const auto& [name, value] : headers->get_object()) {
      if (value.is_string()) target.headers.emplace_back(std::string(name), std::string(value.get_string()));
    }
  }
  return target;
}

std::vector<std::string> email_recipients_of(std::string_view config_json) {
  const json::object config = object_of(config_json);
  std::vector<std::string> recipients;
  const json::value* to = config.if_contains("to");
  if (to == nullptr) return recipients;
  if (to->is_string()) {
    recipients.emplace_back(to->get_string());
  } else if (to->is_array()) {
    for (const auto& address : to->get_array()) {
      if (address.is_string()) recipients.emplace_back(address.get_string());
    }
  }
  return recipients;
}

}  // namespace pier::notify
