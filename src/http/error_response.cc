#include "http/error_response.h"

#include <boost/json.hpp>

namespace pier::http {

Response error_response(const Error& error) {
  namespace json = boost::json;
  json::object entry;
  entry["code"] = wire_name(error.code);
  // Internal failures are logged with their detail; the client learns only that one happened.
  const bool internal = error.code == ErrorCode::kInternal;
  entry["message"] = internal ? std::string("internal server error") : error.message;
  if (!internal && !error.detail.empty()) {
    boost::system::error_code ec;
    auto detail = json::parse(error.detail, ec);
    entry["detail"] = ec ? json::value(error.detail) : std::move(detail);
  }
  json::array errors;
  errors.emplace_back(std::move(entry));
  json::object body;
  body["errors"] = std::move(errors);

  Response response;
  response.status = http_status(error.code);
  response.header("Content-Type", "application/json");
  for (const auto& [name, value] : error.headers) response.header(name, value);
  response.body = json::serialize(body);
  return response;
}

}  // namespace pier::http
