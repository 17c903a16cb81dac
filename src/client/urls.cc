#include "client/urls.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace pier::client {

namespace {

constexpr std::array kLoopbackHosts = {std::string_view("localhost"), std::string_view("127.0.0.1"),
                                       std::string_view("[::1]")};
constexpr unsigned kMaxPort = 65535;

bool is_unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

// pchar = unreserved / pct-encoded / sub-delims / ":" / "@"
bool is_pchar(char c) { return is_unreserved(c) || std::string_view("!$&'()*+,;=:@").find(c) != std::string_view::npos; }

template <class Keep>
std::string percent_encode(std::string_view text, Keep keep) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (keep(c)) {
      out.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xf]);
    }
  }
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Error bad_server(std::string_view text, std::string_view problem) {
  return make_error(ErrorCode::kBadRequest, "server " + std::string(text) + ": " + std::string(problem));
}

bool is_host_name(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
  });
}

bool is_ipv6_literal(std::string_view host) {
  if (host.size() < 3 || host.front() != '[' || host.back() != ']') return false;
  return std::all_of(host.begin() + 1, host.end() - 1, [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == ':' || c == '.';
  });
}

// host[:port] of an authority, lower-cased and checked.
Result<std::pair<std::string, std::string>> split_authority(std::string_view original, std::string_view authority) {
  std::string_view host = authority;
  std::string_view port;
  const auto close = authority.rfind(']');
  const auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && (close == std::string_view::npos || colon > close)) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    unsigned number = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || number == 0 || number > kMaxPort) {
      return bad_server(original, "the port must be a number from 1 to 65535");
    }
  }
  std::string host_text = lower(host);
  if (!is_host_name(host_text) && !is_ipv6_literal(host_text)) return bad_server(original, "not a host name");
  return std::pair{std::move(host_text), std::string(port)};
}

}  // namespace

Result<std::string> normalise_server_url(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  const auto last = text.find_last_not_of(" \t");
  if (first == std::string_view::npos) return bad_server(text, "empty");
  const std::string_view trimmed = text.substr(first, last - first + 1);

  std::string scheme;
  std::string_view rest = trimmed;
  if (const auto separator = trimmed.find("://"); separator != std::string_view::npos) {
    scheme = lower(trimmed.substr(0, separator));
    if (scheme != "http" && scheme != "https") return bad_server(text, "the scheme must be http or https");
    rest = trimmed.substr(separator + 3);
  }
  while (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.find('@') != std::string_view::npos) return bad_server(text, "must not hold credentials");
  if (rest.find_first_of("/?#") != std::string_view::npos) return bad_server(text, "must be host[:port] or a URL without a path");
  auto authority = split_authority(text, rest);
  if (!authority) return authority.error();
  const auto& [host, port] = *authority;
  if (scheme.empty()) {
    const bool loopback = std::find(kLoopbackHosts.begin(), kLoopbackHosts.end(), host) != kLoopbackHosts.end();
    scheme = loopback ? "http" : "https";
  }
  return scheme + "://" + host + (port.empty() ? "" : ":" + port);
}

std::string path_segment(std::string_view text) { return percent_encode(text, is_pchar); }

std::string repository_path(std::string_view name) {
  return percent_encode(name, [](char c) { return c == '/' || is_pchar(c); });
}

std::string query_string(const QueryParams& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    out += out.empty() ? "?" : "&";
    out += percent_encode(name, is_unreserved) + "=" + percent_encode(value, is_unreserved);
  }
  return out;
}

}  // namespace pier::client
