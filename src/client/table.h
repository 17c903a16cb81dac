// client/table.h: API answers as aligned text columns under a header row, for people.
//
// Columns are separated by three spaces and padded to the widest cell (counted in UTF-8
// characters); the last column is not padded, so no line ends in spaces. Control characters
// in a cell become spaces, so one record is always one line.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <boost/json.hpp>

namespace pier::client {

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

std::string format_table(const Table& table);

// A column of a table of JSON objects: its header and how a cell is drawn from an object.
struct Column {
  std::string header;
  std::function<std::string(const boost::json::object&)> cell;
};

// The field as text: a string as it is, numbers and booleans as JSON writes them, an array
// of strings joined with ",", null or a missing field as "-", anything else as compact JSON.
Column field_column(std::string header, std::string field);
// A field of Unix seconds as ISO 8601 UTC; null or missing as "-".
Column time_column(std::string header, std::string field);

// A field of bytes in binary units ("0 B", "4.0 KiB", "12.3 MiB"); null or missing as "-".
Column size_column(std::string header, std::string field);
// A digest field cut to its algorithm and 12 hex digits ("sha256:0123456789ab").
Column digest_column(std::string header, std::string field);
// An array of {os, architecture, variant} as "linux/amd64,linux/arm64/v8"; empty as "-".
Column platforms_column(std::string header, std::string field);

std::string format_size(std::uint64_t bytes);

// One row per object of `items` (anything else in it gives an empty row).
Table table_of(const boost::json::array& items, const std::vector<Column>& columns);

}  // namespace pier::client
