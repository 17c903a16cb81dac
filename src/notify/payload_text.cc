#include "notify/payload_text.h"

#include <boost/json.hpp>

namespace pier::notify {

namespace json = boost::json;

namespace {

std::string scalar_text(const json::value& value) {
  if (value.is_string()) return one_line(value.get_string());
  if (value.is_null()) return {};
  return json::serialize(value);
}

std::string value_text(const json::value& value) {
  std::string text;
  if (const json::array* array = value.if_array()) {
    for (const auto& item : *array) {
      if (!text.empty()) text += ", ";
      text += item.is_structured() ? one_line(json::serialize(item)) : scalar_text(item);
    }
  } else if (const json::object* object = value.if_object()) {
    for (const auto& [key, member] : *object) {
      if (!text.empty()) text += ", ";
      text += one_line(key) + ": " + (member.is_structured() ? one_line(json::serialize(member)) : scalar_text(member));
    }
  } else {
    text = scalar_text(value);
  }
  return text;
}

bool is_array_of_objects(const json::value& value) {
  const json::array* array = value.if_array();
  return array != nullptr && !array->empty() && array->front().is_object();
}

}  // namespace

std::string one_line(std::string_view text) {
  std::string line(text);
  for (char& c : line) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return line;
}

std::vector<PayloadField> payload_fields(std::string_view payload_json) {
  boost::system::error_code error;
  const json::value payload = json::parse(payload_json, error);
  std::vector<PayloadField> fields;
  if (error || !payload.is_object()) return fields;
  for (const auto& [key, value] : payload.get_object()) {
    PayloadField field{one_line(key), {}, {}};
    if (is_array_of_objects(value)) {
      for (const auto& item : value.get_array()) field.items.push_back(value_text(item));
    } else {
      field.text = value_text(value);
    }
    fields.push_back(std::move(field));
  }
  return fields;
}

}  // namespace pier::notify
