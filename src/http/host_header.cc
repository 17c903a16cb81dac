#include "http/host_header.h"

#include <boost/url/grammar/parse.hpp>
#include <cctype>
#include <charconv>
#include <boost/url/rfc/authority_rule.hpp>

namespace pier::http {

bool is_valid_host_header(std::string_view value) {
  if (value.empty()) return false;
  auto authority = boost::urls::grammar::parse(value, boost::urls::authority_rule);
  if (!authority || authority->has_userinfo()) return false;
  if (authority->host_type() == boost::urls::host_type::name) {
    // The URL grammar lets a registered name hold percent-escapes and sub-delims (!$&'()*+,;=);
    // DNS names and the names clients put here never do.
    for (const char c : authority->encoded_host()) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') return false;
    }
  }
  if (authority->has_port()) {
    const auto port = authority->port();
    unsigned number = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || number == 0 || number > 65535) {
      return false;
    }
  }
  return true;
}

}  // namespace pier::http
