// notify/method.h: the ways a notification rule can be delivered, and their names in the API.
#pragma once

#include <optional>
#include <string_view>

namespace pier::notify {

enum class Method { kWebhook, kSlack, kCloudEvents, kEmail };

// "webhook", "slack", "cloudevents" or "email"; nullopt for any other text (case matters).
std::optional<Method> method_of(std::string_view text);
std::string_view to_text(Method method);

}  // namespace pier::notify
