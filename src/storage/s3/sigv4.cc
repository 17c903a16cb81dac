#include "storage/s3/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "common/digest.h"
#include "common/text.h"

namespace pier::storage::s3 {

namespace {

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &size);
  return std::string(reinterpret_cast<const char*>(out), size);
}

std::string sha256_hex(std::string_view bytes) { return std::string(digest_of(bytes).hex()); }

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return std::string(text);
}

std::string credential_scope(std::string_view date, const Scope& scope) {
  return std::string(date.substr(0, 8)) + "/" + scope.region + "/" + scope.service + "/aws4_request";
}

}  // namespace

std::string uri_encode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

std::string amz_date(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char text[20];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &tm);
  return text;
}

std::string signed_header_names(const Pairs& headers) {
  std::vector<std::string> names;
  for (const auto& [name, value] : headers) names.push_back(lower(name));
  std::sort(names.begin(), names.end());
  std::string joined;
  for (const auto& name : names) {
    if (!joined.empty()) joined.push_back(';');
    joined += name;
  }
  return joined;
}

std::string canonical_request(std::string_view method, std::string_view path, const Pairs& query,
                              const Pairs& headers, std::string_view payload_hash) {
  Pairs encoded_query;
  for (const auto& [name, value] : query) encoded_query.emplace_back(uri_encode(name), uri_encode(value));
  std::sort(encoded_query.begin(), encoded_query.end());
  Pairs canonical_headers;
  for (const auto& [name, value] : headers) canonical_headers.emplace_back(lower(name), trimmed(value));
  std::sort(canonical_headers.begin(), canonical_headers.end());

  std::string text(method);
  text += '\n';
  text += path;
  text += '\n';
  for (std::size_t i = 0; i < encoded_query.size(); ++i) {
    if (i) text += '&';
    text += encoded_query[i].first + "=" + encoded_query[i].second;
  }
  text += '\n';
  for (const auto& [name, value] : canonical_headers) text += name + ":" + value + "\n";
  text += '\n';
  text += signed_header_names(headers);
  text += '\n';
  text += payload_hash;
  return text;
}

std::string signature(const Credentials& credentials, const Scope& scope, std::string_view date,
                      std::string_view canonical) {
  const std::string to_sign = "AWS4-HMAC-SHA256\n" + std::string(date) + "\n" + credential_scope(date, scope) + "\n" +
                              sha256_hex(canonical);
  std::string key = hmac("AWS4" + credentials.secret_key, date.substr(0, 8));
  key = hmac(key, scope.region);
  key = hmac(key, scope.service);
  key = hmac(key, "aws4_request");
  const std::string raw = hmac(key, to_sign);
  return lower_hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

std::string presigned_get_url(std::string_view base, std::string_view host, std::string_view path,
                              const Credentials& credentials, const Scope& scope, std::int64_t now,
                              std::int64_t expires_seconds) {
  const std::string date = amz_date(now);
  Pairs query{{"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
              {"X-Amz-Credential", credentials.access_key + "/" + credential_scope(date, scope)},
              {"X-Amz-Date", date},
              {"X-Amz-Expires", std::to_string(expires_seconds)},
              {"X-Amz-SignedHeaders", "host"}};
  const std::string canonical = canonical_request("GET", path, query, {{"host", std::string(host)}}, "UNSIGNED-PAYLOAD");
  std::string url(base);
  url += path;
  char separator = '?';
  for (const auto& [name, value] : query) {
    url += separator;
    url += uri_encode(name) + "=" + uri_encode(value);
    separator = '&';
  }
  url += "&X-Amz-Signature=" + signature(credentials, scope, date, canonical);
  return url;
}

}  // namespace pier::storage::s3
