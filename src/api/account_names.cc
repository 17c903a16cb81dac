#include "api/account_names.h"

#include <algorithm>
#include <string>

#include "common/names.h"

namespace pier::api {

namespace {

constexpr std::size_t kMaxRobotNameLength = 255;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// The name itself is not repeated: it may hold any bytes.
Error invalid(std::string_view what, std::string_view rule) {
  return make_error(ErrorCode::kBadRequest, "invalid " + std::string(what) + " name: " + std::string(rule));
}

}  // namespace

Result<void> check_account_name(std::string_view what, std::string_view name) {
  if (!is_valid_account_name(name)) return invalid(what, "2 to 255 of a-z 0-9 _ . -, starting with a letter or digit");
  return {};
}

Result<void> check_robot_name(std::string_view name) {
  const bool ok = !name.empty() && name.size() <= kMaxRobotNameLength && is_lower_alnum(name.front()) &&
                  std::all_of(name.begin(), name.end(), [](char c) { return is_lower_alnum(c) || c == '_'; });
  if (!ok) return invalid("robot", "1 to 255 of a-z 0-9 _, starting with a letter or digit");
  return {};
}

Result<void> check_robot_full_name(std::string_view name) {
  const auto plus = name.find('+');
  if (plus == std::string_view::npos) return invalid("robot", "a robot is named <namespace>+<name>");
  if (auto checked = check_account_name("namespace", name.substr(0, plus)); !checked) return checked;
  return check_robot_name(name.substr(plus + 1));
}

}  // namespace pier::api
