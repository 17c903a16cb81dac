#include "vuln/version_dpkg.h"

#include <mutex>

#define LIBDPKG_VOLATILE_API 1
#include <dpkg/dpkg.h>
#include <dpkg/dpkg-db.h>
#include <dpkg/error.h>
#include <dpkg/version.h>

namespace pier::vuln {

namespace {

// parseversion copies the version into libdpkg's process-wide allocation pool (nfmalloc), which
// is not thread-safe and keeps everything until nffreeall(). Every parse therefore holds this
// lock and empties the pool before releasing it; nothing else in Pier may use that pool.
std::mutex& dpkg_pool_mutex() {
  static std::mutex mutex;
  return mutex;
}

}  // namespace

std::optional<DpkgVersion> parse_dpkg_version(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  const std::string terminated(text);
  const std::lock_guard lock(dpkg_pool_mutex());
  dpkg_version parsed{};
  dpkg_error error{DPKG_MSG_NONE, 0, nullptr};
  const bool refused = parseversion(&parsed, terminated.c_str(), &error) < 0 && error.type != DPKG_MSG_WARN;
  dpkg_error_destroy(&error);
  std::optional<DpkgVersion> result;
  if (!refused) result = DpkgVersion{parsed.epoch, parsed.version, parsed.revision};
  nffreeall();
  return result;
}

int compare_dpkg_versions(const DpkgVersion& a, const DpkgVersion& b) {
  const dpkg_version left{a.epoch, a.upstream.c_str(), a.revision.c_str()};
  const dpkg_version right{b.epoch, b.upstream.c_str(), b.revision.c_str()};
  const int order = dpkg_version_compare(&left, &right);
  return (order > 0) - (order < 0);
}

}  // namespace pier::vuln
