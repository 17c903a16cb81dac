// vuln/osv_import.h: what an administrator imports as vulnerability data: one OSV record, a
// JSON array of them, or a zip of OSV files (as osv.dev publishes each ecosystem's, all.zip).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "vuln/osv.h"

namespace pier::vuln {

struct ImportedRecord {
  OsvRecord record;
  std::string json;  // the record's own text, kept as imported
};

// kBadRequest naming the record (and the zip entry) that is not an OSV record; nothing is
// returned then. A zip's entries other than *.json files are skipped.
Result<std::vector<ImportedRecord>> read_osv_import(std::string_view body);

}  // namespace pier::vuln
