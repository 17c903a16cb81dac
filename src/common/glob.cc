#include "common/glob.h"

#include <fnmatch.h>

#include <algorithm>
#include <string>

namespace pier {

bool glob_matches(std::string_view pattern, std::string_view text) {
  return fnmatch(std::string(pattern).c_str(), std::string(text).c_str(), 0) == 0;
}

bool any_glob_matches(const std::vector<std::string>& patterns, std::string_view text) {
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) { return glob_matches(p, text); });
}

bool is_valid_glob(std::string_view pattern) {
  if (pattern.empty() || pattern.size() > 128) return false;
  // glibc matches an unclosed '[' literally; a pattern meant as a set would then never match.
  int depth = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c < 0x21 || c > 0x7e) return false;
    if (c == '[') ++depth;
    if (c == ']' && depth > 0) --depth;
  }
  return depth == 0;
}

}  // namespace pier
