#include "client/output.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace pier::client {

namespace json = boost::json;

namespace {

constexpr int kIndent = 2;

void write_json(const json::value& value, int depth, std::string& out) {
  const std::string inner(static_cast<std::size_t>((depth + 1) * kIndent), ' ');
  const std::string outer(static_cast<std::size_t>(depth * kIndent), ' ');
  if (value.is_object() && !value.as_object().empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& [key, item] : value.as_object()) {
      out += (first ? "" : ",\n") + inner + json::serialize(json::string(key)) + ": ";
      write_json(item, depth + 1, out);
      first = false;
    }
    out += "\n" + outer + "}";
  } else if (value.is_array() && !value.as_array().empty()) {
    out += "[\n";
    bool first = true;
    for (const auto& item : value.as_array()) {
      out += (first ? "" : ",\n") + inner;
      write_json(item, depth + 1, out);
      first = false;
    }
    out += "\n" + outer + "]";
  } else {
    out += json::serialize(value);  // scalars, {} and []
  }
}

// Words YAML 1.1 or 1.2 reads as a boolean or null when written plain.
bool is_special_word(std::string_view text) {
  static constexpr std::array kWords = {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"};
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::find(kWords.begin(), kWords.end(), lowered) != kWords.end();
}

// Whether a plain scalar could be read as a number, a date or a time: anything that starts
// like one is quoted, which is more than needed and never too little.
bool may_read_as_number(std::string_view text) {
  const char c = text.front();
  return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

bool suits_literal_block(std::string_view text) {
  if (!text.ends_with('\n') || text.ends_with("\n\n") || text.starts_with(' ')) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return c == '\n' || (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
  });
}

void emit_string(YAML::Emitter& out, std::string_view text) {
  const std::string value(text);
  if (text.empty() || is_special_word(text) || may_read_as_number(text)) {
    out << YAML::DoubleQuoted << value;
  } else if (text.find('\n') != std::string_view::npos) {
    // A literal block keeps the single final newline ("clip"), so it is written without it.
    if (suits_literal_block(text)) {
      out << YAML::Literal << value.substr(0, value.size() - 1);
    } else {
      out << YAML::DoubleQuoted << value;
    }
  } else {
    out << value;  // yaml-cpp quotes what its own rules need quoted (": ", " #", leading "-", ...)
  }
}

void emit(YAML::Emitter& out, const json::value& value) {
  switch (value.kind()) {
    case json::kind::null: out << YAML::Null; break;
    case json::kind::bool_: out << value.get_bool(); break;
    case json::kind::int64: out << value.get_int64(); break;
    case json::kind::uint64: out << value.get_uint64(); break;
    case json::kind::double_: out << json::serialize(value); break;
    case json::kind::string: emit_string(out, value.get_string()); break;
    case json::kind::array:
      if (value.get_array().empty()) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const auto& item : value.get_array()) emit(out, item);
      out << YAML::EndSeq;
      break;
    case json::kind::object:
      if (value.get_object().empty()) out << YAML::Flow;
      out << YAML::BeginMap;
      for (const auto& [key, item] : value.get_object()) {
        out << YAML::Key;
        emit_string(out, key);
        out << YAML::Value;
        emit(out, item);
      }
      out << YAML::EndMap;
      break;
  }
}

}  // namespace

Result<OutputFormat> parse_output_format(std::string_view text) {
  if (text == "table") return OutputFormat::kTable;
  if (text == "json") return OutputFormat::kJson;
  if (text == "yaml") return OutputFormat::kYaml;
  return make_error(ErrorCode::kBadRequest, "--output must be table, json or yaml");
}

std::string to_pretty_json(const json::value& value) {
  std::string out;
  write_json(value, 0, out);
  return out + "\n";
}

std::string to_yaml(const json::value& value) {
  YAML::Emitter out;
  out.SetIndent(kIndent);
  emit(out, value);
  return std::string(out.c_str()) + "\n";
}

}  // namespace pier::client
