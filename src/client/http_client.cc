#include "client/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <mutex>

#include "client/curl_support.h"

namespace pier::client {

namespace {

constexpr long kConnectTimeoutSeconds = 15;


std::size_t append_to_string(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

}  // namespace

struct HttpClient::Impl {
  explicit Impl(TlsOptions options) : tls(std::move(options)) {
    initialise_curl();
    curl = curl_easy_init();
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }

  TlsOptions tls;
  CURL* curl = nullptr;
};

HttpClient::HttpClient(TlsOptions tls) : impl_(std::make_unique<Impl>(std::move(tls))) {}
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

Result<HttpResponse> HttpClient::send(const HttpRequest& request) {
  CURL* curl = impl_->curl;
  if (curl == nullptr) return make_error(ErrorCode::kInternal, "cannot start libcurl");
  // Options of the previous request (its credentials above all) must not carry over.
  curl_easy_reset(curl);

  CurlStringList headers;
  bool listed = headers.add("Expect:");  // no 100-continue round trip: bodies here are small
  for (const auto& header : request.headers) listed = listed && headers.add(header);
  if (!listed) return make_error(ErrorCode::kInternal, "out of memory");

  HttpResponse response;
  char error_text[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  const long timeout = static_cast<long>(request.timeout.count());
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, std::min(kConnectTimeoutSeconds, timeout));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, request.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_to_string);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  if (request.body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body->size()));
  }
  if (request.basic_auth) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(curl, CURLOPT_USERNAME, request.basic_auth->user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, request.basic_auth->password.c_str());
  }
  if (!impl_->tls.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, impl_->tls.ca_file.c_str());
  if (impl_->tls.insecure_skip_verify) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }

  const CURLcode performed = curl_easy_perform(curl);
  if (performed != CURLE_OK) {
    const std::string why = error_text[0] != '\0' ? error_text : curl_easy_strerror(performed);
    return make_error(ErrorCode::kUnavailable, "cannot reach " + request.url + ": " + why);
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace pier::client
