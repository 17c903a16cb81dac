// vuln/package_json.h: packages as the scanner keeps them in JSON (layer indexes, image
// inventories), inside this folder.
#pragma once
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <vector>

#include "common/error.h"
#include "vuln/package_parsers.h"

namespace pier::vuln {

boost::json::array packages_json(const std::vector<Package>& packages);
// kInternal when `value` is not what packages_json writes.
Result<std::vector<Package>> packages_of(const boost::json::value& value);

}  // namespace pier::vuln
