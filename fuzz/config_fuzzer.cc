// fuzz/config_fuzzer.cc: the configuration loader (config/config.h): YAML file, PIER_*
// environment variables and flags.
//
// Input: the YAML file; after a line "%%", one setting a line, "PIER_NAME=value" for the
// environment and "dotted.key=value" for a flag.
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "fuzz_check.h"

namespace {

using pier::config::Config;
using Units = std::vector<std::pair<std::string_view, std::uint64_t>>;

const Units kDurationUnits = {{"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}};
const Units kSizeUnits = {{"GiB", 1ull << 30}, {"MiB", 1ull << 20}, {"KiB", 1ull << 10}, {"B", 1}};

const std::map<std::string_view, std::function<std::chrono::seconds(const Config&)>> kDurationKeys = {
    {"uploads.expiry", [](const Config& c) { return c.uploads.expiry; }},
    {"uploads.purge_interval", [](const Config& c) { return c.uploads.purge_interval; }},
    {"http.read_timeout", [](const Config& c) { return c.http.read_timeout; }},
    {"http.idle_timeout", [](const Config& c) { return c.http.idle_timeout; }},
    {"http.shutdown_timeout", [](const Config& c) { return c.http.shutdown_timeout; }},
    {"auth.token_ttl", [](const Config& c) { return c.auth.token_ttl; }},
    {"auth.refresh_token_ttl", [](const Config& c) { return c.auth.refresh_token_ttl; }},
    {"auth.session_ttl", [](const Config& c) { return c.auth.session_ttl; }},
    {"auth.login_window", [](const Config& c) { return c.auth.login_window; }},
    {"ldap.timeout", [](const Config& c) { return c.ldap.timeout; }},
    {"audit.retention", [](const Config& c) { return c.audit.retention; }},
};
const std::map<std::string_view, std::function<std::uint64_t(const Config&)>> kSizeKeys = {
    {"storage.inline_max_bytes", [](const Config& c) { return c.storage.inline_max_bytes; }},
    {"limits.manifest_max_bytes", [](const Config& c) { return c.limits.manifest_max_bytes; }},
    {"limits.header_max_bytes", [](const Config& c) { return c.limits.header_max_bytes; }},
};

// Deadlines are steady_clock time points: a duration the server adds to one must fit in the
// clock's own duration type.
constexpr auto kLongestUsableDuration =
    std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::duration::max());

// "<digits><unit>" or "<digits>" as a count of the smallest unit, with every overflow refused.
std::optional<std::uint64_t> scaled_number(std::string_view text, const Units& units) {
  std::uint64_t factor = 1;
  for (const auto& [unit, unit_factor] : units) {
    if (text.ends_with(unit)) {
      text.remove_suffix(unit.size());
      factor = unit_factor;
      break;
    }
  }
  if (text.empty()) return std::nullopt;
  std::uint64_t number = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    if (__builtin_mul_overflow(number, 10, &number) || __builtin_add_overflow(number, c - '0', &number)) {
      return std::nullopt;
    }
  }
  if (__builtin_mul_overflow(number, factor, &number)) return std::nullopt;
  return number;
}

// The YAML file load_config() reads: one per process, removed when the run ends.
class SettingsFile {
 public:
  SettingsFile() {
    const char* tmp = std::getenv("TMPDIR");
    path_ = std::string(tmp && *tmp ? tmp : "/tmp") + "/pier-config-fuzz-XXXXXX";
    const int fd = ::mkstemp(path_.data());
    FUZZ_CHECK(fd >= 0);
    ::close(fd);
  }
  ~SettingsFile() { ::unlink(path_.c_str()); }
  SettingsFile(const SettingsFile&) = delete;
  SettingsFile& operator=(const SettingsFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

pier::config::ConfigSources read_sources(std::string_view input) {
  static const SettingsFile file;
  constexpr std::string_view kSeparator = "%%\n";
  auto separator = input.starts_with(kSeparator) ? 0 : input.find("\n" + std::string(kSeparator));
  if (separator != std::string_view::npos && separator > 0) ++separator;  // the YAML keeps its last newline
  std::ofstream(file.path(), std::ios::binary | std::ios::trunc) << input.substr(0, separator);
  pier::config::ConfigSources sources;
  sources.file = file.path();
  if (separator == std::string_view::npos) return sources;
  std::string_view settings = input.substr(separator + kSeparator.size());
  while (!settings.empty()) {
    const auto newline = settings.find('\n');
    const std::string_view line = settings.substr(0, newline);
    settings = newline == std::string_view::npos ? std::string_view() : settings.substr(newline + 1);
    const auto equals = line.find('=');
    if (equals == std::string_view::npos) continue;
    auto& target = line.starts_with("PIER_") ? sources.environment : sources.flags;
    target[std::string(line.substr(0, equals))] = std::string(line.substr(equals + 1));
  }
  return sources;
}

void check_loaded(const Config& config, const pier::config::ConfigSources& sources) {
  FUZZ_CHECK(!config.listen_host().empty());
  FUZZ_CHECK(std::to_string(config.listen_port()) == config.listen.substr(config.listen.rfind(':') + 1) ||
             config.listen.substr(config.listen.rfind(':') + 1).starts_with('0'));
  FUZZ_CHECK(!config.storage.root.empty() && !config.metadata.path.empty() && !config.auth.token_key.empty());
  FUZZ_CHECK(config.tls.certificate.empty() == config.tls.key.empty());
  FUZZ_CHECK(config.auth.login_max_failures >= 1);
  for (const auto& [key, field] : kDurationKeys) {
    FUZZ_CHECK(field(config).count() >= 0 && field(config) <= kLongestUsableDuration);
  }
  // Flags are applied last, so each one's value is what the configuration holds.
  for (const auto& [key, value] : sources.flags) {
    if (const auto duration = kDurationKeys.find(key); duration != kDurationKeys.end()) {
      const auto expected = scaled_number(value, kDurationUnits);
      FUZZ_CHECK(expected && static_cast<std::uint64_t>(duration->second(config).count()) == *expected);
    } else if (const auto size = kSizeKeys.find(key); size != kSizeKeys.end()) {
      const auto expected = scaled_number(value, kSizeUnits);
      FUZZ_CHECK(expected && size->second(config) == *expected);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto sources = read_sources(std::string_view(reinterpret_cast<const char*>(data), size));
  try {
    const Config config = pier::config::load_config(sources);
    check_loaded(config, sources);
  } catch (const pier::config::InvalidConfig& invalid) {
    FUZZ_CHECK(!invalid.errors.empty());
    for (const auto& error : invalid.errors) FUZZ_CHECK(!error.message.empty());
  }
  return 0;
}
