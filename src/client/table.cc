#include "client/table.h"

#include <algorithm>
#include <cstdio>
#include <iterator>

#include "client/time_text.h"

namespace pier::client {

namespace json = boost::json;

namespace {

constexpr std::string_view kGap = "   ";

std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string one_line(std::string text) {
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return text;
}

std::string text_of(const json::value& value) {
  switch (value.kind()) {
    case json::kind::null: return "-";
    case json::kind::string: return std::string(value.as_string());
    case json::kind::array: {
      const auto& items = value.as_array();
      if (!std::all_of(items.begin(), items.end(), [](const json::value& v) { return v.is_string(); })) break;
      std::string joined;
      for (const auto& item : items) joined += (joined.empty() ? "" : ",") + std::string(item.as_string());
      return joined;
    }
    default: break;
  }
  return json::serialize(value);
}

}  // namespace

std::string format_table(const Table& table) {
  std::vector<std::size_t> widths(table.header.size(), 0);
  const auto measure = [&widths](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(one_line(row[i])));
    }
  };
  measure(table.header);
  for (const auto& row : table.rows) measure(row);

  std::string out;
  const auto draw = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < row.size() ? one_line(row[i]) : "";
      out += cell;
      if (i + 1 < widths.size()) out += std::string(widths[i] - display_width(cell), ' ') + std::string(kGap);
    }
    while (out.ends_with(' ')) out.pop_back();  // an empty last cell leaves the gap behind
    out += '\n';
  };
  draw(table.header);
  for (const auto& row : table.rows) draw(row);
  return out;
}

Column field_column(std::string header, std::string field) {
  return {std::move(header), [field = std::move(field)](const json::object& item) {
            const auto* value = item.if_contains(field);
            return value == nullptr ? std::string("-") : text_of(*value);
          }};
}

Column time_column(std::string header, std::string field) {
  return {std::move(header), [field = std::move(field)](const json::object& item) {
            const auto* value = item.if_contains(field);
            if (value == nullptr || value->is_null()) return std::string("-");
            if (value->is_int64()) return format_utc(value->as_int64());
            return text_of(*value);
          }};
}

std::string format_size(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f %s", value, kUnits[unit]);
  return text;
}

Column size_column(std::string header, std::string field) {
  return {std::move(header), [field = std::move(field)](const json::object& item) {
            const auto* value = item.if_contains(field);
            if (value == nullptr || !(value->is_int64() || value->is_uint64())) return std::string("-");
            return format_size(value->to_number<std::uint64_t>());
          }};
}

Column digest_column(std::string header, std::string field) {
  return {std::move(header), [field = std::move(field)](const json::object& item) {
            const auto* value = item.if_contains(field);
            if (value == nullptr || !value->is_string()) return std::string("-");
            const std::string_view digest = value->as_string();
            const auto colon = digest.find(':');
            constexpr std::size_t kShownHex = 12;
            if (colon == std::string_view::npos) return std::string(digest);
            return std::string(digest.substr(0, colon + 1 + kShownHex));
          }};
}

Column platforms_column(std::string header, std::string field) {
  return {std::move(header), [field = std::move(field)](const json::object& item) {
            const auto* value = item.if_contains(field);
            std::string joined;
            if (value == nullptr || !value->is_array()) return std::string("-");
            for (const auto& platform : value->as_array()) {
              if (!platform.is_object()) continue;
              std::string one;
              for (const auto* part : {"os", "architecture", "variant"}) {
                const auto* text = platform.as_object().if_contains(part);
                if (text == nullptr || !text->is_string() || text->as_string().empty()) continue;
                one += (one.empty() ? "" : "/") + std::string(text->as_string());
              }
              if (!one.empty()) joined += (joined.empty() ? "" : ",") + one;
            }
            return joined.empty() ? std::string("-") : joined;
          }};
}

Table table_of(const json::array& items, const std::vector<Column>& columns) {
  Table table;
  for (const auto& column : columns) table.header.push_back(column.header);
  static const json::object kNothing;
  for (const auto& item : items) {
    const json::object& object = item.is_object() ? item.as_object() : kNothing;
    std::vector<std::string> row;
    for (const auto& column : columns) row.push_back(column.cell(object));
    table.rows.push_back(std::move(row));
  }
  return table;
}

}  // namespace pier::client
