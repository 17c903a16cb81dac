// notify/rule_config.h: a notification rule's method config (the "config" object of the API),
// checked, shown and updated. Configs travel as JSON text so callers need no JSON library.
//
//   webhook:     {"url", "secret"?, "headers"? {name: value}, "verify_tls"? true, "ca_file"?}
//   slack:       {"url"}
//   cloudevents: {"url", "mode"? "structured"|"binary", "secret"?, "headers"?, "verify_tls"?, "ca_file"?}
//   email:       {"to": "a@example.com" | ["a@example.com", ...]}
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"
#include "notify/method.h"

namespace pier::notify {

// What redacted_config shows in place of a secret; merged_config reads it back as "unchanged".
inline constexpr std::string_view kRedacted = "********";

// `config_json` checked for `method` and normalised: keys in a fixed order, defaults filled in
// (verify_tls true, mode "structured", headers {}), email's "to" always an array, an empty
// secret dropped. kBadRequest with a message naming the key at fault ("config.url: ...") for
// anything the method does not accept, unknown keys included.
Result<std::string> check_config(Method method, std::string_view config_json);

// The config as the API shows it: every "secret" and "password" value replaced by kRedacted.
// Text that is not JSON gives "{}", so nothing unchecked is ever shown.
std::string redacted_config(std::string_view config_json);

// For PATCH: the keys of `update_json` set over `current_json` (a key set to null is removed;
// "headers" is replaced whole), a "secret" of kRedacted keeping the current secret, and the
// result checked as check_config does.
Result<std::string> merged_config(Method method, std::string_view current_json, std::string_view update_json);

}  // namespace pier::notify
