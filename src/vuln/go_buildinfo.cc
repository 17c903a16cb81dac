#include "vuln/go_buildinfo.h"

#include <algorithm>

namespace pier::vuln {

namespace {

constexpr std::size_t kAlignment = 16;
// The magic, the pointer size and the flags; then padding to kStringsOffset.
constexpr std::size_t kHeaderBytes = 16;
constexpr std::size_t kStringsOffset = 32;
// Set when the version and module strings follow the header (Go 1.18 and later) rather than
// being pointed to.
constexpr unsigned char kFlagStringsInline = 2;
// runtime/debug wraps the module text in 16 bytes of sentinel on either side.
constexpr std::size_t kModuleInfoSentinelBytes = 16;

// A header that also says something readable follows: the magic alone also occurs where Go
// code mentions it, in the binaries of Go's own tools.
bool is_readable_header(std::string_view header) {
  const auto pointer_size = static_cast<unsigned char>(header[14]);
  const auto flags = static_cast<unsigned char>(header[15]);
  return header.starts_with(kGoBuildInfoMagic) && (pointer_size == 4 || pointer_size == 8) &&
         (flags & kFlagStringsInline) != 0;
}

// A length as encoding/binary writes it, then that many bytes; nullopt past the end.
std::optional<std::string_view> read_length_prefixed(std::string_view& bytes) {
  std::uint64_t length = 0;
  for (unsigned shift = 0;; shift += 7) {
    if (bytes.empty() || shift > 63) return std::nullopt;
    const auto byte = static_cast<unsigned char>(bytes.front());
    bytes.remove_prefix(1);
    length |= std::uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80u) == 0) break;
  }
  if (length > bytes.size()) return std::nullopt;
  const auto text = bytes.substr(0, length);
  bytes.remove_prefix(length);
  return text;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (;;) {
    const auto at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

bool is_number(std::string_view text) {
  return !text.empty() && std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; });
}

// A Go release as the semver OSV's Go ecosystem gives stdlib ("go1.21.5" is v1.21.5, "go1.20"
// v1.20.0, "go1.21rc2" v1.21.0-rc.2); nullopt for a development build. What follows a space
// (" X:boringcrypto") names experiments, not another release.
std::optional<std::string> stdlib_version(std::string_view go_version) {
  if (!go_version.starts_with("go")) return std::nullopt;
  go_version.remove_prefix(2);
  go_version = go_version.substr(0, go_version.find(' '));
  std::string_view pre_release_kind;
  std::string_view pre_release_number;
  for (const std::string_view kind : {"alpha", "beta", "rc"}) {
    if (const auto at = go_version.find(kind); at != std::string_view::npos) {
      pre_release_kind = kind;
      pre_release_number = go_version.substr(at + kind.size());
      go_version = go_version.substr(0, at);
      if (!is_number(pre_release_number)) return std::nullopt;
      break;
    }
  }
  auto numbers = split(go_version, '.');
  if (numbers.size() > 3 || !std::ranges::all_of(numbers, is_number)) return std::nullopt;
  std::string version = "v";
  for (std::size_t i = 0; i < 3; ++i) {
    if (i > 0) version += '.';
    version += i < numbers.size() ? numbers[i] : "0";
  }
  if (!pre_release_kind.empty()) version += "-" + std::string(pre_release_kind) + "." + std::string(pre_release_number);
  return version;
}

struct Module {
  std::string_view path;
  std::string_view version;
};

// runtime/debug.BuildInfo's text: "mod" (the main module) and "dep" lines, each followed by a
// "=>" line when replaced, with the fields path, version (absent for a directory) and sum.
std::vector<Module> modules_of(std::string_view module_info) {
  std::vector<Module> modules;
  for (const auto line : split(module_info, '\n')) {
    const auto fields = split(line, '\t');
    if (fields.size() < 2) continue;
    const Module module{fields[1], fields.size() > 2 ? fields[2] : std::string_view{}};
    if (fields[0] == "mod" || fields[0] == "dep") modules.push_back(module);
    if (fields[0] == "=>" && !modules.empty()) modules.back() = module;
  }
  return modules;
}

}  // namespace

void GoBuildInfoFinder::feed(std::string_view chunk) {
  if (!found_.empty()) {
    found_.append(chunk.substr(0, kGoBuildInfoBytes - std::min(kGoBuildInfoBytes, found_.size())));
    offset_ += chunk.size();
    return;
  }
  if (!candidate_.empty()) {
    const auto completing = std::min(kHeaderBytes - candidate_.size(), chunk.size());
    candidate_.append(chunk.substr(0, completing));
    offset_ += completing;
    chunk.remove_prefix(completing);
    if (candidate_.size() < kHeaderBytes) return;
    if (is_readable_header(candidate_)) {
      found_ = std::move(candidate_);
      candidate_.clear();
      feed(chunk);
      return;
    }
    candidate_.clear();
  }
  scan(chunk);
}

void GoBuildInfoFinder::scan(std::string_view chunk) {
  const auto chunk_offset = offset_;
  offset_ += chunk.size();
  for (auto at = static_cast<std::size_t>((kAlignment - chunk_offset % kAlignment) % kAlignment); at < chunk.size();
       at += kAlignment) {
    if (chunk[at] != kGoBuildInfoMagic[0]) continue;
    const auto rest = chunk.substr(at);
    if (rest.size() < kHeaderBytes) {
      // Completed, or dropped, by the next chunk; no other aligned offset fits in this one.
      if (kGoBuildInfoMagic.starts_with(rest.substr(0, kGoBuildInfoMagic.size()))) candidate_ = rest;
      return;
    }
    if (is_readable_header(rest)) {
      found_ = rest.substr(0, kGoBuildInfoBytes);
      return;
    }
  }
}

std::optional<std::string> GoBuildInfoFinder::take() && {
  if (found_.empty()) return std::nullopt;
  return std::move(found_);
}

std::vector<Package> parse_go_buildinfo(std::string_view bytes, std::string_view path) {
  GoBuildInfoFinder finder;
  finder.feed(bytes);
  const auto region = std::move(finder).take();
  if (!region || region->size() < kStringsOffset) return {};
  std::string_view strings = std::string_view(*region).substr(kStringsOffset);
  const auto go_version = read_length_prefixed(strings);
  auto module_info = read_length_prefixed(strings);
  if (!go_version || !module_info) return {};
  const bool wrapped = module_info->size() > 2 * kModuleInfoSentinelBytes &&
                       (*module_info)[module_info->size() - kModuleInfoSentinelBytes - 1] == '\n';
  if (wrapped) {
    module_info->remove_prefix(kModuleInfoSentinelBytes);
    module_info->remove_suffix(kModuleInfoSentinelBytes);
  } else {
    module_info = std::string_view{};
  }

  std::vector<Package> packages;
  const auto go_package = [&](std::string_view name, std::string_view version) {
    Package package;
    package.ecosystem = Ecosystem::kGo;
    package.name = name;
    package.version = version;
    package.path = path;
    packages.push_back(std::move(package));
  };
  if (const auto stdlib = stdlib_version(*go_version)) go_package("stdlib", *stdlib);
  for (const auto& module : modules_of(*module_info)) {
    // A main module built from a checkout is "(devel)"; a directory replacement has no version.
    if (module.path.empty() || module.version.empty() || module.version == "(devel)") continue;
    go_package(module.path, module.version);
  }
  return packages;
}

}  // namespace pier::vuln
