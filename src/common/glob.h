// common/glob.h: shell-style patterns ("v*", "release-?", "[0-9]*") over tag names.
#pragma once

#include <string_view>
#include <vector>
#include <string>

namespace pier {

// fnmatch(3) without flags: '*' and '?' match any character, brackets a set.
bool glob_matches(std::string_view pattern, std::string_view text);
bool any_glob_matches(const std::vector<std::string>& patterns, std::string_view text);
// Whether fnmatch(3) accepts `pattern` (a bracket left open is refused).
bool is_valid_glob(std::string_view pattern);

}  // namespace pier
