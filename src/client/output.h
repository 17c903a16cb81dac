// client/output.h: how a client command prints what the server answered (--output).
//
//   table  aligned columns for people (table.h); each command chooses its columns;
//   json   the server's JSON as it came, indented two spaces;
//   yaml   the same data as YAML: block style, strings quoted only where YAML would read
//          them as something else (true, null, 12, 1.5, 2024-01-01, "a: b", ...), a
//          multi-line string that ends in one newline as a literal block (|).
// Each ends in a newline.
#pragma once

#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "common/error.h"

namespace pier::client {

enum class OutputFormat { kTable, kJson, kYaml };

// kBadRequest for anything but table, json, yaml.
Result<OutputFormat> parse_output_format(std::string_view text);

std::string to_pretty_json(const boost::json::value& value);
std::string to_yaml(const boost::json::value& value);

}  // namespace pier::client
