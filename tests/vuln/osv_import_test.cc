#include "vuln/osv_import.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <memory>

namespace pier::vuln {
namespace {

constexpr auto kRecord = R"({"id":"GHSA-1","affected":[{"package":{"ecosystem":"npm","name":"lodash"},
  "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"4.17.21"}]}]}]})";

// A zip of `files` (name, bytes), as osv.dev's all.zip is.
std::string zip_of(const std::vector<std::pair<std::string, std::string>>& files) {
  std::string blob;
  std::unique_ptr<archive, int (*)(archive*)> writer(archive_write_new(), &archive_write_free);
  archive_write_set_format_zip(writer.get());
  archive_write_open(
      writer.get(), &blob, nullptr,
      [](archive*, void* out, const void* buffer, size_t length) -> la_ssize_t {
        static_cast<std::string*>(out)->append(static_cast<const char*>(buffer), length);
        return static_cast<la_ssize_t>(length);
      },
      nullptr);
  for (const auto& [name, bytes] : files) {
    std::unique_ptr<archive_entry, void (*)(archive_entry*)> entry(archive_entry_new(), &archive_entry_free);
    archive_entry_set_pathname(entry.get(), name.c_str());
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), 0644);
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(bytes.size()));
    archive_write_header(writer.get(), entry.get());
    archive_write_data(writer.get(), bytes.data(), bytes.size());
  }
  archive_write_close(writer.get());
  return blob;
}

TEST(OsvImport, OneRecordAnArrayOrAZip) {
  auto one = read_osv_import(kRecord).value();
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].record.id, "GHSA-1");
  EXPECT_EQ(one[0].json, kRecord);

  auto array = read_osv_import(std::string("[") + kRecord + R"(,{"id":"GHSA-2"}])").value();
  ASSERT_EQ(array.size(), 2u);
  EXPECT_EQ(array[1].record.id, "GHSA-2");
  EXPECT_EQ(parse_osv(array[0].json).value().affected.size(), 1u);

  auto zipped = read_osv_import(zip_of({{"GHSA-1.json", kRecord}, {"README.txt", "not a record"},
                                        {"more/GHSA-3.json", R"({"id":"GHSA-3"})"}}))
                    .value();
  ASSERT_EQ(zipped.size(), 2u);
  EXPECT_EQ(zipped[1].record.id, "GHSA-3");
}

TEST(OsvImport, ABadRecordNamesItselfAndWhereItIs) {
  auto not_json = read_osv_import("{");
  ASSERT_FALSE(not_json);
  EXPECT_EQ(not_json.error().code, ErrorCode::kBadRequest);
  auto no_id = read_osv_import(R"([{"id":"A"},{"summary":"no id"}])");
  ASSERT_FALSE(no_id);
  EXPECT_EQ(no_id.error().code, ErrorCode::kBadRequest);
  auto in_zip = read_osv_import(zip_of({{"bad/RECORD.json", R"({"id": 5})"}}));
  ASSERT_FALSE(in_zip);
  EXPECT_NE(in_zip.error().message.find("bad/RECORD.json"), std::string::npos) << in_zip.error().message;
  EXPECT_FALSE(read_osv_import("PK\x03\x04 not really a zip"));
}

}  // namespace
}  // namespace pier::vuln
