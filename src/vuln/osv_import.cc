#include "vuln/osv_import.h"

#include <archive.h>
#include <archive_entry.h>
#include <boost/json.hpp>

#include <memory>

namespace pier::vuln {

namespace json = boost::json;

namespace {

constexpr std::string_view kZipMagic = "PK\x03\x04";
// No OSV record is near this; a larger entry is not one.
constexpr la_int64_t kMaxRecordBytes = la_int64_t{16} << 20;

Result<void> add_document(std::string_view text, std::string_view source, std::vector<ImportedRecord>& records) {
  const auto where = [&] { return source.empty() ? std::string() : " (in " + std::string(source) + ")"; };
  boost::system::error_code ec;
  auto document = json::parse(text, ec);
  if (ec) return make_error(ErrorCode::kBadRequest, "the vulnerability data is not JSON" + where() + ": " + ec.message());
  const auto add = [&](std::string record_text) -> Result<void> {
    auto record = parse_osv(record_text);
    if (!record) return make_error(ErrorCode::kBadRequest, record.error().message + where());
    records.push_back(ImportedRecord{std::move(*record), std::move(record_text)});
    return {};
  };
  if (document.is_array()) {
    for (const auto& item : document.as_array()) {
      if (auto added = add(json::serialize(item)); !added) return added.error();
    }
    return {};
  }
  return add(std::string(text));
}

struct ArchiveFree {
  void operator()(archive* reader) const { archive_read_free(reader); }
};

Result<void> add_zip(std::string_view bytes, std::vector<ImportedRecord>& records) {
  std::unique_ptr<archive, ArchiveFree> reader(archive_read_new());
  archive_read_support_format_zip(reader.get());
  if (archive_read_open_memory(reader.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
    return make_error(ErrorCode::kBadRequest, std::string("the zip cannot be read: ") + archive_error_string(reader.get()));
  }
  archive_entry* entry = nullptr;
  for (;;) {
    const int status = archive_read_next_header(reader.get(), &entry);
    if (status == ARCHIVE_EOF) return {};
    if (status != ARCHIVE_OK) {
      return make_error(ErrorCode::kBadRequest, std::string("the zip cannot be read: ") + archive_error_string(reader.get()));
    }
    const std::string name = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
    if (archive_entry_filetype(entry) != AE_IFREG || !name.ends_with(".json")) continue;
    if (archive_entry_size(entry) > kMaxRecordBytes) {
      return make_error(ErrorCode::kBadRequest, name + " in the zip is too large to be an OSV record");
    }
    std::string text;
    char block[64 * 1024];
    for (;;) {
      const auto got = archive_read_data(reader.get(), block, sizeof block);
      if (got < 0) {
        return make_error(ErrorCode::kBadRequest, name + " in the zip cannot be read: " + archive_error_string(reader.get()));
      }
      if (got == 0) break;
      text.append(block, static_cast<std::size_t>(got));
      if (static_cast<la_int64_t>(text.size()) > kMaxRecordBytes) {
        return make_error(ErrorCode::kBadRequest, name + " in the zip is too large to be an OSV record");
      }
    }
    if (auto added = add_document(text, name, records); !added) return added.error();
  }
}

}  // namespace

Result<std::vector<ImportedRecord>> read_osv_import(std::string_view body) {
  std::vector<ImportedRecord> records;
  auto added = body.starts_with(kZipMagic) ? add_zip(body, records) : add_document(body, "", records);
  if (!added) return added.error();
  return records;
}

}  // namespace pier::vuln
