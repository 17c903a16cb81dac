// vuln/go_buildinfo.h: the modules a Go binary was built from, from the build information the
// Go linker embeds in every binary since Go 1.18.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vuln/package_parsers.h"

namespace pier::vuln {

// The build information starts with this, 16-byte aligned in the file.
inline constexpr std::string_view kGoBuildInfoMagic{"\xff Go buildinf:", 14};
// What the layer reader keeps of a Go binary: this much from the magic on, which holds the
// Go version and the module list of all but the very largest programs.
inline constexpr std::size_t kGoBuildInfoBytes = std::size_t{64} << 10;

// `bytes`: what the layer reader kept of a Go binary at `path` (its build information), or a
// whole binary. The main module (when built at a version) and its dependencies, each as its
// replacement when replaced, and "stdlib" at the Go version, as Go's ecosystem in OSV names
// them; nothing for a binary without readable build information (Go before 1.18 included).
std::vector<Package> parse_go_buildinfo(std::string_view bytes, std::string_view path);

// Finds the build information in a file read front to back, in chunks of any size, keeping
// only kGoBuildInfoBytes from the magic on: a binary is never held whole.
class GoBuildInfoFinder {
 public:
  void feed(std::string_view chunk);
  // Whether later bytes can no longer change what take() returns.
  bool done() const { return found_.size() >= kGoBuildInfoBytes; }
  // The region from the magic on (shorter when the file ended first); nullopt when the file
  // has none.
  std::optional<std::string> take() &&;

 private:
  void scan(std::string_view chunk);

  std::uint64_t offset_ = 0;  // in the file, of the next byte fed
  std::string candidate_;     // an aligned header begun at the end of the last chunk
  std::string found_;
};

}  // namespace pier::vuln
