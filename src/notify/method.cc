#include "notify/method.h"

#include <array>
#include <utility>

namespace pier::notify {

namespace {
constexpr std::array<std::pair<Method, std::string_view>, 4> kNames{{
    {Method::kWebhook, "webhook"},
    {Method::kSlack, "slack"},
    {Method::kCloudEvents, "cloudevents"},
    {Method::kEmail, "email"},
}};
}  // namespace

std::optional<Method> method_of(std::string_view text) {
  for (const auto& [method, name] : kNames) {
    if (name == text) return method;
  }
  return std::nullopt;
}

std::string_view to_text(Method method) {
  for (const auto& [known, name] : kNames) {
    if (known == method) return name;
  }
  return "unknown";
}

}  // namespace pier::notify
