// fuzz/names_fuzzer.cc: repository names, tags, account names, references and digests.
//
// Input: one name, tag, reference or digest. Each grammar is restated here in a different
// shape than src/common/ writes it, and the two must agree on every input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "common/digest.h"
#include "common/names.h"
#include "fuzz_check.h"

namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_digit_or_letter(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }

// A component is alternating runs of [a-z0-9] and separators, starting and ending with the
// former; a separator run is ".", "_", "__" or any number of "-".
bool component_matches(std::string_view component) {
  if (component.empty()) return false;
  bool expect_alnum = true;
  std::size_t i = 0;
  while (i < component.size()) {
    std::size_t end = i;
    while (end < component.size() && is_lower_alnum(component[end]) == expect_alnum) ++end;
    if (end == i) return false;
    if (!expect_alnum) {
      const std::string_view run = component.substr(i, end - i);
      const bool dashes = run.find_first_not_of('-') == std::string_view::npos;
      if (run != "." && run != "_" && run != "__" && !dashes) return false;
    }
    i = end;
    expect_alnum = !expect_alnum;
  }
  return !expect_alnum;  // the last run was [a-z0-9]
}

bool repository_name_matches(std::string_view name) {
  if (name.empty() || name.size() > pier::kMaxRepositoryNameLength) return false;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '/') {
      if (!component_matches(name.substr(start, i - start))) return false;
      start = i + 1;
    }
  }
  return true;
}

bool tag_matches(std::string_view tag) {
  if (tag.empty() || tag.size() > pier::kMaxTagLength) return false;
  if (!is_digit_or_letter(tag[0]) && tag[0] != '_') return false;
  return tag.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
         std::string_view::npos;
}

bool account_name_matches(std::string_view name) {
  if (name.size() < 2 || name.size() > 255 || !is_lower_alnum(name[0])) return false;
  return name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_.-") == std::string_view::npos;
}

void check_digest(std::string_view text) {
  const auto digest = pier::Digest::parse(text);
  if (!digest) {
    FUZZ_CHECK(digest.error().code == pier::ErrorCode::kDigestInvalid);
    return;
  }
  FUZZ_CHECK(digest->str() == text);
  FUZZ_CHECK(std::string(pier::algorithm_name(digest->algorithm())) + ":" + std::string(digest->hex()) == text);
  FUZZ_CHECK(digest->hex().size() == (digest->algorithm() == pier::DigestAlgorithm::kSha256 ? 64u : 128u));
  const auto reparsed = pier::Digest::parse(digest->str());
  FUZZ_CHECK(reparsed && *reparsed == *digest);
}

void check_reference(std::string_view text) {
  const auto reference = pier::parse_reference(text);
  if (text.find(':') != std::string_view::npos) {
    FUZZ_CHECK(reference.has_value() == pier::Digest::parse(text).has_value());
    if (reference) {
      FUZZ_CHECK(std::holds_alternative<pier::Digest>(*reference));
      FUZZ_CHECK(std::get<pier::Digest>(*reference).str() == text);
    } else {
      FUZZ_CHECK(reference.error().code == pier::ErrorCode::kDigestInvalid);
    }
    return;
  }
  FUZZ_CHECK(reference.has_value() == pier::is_valid_tag(text));
  if (reference) {
    FUZZ_CHECK(std::holds_alternative<std::string>(*reference) && std::get<std::string>(*reference) == text);
  } else {
    FUZZ_CHECK(reference.error().code == pier::ErrorCode::kManifestInvalid);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const bool valid_name = pier::is_valid_repository_name(text);
  FUZZ_CHECK(valid_name == repository_name_matches(text));
  const auto checked = pier::check_repository_name(text);
  FUZZ_CHECK(checked.has_value() == valid_name);
  if (!checked) FUZZ_CHECK(checked.error().code == pier::ErrorCode::kNameInvalid);
  if (valid_name) {
    // What every storage path built from a name relies on.
    FUZZ_CHECK(text.find("..") == std::string_view::npos && text.front() != '/' && text.back() != '/');
  }

  FUZZ_CHECK(pier::is_valid_tag(text) == tag_matches(text));
  FUZZ_CHECK(pier::is_valid_account_name(text) == account_name_matches(text));
  check_digest(text);
  check_reference(text);

  for (const auto algorithm : {pier::DigestAlgorithm::kSha256, pier::DigestAlgorithm::kSha512}) {
    const pier::Digest computed = pier::digest_of(text, algorithm);
    FUZZ_CHECK(computed.algorithm() == algorithm);
    const auto reparsed = pier::Digest::parse(computed.str());
    FUZZ_CHECK(reparsed && *reparsed == computed);
  }
  return 0;
}
