#include "vuln/package_json.h"

#include <boost/json.hpp>

namespace pier::vuln {

namespace json = boost::json;

// Each package as an array (ecosystem, name, version, source name, source version, path):
// inventories of large images list thousands.
json::array packages_json(const std::vector<Package>& packages) {
  json::array array;
  array.reserve(packages.size());
  for (const auto& p : packages) {
    array.push_back(json::array{static_cast<int>(p.ecosystem), p.name, p.version, p.source_name, p.source_version, p.path});
  }
  return array;
}

Result<std::vector<Package>> packages_of(const json::value& value) {
  try {
    std::vector<Package> packages;
    const auto& array = value.as_array();
    packages.reserve(array.size());
    for (const auto& item : array) {
      const auto& fields = item.as_array();
      const auto ecosystem = fields.at(0).to_number<int>();
      if (ecosystem < 0 || ecosystem > static_cast<int>(Ecosystem::kGo)) throw std::out_of_range("ecosystem");
      packages.push_back(Package{static_cast<Ecosystem>(ecosystem), std::string(fields.at(1).as_string()),
                                 std::string(fields.at(2).as_string()), std::string(fields.at(3).as_string()),
                                 std::string(fields.at(4).as_string()), std::string(fields.at(5).as_string())});
    }
    return packages;
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kInternal, std::string("stored packages are damaged: ") + e.what());
  }
}

}  // namespace pier::vuln
