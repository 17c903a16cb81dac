#include "jobs/replica_id.h"

#include <unistd.h>

#include <climits>
#include <cstdio>
#include <random>

namespace pier::jobs {

std::string make_replica_id() {
  char host[HOST_NAME_MAX + 1] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof host, "unknown");
  std::random_device random;
  char suffix[9];
  std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(random()));
  return std::string(host) + ":" + std::to_string(::getpid()) + ":" + suffix;
}

}  // namespace pier::jobs
