// common/text.h: small text helpers shared by the parsers of headers and settings.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace pier {

// `text` without leading and trailing spaces and tabs (HTTP's optional whitespace).
constexpr std::string_view trim_blanks(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

// The items of a `separator`-separated list, each trimmed of blanks; empty items are dropped
// ("a, b,,c " gives "a", "b", "c"). The views point into `text`.
inline std::vector<std::string_view> split_list(std::string_view text, char separator) {
  std::vector<std::string_view> items;
  while (!text.empty()) {
    const auto at = text.find(separator);
    if (const auto item = trim_blanks(text.substr(0, at)); !item.empty()) items.push_back(item);
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + 1);
  }
  return items;
}

// `size` bytes as lowercase hex, two characters each.
inline std::string lower_hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  text.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    text.push_back(kHex[bytes[i] >> 4]);
    text.push_back(kHex[bytes[i] & 0xf]);
  }
  return text;
}

}  // namespace pier
