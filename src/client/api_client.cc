#include "client/api_client.h"

namespace pier::client {

namespace json = boost::json;

namespace {

constexpr long kUnauthorized = 401;
constexpr long kForbidden = 403;
constexpr long kNotFound = 404;
constexpr long kTooManyRequests = 429;
constexpr long kServiceUnavailable = 503;

ErrorCode code_of_status(long status) {
  switch (status) {
    case kUnauthorized: return ErrorCode::kUnauthorized;
    case kForbidden: return ErrorCode::kDenied;
    case kNotFound: return ErrorCode::kNameUnknown;
    case kTooManyRequests: return ErrorCode::kTooManyRequests;
    case kServiceUnavailable: return ErrorCode::kUnavailable;
    default: return status >= 500 ? ErrorCode::kInternal : ErrorCode::kBadRequest;
  }
}

// The messages of an {"errors": [{"message": ...}, ...]} body, joined; empty for any other body.
std::string messages_of(std::string_view body) {
  boost::system::error_code ec;
  const json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return {};
  const auto* errors = parsed.as_object().if_contains("errors");
  if (errors == nullptr || !errors->is_array()) return {};
  std::string joined;
  for (const auto& error : errors->as_array()) {
    const auto* message = error.is_object() ? error.as_object().if_contains("message") : nullptr;
    if (message == nullptr || !message->is_string() || message->as_string().empty()) continue;
    if (!joined.empty()) joined += "; ";
    joined += message->as_string();
  }
  return joined;
}

}  // namespace

Error api_error(long status, std::string_view body) {
  std::string message = messages_of(body);
  if (message.empty()) message = "the server answered HTTP " + std::to_string(status);
  return make_error(code_of_status(status), std::move(message));
}

ApiClient::ApiClient(std::string server, TlsOptions tls, Credentials credentials)
    : server_(std::move(server)), credentials_(std::move(credentials)), http_(std::move(tls)) {}

Result<json::value> ApiClient::get(std::string_view path) { return call("GET", path, nullptr); }
Result<json::value> ApiClient::post(std::string_view path, const json::value& body) { return call("POST", path, &body); }
Result<json::value> ApiClient::put(std::string_view path, const json::value& body) { return call("PUT", path, &body); }
Result<json::value> ApiClient::patch(std::string_view path, const json::value& body) { return call("PATCH", path, &body); }
Result<json::value> ApiClient::remove(std::string_view path) { return call("DELETE", path, nullptr); }

Result<json::value> ApiClient::call(std::string_view method, std::string_view path, const json::value* body) {
  if (body == nullptr) return send(method, path, std::nullopt);
  return send(method, path, std::pair{json::serialize(*body), std::string("application/json")});
}

Result<json::value> ApiClient::post_bytes(std::string_view path, std::string bytes, std::string_view content_type) {
  return send("POST", path, std::pair{std::move(bytes), std::string(content_type)});
}

Result<json::value> ApiClient::send(std::string_view method, std::string_view path,
                                    std::optional<std::pair<std::string, std::string>> body_and_type) {
  HttpRequest request;
  request.method = std::string(method);
  request.url = server_ + "/api/v1" + std::string(path);
  request.headers.emplace_back("Accept: application/json");
  if (body_and_type) {
    request.headers.push_back("Content-Type: " + body_and_type->second);
    request.body = std::move(body_and_type->first);
  }
  if (const auto* basic = std::get_if<BasicAuth>(&credentials_)) request.basic_auth = *basic;
  if (const auto* bearer = std::get_if<BearerToken>(&credentials_)) {
    request.headers.push_back("Authorization: Bearer " + bearer->token);
  }

  auto response = http_.send(request);
  if (!response) return response.error();
  if (response->status < 200 || response->status >= 300) return api_error(response->status, response->body);
  if (response->body.find_first_not_of(" \t\r\n") == std::string::npos) return json::value(nullptr);
  boost::system::error_code ec;
  json::value answer = json::parse(response->body, ec);
  if (ec) return make_error(ErrorCode::kInternal, "the server's answer is not JSON: " + ec.message());
  return answer;
}

}  // namespace pier::client
