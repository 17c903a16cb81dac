#include "signing/simple_signing.h"

#include <boost/json.hpp>

namespace pier::signing {

namespace json = boost::json;

namespace {

const json::value* member(const json::value* value, std::string_view key) {
  if (value == nullptr || !value->is_object()) return nullptr;
  return value->as_object().if_contains(key);
}

}  // namespace

std::optional<SimpleSigningPayload> parse_simple_signing(std::string_view text) {
  boost::system::error_code ec;
  const json::value document = json::parse(text, ec);
  if (ec) return std::nullopt;
  const json::value* critical = member(&document, "critical");
  const json::value* type = member(critical, "type");
  const json::value* digest = member(member(critical, "image"), "docker-manifest-digest");
  if (type == nullptr || !type->is_string() || digest == nullptr || !digest->is_string()) return std::nullopt;
  SimpleSigningPayload payload;
  payload.type = type->as_string();
  payload.manifest_digest = digest->as_string();
  if (const json::value* reference = member(member(critical, "identity"), "docker-reference");
      reference != nullptr && reference->is_string()) {
    payload.docker_reference = reference->as_string();
  }
  return payload;
}

}  // namespace pier::signing
