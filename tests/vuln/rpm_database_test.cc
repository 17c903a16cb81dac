#include "vuln/rpm_database.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test_dirs.h"
#include "vuln/image_fixture.h"  // PrintTo(Package)

namespace pier::vuln {
namespace {

namespace fs = std::filesystem;

// Packages as an RPM distribution ships them: an epoch on some, subpackages named apart from
// their source, and an imported signing key, which rpm lists as the package "gpg-pubkey".
constexpr const char* kSpecs[] = {
    R"(Name: openssl
Epoch: 1
Version: 3.0.7
Release: 24.el9
Summary: s
License: ASL 2.0
BuildArch: noarch
%description
s
%package libs
Summary: s
%description libs
s
%files
%files libs
)",
    R"(Name: bash
Version: 5.1.8
Release: 6.el9_1
Summary: s
License: GPLv3+
BuildArch: noarch
%description
s
%files
)",
    R"(Name: python-requests
Version: 2.25.1
Release: 8.el9
Summary: s
License: ASL 2.0
BuildArch: noarch
%description
s
%package -n python3-requests
Summary: s
%description -n python3-requests
s
%files -n python3-requests
)",
    R"(Name: gpg-pubkey
Version: fd431d51
Release: 4ae0493b
Summary: s
License: public domain
BuildArch: noarch
%description
s
%files
)",
};

std::vector<Package> expected_packages(std::string_view path) {
  const auto red_hat = [&](std::string name, std::string version, std::string source, std::string source_version) {
    return Package{Ecosystem::kRedHat, std::move(name), std::move(version), std::move(source),
                   std::move(source_version), std::string(path)};
  };
  return {
      red_hat("bash", "5.1.8-6.el9_1", "bash", "5.1.8-6.el9_1"),
      red_hat("openssl", "1:3.0.7-24.el9", "openssl", "1:3.0.7-24.el9"),
      red_hat("openssl-libs", "1:3.0.7-24.el9", "openssl", "1:3.0.7-24.el9"),
      red_hat("python3-requests", "2.25.1-8.el9", "python-requests", "2.25.1-8.el9"),
  };
}

std::vector<Package> sorted(std::vector<Package> packages) {
  std::sort(packages.begin(), packages.end());
  return packages;
}

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::uint32_t big_endian_at(const std::string& bytes, std::size_t offset) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) value = (value << 8) | static_cast<unsigned char>(bytes.at(offset + i));
  return value;
}

std::string hex_of(const void* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (std::size_t i = 0; i < size; ++i) {
    const auto byte = static_cast<const unsigned char*>(data)[i];
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 15]);
  }
  return hex;
}

// db_load's input for a Berkeley DB hash of rpm's older Packages layout: each header's blob
// under its instance number in host byte order. `exported` is `rpmdb --exportdb`'s output, the
// same headers each behind an 8-byte magic.
std::string berkeley_db_dump_of(const std::string& exported) {
  std::string dump = "VERSION=3\nformat=bytevalue\ntype=hash\nHEADER=END\n";
  std::uint32_t instance = 0;
  for (std::size_t offset = 0; offset < exported.size();) {
    const auto index_entries = big_endian_at(exported, offset + 8);
    const auto data_bytes = big_endian_at(exported, offset + 12);
    const std::size_t blob_bytes = 8 + std::size_t{16} * index_entries + data_bytes;
    ++instance;
    dump += " " + hex_of(&instance, sizeof instance) + "\n";
    dump += " " + hex_of(exported.data() + offset + 8, blob_bytes) + "\n";
    offset += 8 + blob_bytes;
  }
  return dump + "DATA=END\n";
}

// Both database formats with the packages of kSpecs, built once with Debian's rpm tools (the
// rpm and db5.3-util packages) as a distribution's image build would install them.
struct Databases {
  std::string failure;  // why they could not be built
  std::string sqlite;   // var/lib/rpm/rpmdb.sqlite, as rpm 4.16 and later write it
  std::string berkeley_db;  // var/lib/rpm/Packages, as rpm 4.14 and earlier wrote it
};

Databases build_databases() {
  Databases databases;
  pier::testing::TempDir dir;
  const auto log = dir.path() / "log";
  const auto run = [&](const std::string& command) {
    if (std::system(("(" + command + ") >>'" + log.string() + "' 2>&1").c_str()) == 0) return true;
    databases.failure = "`" + command + "` failed (are Debian's rpm and db5.3-util installed?): " + read_bytes(log);
    return false;
  };
  const auto top = dir.path() / "rpmbuild";
  for (std::size_t i = 0; i < std::size(kSpecs); ++i) {
    const auto spec = dir.path() / ("package" + std::to_string(i) + ".spec");
    std::ofstream(spec) << kSpecs[i];
    if (!run("rpmbuild --quiet --nodeps --define '_topdir " + top.string() + "' -bb '" + spec.string() + "'")) {
      return databases;
    }
  }
  const auto sqlite_dir = dir.path() / "sqlite";
  if (!run("rpm --dbpath '" + sqlite_dir.string() + "' --justdb --nodeps --noscripts -i '" + top.string() +
           "'/RPMS/noarch/*.rpm") ||
      !run("rpmdb --dbpath '" + sqlite_dir.string() + "' --exportdb > '" + (dir.path() / "exported").string() + "'")) {
    return databases;
  }
  databases.sqlite = read_bytes(sqlite_dir / "rpmdb.sqlite");
  std::ofstream(dir.path() / "dump") << berkeley_db_dump_of(read_bytes(dir.path() / "exported"));
  const auto berkeley_db = dir.path() / "Packages";
  if (!run("db5.3_load -f '" + (dir.path() / "dump").string() + "' '" + berkeley_db.string() + "'")) return databases;
  databases.berkeley_db = read_bytes(berkeley_db);
  return databases;
}

const Databases& databases() {
  static const Databases built = build_databases();
  return built;
}

TEST(RpmDatabase, ListsTheInstalledPackagesOfASqliteDatabase) {
  ASSERT_EQ(databases().failure, "");
  const auto packages = parse_rpm_database(databases().sqlite, "var/lib/rpm/rpmdb.sqlite");
  // The signing key is no package.
  EXPECT_EQ(sorted(packages), expected_packages("var/lib/rpm/rpmdb.sqlite"));
}

TEST(RpmDatabase, ReadsBerkeleyDbDatabasesAlike) {
  ASSERT_EQ(databases().failure, "");
  const auto packages = parse_rpm_database(databases().berkeley_db, "var/lib/rpm/Packages");
  EXPECT_EQ(sorted(packages), expected_packages("var/lib/rpm/Packages"));
}

TEST(RpmDatabase, TheFileNameChoosesTheFormat) {
  ASSERT_EQ(databases().failure, "");
  EXPECT_EQ(parse_rpm_database(databases().sqlite, "var/lib/rpm/Packages"), std::vector<Package>{});
  EXPECT_EQ(parse_rpm_database(databases().berkeley_db, "var/lib/rpm/rpmdb.sqlite"), std::vector<Package>{});
  EXPECT_EQ(parse_rpm_database(databases().sqlite, "var/lib/rpm/other.sqlite"), std::vector<Package>{});
}

TEST(RpmDatabase, UnreadableDatabasesListNothing) {
  ASSERT_EQ(databases().failure, "");
  const auto& sqlite = databases().sqlite;
  const auto& berkeley_db = databases().berkeley_db;
  std::string scrambled_sqlite = sqlite;
  for (std::size_t i = 100; i < scrambled_sqlite.size(); i += 7) scrambled_sqlite[i] ^= 0x5a;
  for (const auto& bytes : {std::string(), std::string("this is not a database\n"), std::string(8192, '\xff'),
                            sqlite.substr(0, sqlite.size() / 3), scrambled_sqlite}) {
    EXPECT_EQ(parse_rpm_database(bytes, "var/lib/rpm/rpmdb.sqlite"), std::vector<Package>{});
  }
  for (const auto& bytes : {std::string(), std::string(4096, '\0'), std::string(8192, '\xff'),
                            berkeley_db.substr(0, berkeley_db.size() / 2)}) {
    EXPECT_EQ(parse_rpm_database(bytes, "var/lib/rpm/Packages"), std::vector<Package>{});
  }
}

// Sets TMPDIR for as long as it lives.
class TemporaryDirectoryOverride {
 public:
  explicit TemporaryDirectoryOverride(const fs::path& dir) {
    if (const char* previous = std::getenv("TMPDIR")) previous_ = previous;
    ::setenv("TMPDIR", dir.c_str(), 1);
  }
  ~TemporaryDirectoryOverride() {
    if (previous_) {
      ::setenv("TMPDIR", previous_->c_str(), 1);
    } else {
      ::unsetenv("TMPDIR");
    }
  }

 private:
  std::optional<std::string> previous_;
};

TEST(RpmDatabase, LeavesNoTemporaryFiles) {
  ASSERT_EQ(databases().failure, "");
  pier::testing::TempDir temporary;
  const TemporaryDirectoryOverride override(temporary.path());
  EXPECT_EQ(parse_rpm_database(databases().sqlite, "var/lib/rpm/rpmdb.sqlite").size(), 4u);
  EXPECT_EQ(parse_rpm_database(databases().berkeley_db, "var/lib/rpm/Packages").size(), 4u);
  EXPECT_EQ(parse_rpm_database("garbage", "var/lib/rpm/Packages"), std::vector<Package>{});
  EXPECT_TRUE(fs::is_empty(temporary.path()));
}

TEST(RpmDatabase, ReadsWhateverTheTemporaryDirectoryIsCalled) {
  ASSERT_EQ(databases().failure, "");
  pier::testing::TempDir dir;
  // rpm expands macros in the path of the database it opens.
  const auto temporary = dir.path() / "100%{?_dbpath}";
  fs::create_directory(temporary);
  const TemporaryDirectoryOverride override(temporary);
  EXPECT_EQ(parse_rpm_database(databases().sqlite, "var/lib/rpm/rpmdb.sqlite").size(), 4u);
}

TEST(RpmDatabase, ConcurrentReadsAgree) {
  ASSERT_EQ(databases().failure, "");
  std::vector<std::vector<Package>> results(4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      results[i] = i % 2 ? parse_rpm_database(databases().berkeley_db, "var/lib/rpm/Packages")
                         : parse_rpm_database(databases().sqlite, "var/lib/rpm/rpmdb.sqlite");
    });
  }
  for (auto& thread : threads) thread.join();
  for (std::size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(sorted(results[i]),
              expected_packages(i % 2 ? "var/lib/rpm/Packages" : "var/lib/rpm/rpmdb.sqlite"));
  }
}

}  // namespace
}  // namespace pier::vuln
