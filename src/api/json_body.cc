#include "api/json_body.h"

#include <algorithm>

namespace pier::api {

namespace json = boost::json;

Error bad_field(std::string_view field, std::string_view problem) {
  return make_error(ErrorCode::kBadRequest, std::string(field) + ": " + std::string(problem));
}

Result<JsonBody> JsonBody::parse(std::string_view body, std::initializer_list<std::string_view> fields) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return JsonBody(json::object());
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec) return make_error(ErrorCode::kBadRequest, "malformed JSON body: " + ec.message());
  if (!value.is_object()) return make_error(ErrorCode::kBadRequest, "the body must be a JSON object");
  for (const auto& entry : value.as_object()) {
    if (std::find(fields.begin(), fields.end(), std::string_view(entry.key())) == fields.end()) {
      return bad_field(entry.key(), "unknown field");
    }
  }
  return JsonBody(std::move(value.as_object()));
}

const json::value* JsonBody::find(std::string_view field) const {
  const auto* value = object_.if_contains(field);
  return value == nullptr || value->is_null() ? nullptr : value;
}

Result<std::optional<std::string>> JsonBody::optional_string(std::string_view field) const {
  const auto* value = find(field);
  if (value == nullptr) return std::optional<std::string>();
  if (!value->is_string()) return bad_field(field, "must be a string");
  return std::optional<std::string>(std::string(value->as_string()));
}

Result<std::string> JsonBody::string(std::string_view field) const {
  auto value = optional_string(field);
  if (!value) return value.error();
  if (!*value) return bad_field(field, "missing");
  return std::move(**value);
}

Result<std::optional<bool>> JsonBody::optional_boolean(std::string_view field) const {
  const auto* value = find(field);
  if (value == nullptr) return std::optional<bool>();
  if (!value->is_bool()) return bad_field(field, "must be true or false");
  return std::optional<bool>(value->as_bool());
}

Result<bool> JsonBody::boolean(std::string_view field) const {
  auto value = optional_boolean(field);
  if (!value) return value.error();
  if (!*value) return bad_field(field, "missing");
  return **value;
}

Result<std::optional<std::int64_t>> JsonBody::optional_integer(std::string_view field) const {
  const auto* value = find(field);
  if (value == nullptr) return std::optional<std::int64_t>();
  if (value->is_int64()) return std::optional<std::int64_t>(value->as_int64());
  if (value->is_uint64()) return bad_field(field, "too large");
  return bad_field(field, "must be an integer");
}

Result<std::vector<std::string>> JsonBody::strings(std::string_view field) const {
  const auto* value = find(field);
  if (value == nullptr) return bad_field(field, "missing");
  if (!value->is_array()) return bad_field(field, "must be an array of strings");
  std::vector<std::string> out;
  for (const auto& item : value->as_array()) {
    if (!item.is_string()) return bad_field(field, "must be an array of strings");
    out.emplace_back(item.as_string());
  }
  return out;
}

Result<std::vector<std::string>> JsonBody::optional_strings(std::string_view field) const {
  if (find(field) == nullptr) return std::vector<std::string>{};
  return strings(field);
}

Result<std::vector<JsonBody>> JsonBody::optional_objects(std::string_view field,
                                                         std::initializer_list<std::string_view> fields) const {
  std::vector<JsonBody> out;
  const auto* value = find(field);
  if (value == nullptr) return out;
  if (!value->is_array()) return bad_field(field, "must be an array of objects");
  for (std::size_t i = 0; i < value->as_array().size(); ++i) {
    const auto& item = value->as_array()[i];
    if (!item.is_object()) return bad_field(field, "must be an array of objects");
    auto body = parse(boost::json::serialize(item), fields);
    if (!body) {
      return make_error(ErrorCode::kBadRequest, std::string(field) + "[" + std::to_string(i) + "]." + body.error().message);
    }
    out.push_back(std::move(*body));
  }
  return out;
}

Result<std::optional<std::string>> JsonBody::optional_object(std::string_view field) const {
  const auto* value = find(field);
  if (value == nullptr) return std::optional<std::string>();
  if (!value->is_object()) return bad_field(field, "must be an object");
  return std::optional<std::string>(json::serialize(*value));
}

Response json_response(unsigned status, const json::value& body) {
  Response response;
  response.status = status;
  response.header("Content-Type", "application/json");
  response.header("Cache-Control", "no-store");
  response.body = json::serialize(body);
  return response;
}

Response no_content() {
  Response response;
  response.status = 204;
  response.header("Cache-Control", "no-store");
  return response;
}

}  // namespace pier::api
