#include "common/names.h"

#include <algorithm>

namespace pier {

namespace {
bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*
bool is_valid_component(std::string_view c) {
  if (c.empty() || !is_lower_alnum(c.front()) || !is_lower_alnum(c.back())) return false;
  std::size_t i = 0;
  while (i < c.size()) {
    if (is_lower_alnum(c[i])) {
      ++i;
      continue;
    }
    // A separator run: ".", "_", "__" or one or more "-".
    const std::size_t start = i;
    if (c[i] == '.') {
      ++i;
    } else if (c[i] == '_') {
      ++i;
      if (i < c.size() && c[i] == '_') ++i;
    } else if (c[i] == '-') {
      while (i < c.size() && c[i] == '-') ++i;
    } else {
      return false;
    }
    if (i == start || i >= c.size() || !is_lower_alnum(c[i])) return false;
  }
  return true;
}

bool is_tag_char(char c) {
  return is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '_' || c == '.' || c == '-';
}
}  // namespace

bool is_valid_repository_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxRepositoryNameLength) return false;
  std::size_t start = 0;
  while (true) {
    const auto slash = name.find('/', start);
    const auto component = name.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (!is_valid_component(component)) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

bool is_valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > kMaxTagLength) return false;
  if (tag.front() == '.' || tag.front() == '-') return false;
  for (char c : tag) {
    if (!is_tag_char(c)) return false;
  }
  return true;
}

Result<void> check_repository_name(std::string_view name) {
  if (name.size() > kMaxRepositoryNameLength) {
    return make_error(ErrorCode::kNameInvalid, "repository name must be at most 255 characters");
  }
  if (!is_valid_repository_name(name)) {
    return make_error(ErrorCode::kNameInvalid,
                      "invalid repository name: components must match "
                      "[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*, separated by '/'");
  }
  return {};
}

Result<Reference> parse_reference(std::string_view text) {
  if (text.find(':') != std::string_view::npos) {
    auto digest = Digest::parse(text);
    if (!digest) return digest.error();
    return Reference(std::move(*digest));
  }
  if (!is_valid_tag(text)) {
    return make_error(ErrorCode::kManifestInvalid, "invalid tag: must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");
  }
  return Reference(std::string(text));
}

bool is_valid_account_name(std::string_view name) {
  if (name.size() < 2 || name.size() > 255) return false;
  const auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_or_digit(name.front())) return false;
  return std::all_of(name.begin() + 1, name.end(),
                     [&](char c) { return lower_or_digit(c) || c == '_' || c == '.' || c == '-'; });
}

std::string_view namespace_of(std::string_view repository) {
  const auto slash = repository.find('/');
  return slash == std::string_view::npos ? std::string_view() : repository.substr(0, slash);
}

namespace {
constexpr std::string_view kAttachmentSuffixes[] = {".sig", ".att", ".sbom"};
}  // namespace

std::string signature_tag(const Digest& digest) {
  return std::string(algorithm_name(digest.algorithm())) + "-" + std::string(digest.hex()) + ".sig";
}

std::optional<std::string> attached_to(std::string_view tag) {
  for (auto suffix : kAttachmentSuffixes) {
    if (!tag.ends_with(suffix)) continue;
    const auto stem = tag.substr(0, tag.size() - suffix.size());
    const auto dash = stem.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    std::string text = std::string(stem.substr(0, dash)) + ":" + std::string(stem.substr(dash + 1));
    if (!Digest::parse(text)) return std::nullopt;
    return text;
  }
  return std::nullopt;
}

std::vector<std::string> attachment_tags(const Digest& digest) {
  const std::string stem = std::string(algorithm_name(digest.algorithm())) + "-" + std::string(digest.hex());
  std::vector<std::string> tags;
  for (auto suffix : kAttachmentSuffixes) tags.push_back(stem + std::string(suffix));
  return tags;
}

}  // namespace pier
