#include "cli/outcome.h"

#include <stdexcept>

namespace pier::cli {

void throw_exception_from_error(const Failure& failure, const boost::source_location&) {
  throw std::runtime_error(failure.message);
}

Failure failure_of(const Error& error) {
  return {error.code == ErrorCode::kUnauthorized ? kExitAuthRefused : kExitFailed, error.message};
}

Failure usage_failure(std::string message) { return {kExitUsage, std::move(message)}; }

Failure not_logged_in() {
  return {kExitNotLoggedIn,
          "not logged in: run pier login SERVER, or give --server and --token (or PIER_SERVER and PIER_TOKEN)"};
}

}  // namespace pier::cli
