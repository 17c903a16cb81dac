// notify/target.h: what a sender needs from a config that check_config accepted.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pier::notify {

struct HttpTarget {
  std::string url;
  std::string secret;  // empty: requests are not signed
  std::vector<std::pair<std::string, std::string>> headers;
  bool verify_tls = true;
  std::string ca_file;
  bool binary_mode = false;  // cloudevents' "mode": "binary"
};

// Read leniently: a missing or mistyped key keeps its default, since the config was checked
// when it was stored.
HttpTarget http_target_of(std::string_view config_json);

// Email's "to" as a list, whether the config holds one address or an array.
std::vector<std::string> email_recipients_of(std::string_view config_json);

}  // namespace pier::notify
