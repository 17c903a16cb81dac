// cli/outcome.h: how a client command ends, with exit codes fit for scripts:
//
//   0  success
//   1  the server refused (4xx other than 401, 5xx), could not be reached, or a local failure
//   2  bad usage (also every command-line error CLI11 finds)
//   3  not logged in: no server or no token given anywhere (client/session.h)
//   4  authentication refused: the server answered 401
//
// A failure is printed as "pier: <message>" on standard error; for a refusal the message is
// the server's own.
#pragma once

#include <string>

#include <boost/system/result.hpp>

#include "common/error.h"

namespace pier::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,
  kExitUsage = 2,
  kExitNotLoggedIn = 3,
  kExitAuthRefused = 4,
};

struct Failure {
  int exit_code = kExitFailed;
  std::string message;
};

template <class T = void>
using Outcome = boost::system::result<T, Failure>;

// Found by ADL when Outcome<T>::value() is called on a failure.
[[noreturn]] void throw_exception_from_error(const Failure& failure, const boost::source_location& location);

// kExitAuthRefused for kUnauthorized, kExitFailed for anything else.
Failure failure_of(const Error& error);
Failure usage_failure(std::string message);
Failure not_logged_in();

}  // namespace pier::cli
