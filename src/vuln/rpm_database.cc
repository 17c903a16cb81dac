#include "vuln/rpm_database.h"

#include <rpm/header.h>
#include <rpm/rpmdb.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmtag.h>
#include <rpm/rpmts.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace pier::vuln {

namespace {

namespace fs = std::filesystem;

// librpm keeps its configuration in process-wide macros and its log settings in globals, so
// one database is read at a time.
std::mutex librpm_mutex;

// A damaged database in an image is the image's problem, not something for the server's stderr.
class QuietRpmLog {
 public:
  QuietRpmLog() : previous_mask_(rpmlogSetMask(0)) { rpmlogSetMask(RPMLOG_MASK(RPMLOG_EMERG)); }
  ~QuietRpmLog() { rpmlogSetMask(previous_mask_); }
  QuietRpmLog(const QuietRpmLog&) = delete;
  QuietRpmLog& operator=(const QuietRpmLog&) = delete;

 private:
  int previous_mask_;
};

bool rpm_configured() {
  static const bool configured = rpmReadConfigFiles(nullptr, nullptr) == 0;
  return configured;
}

// A macro's definition for as long as this lives.
class MacroOverride {
 public:
  MacroOverride(const char* name, const std::string& body) : name_(name) {
    rpmPushMacro(nullptr, name, nullptr, body.c_str(), RMIL_CMDLINE);
  }
  ~MacroOverride() { rpmPopMacro(nullptr, name_); }
  MacroOverride(const MacroOverride&) = delete;
  MacroOverride& operator=(const MacroOverride&) = delete;

 private:
  const char* name_;
};

// A directory only this user can read, removed with whatever rpm left in it (its lock file,
// SQLite's -shm and -wal files).
class PrivateDirectory {
 public:
  PrivateDirectory() {
    // rpm expands the database's path as a macro, more than once: a '%' cannot be escaped.
    const std::string_view base = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "";
    const bool usable = base.starts_with('/') && base.find('%') == std::string_view::npos;
    std::string pattern = std::string(usable ? base : "/tmp") + "/pier-rpmdb-XXXXXX";
    if (mkdtemp(pattern.data())) path_ = pattern;
  }
  ~PrivateDirectory() {
    std::error_code ignored;
    if (!path_.empty()) fs::remove_all(path_, ignored);
  }
  PrivateDirectory(const PrivateDirectory&) = delete;
  PrivateDirectory& operator=(const PrivateDirectory&) = delete;

  bool created() const { return !path_.empty(); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

bool write_file(const fs::path& file, std::string_view bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  return !out.fail();
}

// The backend that reads the file rpm names so: rpm 4.16 and later write SQLite; older ones
// wrote Berkeley DB, which librpm reads without the Berkeley DB library.
const char* backend_for(std::string_view file_name) {
  if (file_name == "rpmdb.sqlite") return "sqlite";
  if (file_name == "Packages") return "bdb_ro";
  return nullptr;
}

// librpm's SQLite backend does not close a database it fails to open, so one that is damaged
// is turned away first: it must open read-only, pass SQLite's quick check, and have the table
// rpm reads.
bool is_sound_sqlite_database(const fs::path& file) {
  sqlite3* db = nullptr;
  const int opened = sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  bool sound = opened == SQLITE_OK;
  const auto single_answer_is = [db](const char* sql, std::string_view expected) {
    sqlite3_stmt* statement = nullptr;
    bool matches = false;
    if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) == SQLITE_OK && sqlite3_step(statement) == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
      matches = text != nullptr && std::string_view(text) == expected;
    }
    sqlite3_finalize(statement);
    return matches;
  };
  sound = sound && single_answer_is("PRAGMA quick_check", "ok") &&
          single_answer_is("SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'Packages'", "1");
  sqlite3_close(db);
  return sound;
}

struct SourceRpm {
  std::string name;
  std::string version_release;
};

// "openssl-3.0.7-24.el9.src.rpm": name, version and release, the last two without hyphens.
std::optional<SourceRpm> split_source_rpm(std::string_view file_name) {
  for (const std::string_view suffix : {".src.rpm", ".nosrc.rpm"}) {
    if (file_name.ends_with(suffix)) {
      file_name.remove_suffix(suffix.size());
      break;
    }
  }
  const auto release_hyphen = file_name.rfind('-');
  if (release_hyphen == std::string_view::npos || release_hyphen == 0) return std::nullopt;
  const auto version_hyphen = file_name.rfind('-', release_hyphen - 1);
  if (version_hyphen == std::string_view::npos || version_hyphen == 0) return std::nullopt;
  return SourceRpm{std::string(file_name.substr(0, version_hyphen)), std::string(file_name.substr(version_hyphen + 1))};
}

std::string string_tag(Header header, rpmTagVal tag) {
  const char* value = headerGetString(header, tag);
  return value ? std::string(value) : std::string();
}

Package package_of(Header header, std::string_view path) {
  Package package;
  package.ecosystem = Ecosystem::kRedHat;
  package.name = string_tag(header, RPMTAG_NAME);
  // As rpm's own EVR: an epoch only when the package has one, so "0:" only when it says 0.
  std::string epoch_prefix;
  if (headerIsEntry(header, RPMTAG_EPOCH)) epoch_prefix = std::to_string(headerGetNumber(header, RPMTAG_EPOCH)) + ":";
  package.version = epoch_prefix + string_tag(header, RPMTAG_VERSION) + "-" + string_tag(header, RPMTAG_RELEASE);
  if (const auto source = split_source_rpm(string_tag(header, RPMTAG_SOURCERPM))) {
    package.source_name = source->name;
    package.source_version = epoch_prefix + source->version_release;
  }
  package.path = path;
  return package;
}

struct TransactionSetFree {
  void operator()(rpmts transaction_set) const { rpmtsFree(transaction_set); }
};
struct IteratorFree {
  void operator()(rpmdbMatchIterator iterator) const { rpmdbFreeIterator(iterator); }
};

// The caller holds librpm_mutex.
std::vector<Package> packages_in(const fs::path& database_directory, const char* backend, std::string_view path) {
  std::vector<Package> packages;
  if (!rpm_configured()) return packages;
  // Declared before the transaction set: rpm reads them when it opens the database, and they
  // are popped only after the set has closed it.
  const MacroOverride database_path("_dbpath", database_directory.string());
  const MacroOverride database_backend("_db_backend", backend);
  const std::unique_ptr<rpmts_s, TransactionSetFree> transaction_set(rpmtsCreate());
  rpmtsSetRootDir(transaction_set.get(), "/");
  // Header digests prove nothing about an image's database, and checking signatures would read
  // keys from it; rpm still checks each header's structure as it imports it.
  rpmtsSetVSFlags(transaction_set.get(), RPMVSF_NOHDRCHK | RPMVSF_MASK_NODIGESTS | RPMVSF_MASK_NOSIGNATURES);
  const std::unique_ptr<rpmdbMatchIterator_s, IteratorFree> iterator(
      rpmtsInitIterator(transaction_set.get(), RPMDBI_PACKAGES, nullptr, 0));
  if (!iterator) return packages;
  while (Header header = rpmdbNextIterator(iterator.get())) {
    // Imported signing keys are listed as packages.
    if (const auto name = string_tag(header, RPMTAG_NAME); name.empty() || name == "gpg-pubkey") continue;
    packages.push_back(package_of(header, path));
  }
  return packages;
}

}  // namespace

std::vector<Package> parse_rpm_database(std::string_view bytes, std::string_view path) {
  const auto file_name = fs::path(path).filename().string();
  const char* backend = backend_for(file_name);
  if (backend == nullptr) return {};
  try {
    const PrivateDirectory directory;
    if (!directory.created() || !write_file(directory.path() / file_name, bytes)) return {};
    if (std::string_view(backend) == "sqlite" && !is_sound_sqlite_database(directory.path() / file_name)) return {};
    const std::lock_guard lock(librpm_mutex);
    const QuietRpmLog quiet;
    return packages_in(directory.path(), backend, path);
  } catch (...) {
    // Out of memory or disk: an unreadable database lists nothing.
    return {};
  }
}

}  // namespace pier::vuln
