// fuzz/scope_fuzzer.cc: Docker token auth scopes ("repository:team/app:pull,push").
//
// Input: one scope as a client sends it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "access/scope.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto scope = pier::access::parse_scope(text);

  // The grammar restated: a type before the first colon, a name up to the last, and actions
  // after it of which at least one is not empty.
  const auto first_colon = text.find(':');
  const auto last_colon = text.rfind(':');
  const bool has_three_parts = first_colon != std::string_view::npos && first_colon != last_colon;
  const std::string_view actions = has_three_parts ? text.substr(last_colon + 1) : std::string_view();
  const bool valid = has_three_parts && first_colon > 0 && last_colon > first_colon + 1 &&
                     actions.find_first_not_of(',') != std::string_view::npos;
  FUZZ_CHECK(scope.has_value() == valid);
  if (!scope) return 0;

  FUZZ_CHECK(scope->type.find(':') == std::string::npos);
  for (const auto& action : scope->actions) {
    FUZZ_CHECK(!action.empty());
    FUZZ_CHECK(action.find(',') == std::string::npos && action.find(':') == std::string::npos);
  }
  const std::string formatted = pier::access::format_scope(*scope);
  FUZZ_CHECK(pier::access::parse_scope(formatted) == scope);
  const bool drops_empty_actions =
      actions.starts_with(',') || actions.ends_with(',') || actions.find(",,") != std::string_view::npos;
  FUZZ_CHECK((formatted == text) == !drops_empty_actions);

  const std::string challenge = pier::access::bearer_challenge("https://r/v2/auth", "pier", {*scope}, false);
  FUZZ_CHECK(challenge.find("scope=\"" + formatted + "\"") != std::string::npos);
  return 0;
}
