// meta/job_columns.h: what both JobStore implementations share about the jobs table.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pier::meta {

// `kinds` as a JSON array of strings: one statement parameter that both engines expand into a
// set (json_each, json_array_elements_text), whatever the kinds hold, never spliced into SQL.
inline std::string json_string_array(const std::vector<std::string>& kinds) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "[";
  for (const auto& kind : kinds) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (const char c : kind) {
      const auto byte = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
      } else if (byte < 0x20) {
        out += "\\u00";
        out += kHex[byte >> 4];
        out += kHex[byte & 0xf];
      } else {
        out += c;
      }
    }
    out += '"';
  }
  return out + "]";
}

}  // namespace pier::meta
