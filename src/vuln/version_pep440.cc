#include "vuln/version_pep440.h"

#include <algorithm>
#include <array>
#include <compare>
#include <tuple>
#include <utility>

namespace pier::vuln {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alphanumeric(char c) { return is_digit(c) || (c >= 'a' && c <= 'z'); }
bool is_separator(char c) { return c == '-' || c == '_' || c == '.'; }

std::string lowercase_trimmed(std::string_view text) {
  constexpr std::string_view kSpace = " \t\n\r\f\v";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  text = text.substr(first, text.find_last_not_of(kSpace) + 1 - first);
  std::string lowered(text);
  std::ranges::transform(lowered, lowered.begin(), [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; });
  return lowered;
}

int sign(std::strong_ordering order) { return order < 0 ? -1 : order > 0 ? 1 : 0; }

struct Label {
  std::string_view spelling;
  Pep440Phase phase;
};

// Longer spellings first where one begins another, as PEP 440's own regular expression tries them.
constexpr std::array<Label, 8> kPreReleaseLabels{{
    {"alpha", Pep440Phase::kAlpha},
    {"a", Pep440Phase::kAlpha},
    {"beta", Pep440Phase::kBeta},
    {"b", Pep440Phase::kBeta},
    {"preview", Pep440Phase::kReleaseCandidate},
    {"pre", Pep440Phase::kReleaseCandidate},
    {"c", Pep440Phase::kReleaseCandidate},
    {"rc", Pep440Phase::kReleaseCandidate},
}};
constexpr std::array<std::string_view, 3> kPostReleaseLabels{"post", "rev", "r"};
constexpr std::size_t kMaxSignificantDigits = 19;

// Reads a lowercase, trimmed version left to right; a number too long for 64 bits spoils it.
class Pep440Reader {
 public:
  explicit Pep440Reader(std::string_view text) : rest_(text) {}

  std::optional<Pep440Version> read() {
    Pep440Version version;
    if (rest_.starts_with('v')) rest_.remove_prefix(1);
    if (!at_digit()) return std::nullopt;
    std::uint64_t first = number();
    if (take('!')) {
      if (!at_digit()) return std::nullopt;
      version.epoch = first;
      first = number();
    }
    version.release = release_from(first);
    version.pre = pre_release();
    version.post = post_release();
    version.dev = labelled_number("dev");
    if (take('+')) version.local = local_segments();
    if (spoiled_ || !rest_.empty()) return std::nullopt;
    return version;
  }

 private:
  bool at_digit() const { return !rest_.empty() && is_digit(rest_.front()); }

  bool take(char c) {
    if (!rest_.starts_with(c)) return false;
    rest_.remove_prefix(1);
    return true;
  }

  void take_separator() {
    if (!rest_.empty() && is_separator(rest_.front())) rest_.remove_prefix(1);
  }

  std::uint64_t number() {
    std::size_t length = 0;
    while (length < rest_.size() && is_digit(rest_[length])) ++length;
    std::string_view digits = rest_.substr(0, length);
    rest_.remove_prefix(length);
    digits.remove_prefix(std::min(digits.find_first_not_of('0'), digits.size()));
    if (digits.size() > kMaxSignificantDigits) spoiled_ = true;
    std::uint64_t value = 0;
    for (const char digit : digits) value = value * 10 + std::uint64_t(digit - '0');
    return spoiled_ ? 0 : value;
  }

  std::uint64_t implicit_zero_number() {
    take_separator();
    return at_digit() ? number() : 0;
  }

  std::vector<std::uint64_t> release_from(std::uint64_t first) {
    std::vector<std::uint64_t> release{first};
    while (rest_.size() >= 2 && rest_[0] == '.' && is_digit(rest_[1])) {
      rest_.remove_prefix(1);
      release.push_back(number());
    }
    while (!release.empty() && release.back() == 0) release.pop_back();
    return release;
  }

  std::optional<Pep440PreRelease> pre_release() {
    const auto start = rest_;
    take_separator();
    for (const auto& [spelling, phase] : kPreReleaseLabels) {
      if (!rest_.starts_with(spelling)) continue;
      rest_.remove_prefix(spelling.size());
      return Pep440PreRelease{phase, implicit_zero_number()};
    }
    rest_ = start;
    return std::nullopt;
  }

  // "-N" alone is a post-release too (1.0-1 is 1.0.post1).
  std::optional<std::uint64_t> post_release() {
    if (rest_.size() >= 2 && rest_[0] == '-' && is_digit(rest_[1])) {
      rest_.remove_prefix(1);
      return number();
    }
    for (const auto label : kPostReleaseLabels) {
      if (auto post = labelled_number(label)) return post;
    }
    return std::nullopt;
  }

  std::optional<std::uint64_t> labelled_number(std::string_view label) {
    const auto start = rest_;
    take_separator();
    if (rest_.starts_with(label)) {
      rest_.remove_prefix(label.size());
      return implicit_zero_number();
    }
    rest_ = start;
    return std::nullopt;
  }

  std::vector<std::string> local_segments() {
    std::vector<std::string> segments;
    while (true) {
      std::size_t length = 0;
      while (length < rest_.size() && is_alphanumeric(rest_[length])) ++length;
      if (length == 0) {
        spoiled_ = true;
        return segments;
      }
      segments.emplace_back(rest_.substr(0, length));
      rest_.remove_prefix(length);
      if (rest_.empty() || !is_separator(rest_.front())) return segments;
      rest_.remove_prefix(1);
    }
  }

  std::string_view rest_;
  bool spoiled_ = false;
};

// PEP 440's order around one release: 1.0.dev1 < 1.0a1.dev1 < 1.0a1 < 1.0a1.post1 < 1.0 <
// 1.0.post1.dev1 < 1.0.post1. A development release of the final release (no pre-release, no
// post-release) sorts before every pre-release of it; no pre-release sorts after them all.
std::tuple<int, int, std::uint64_t> pre_release_key(const Pep440Version& version) {
  if (version.pre) return {1, static_cast<int>(version.pre->phase), version.pre->number};
  if (version.dev && !version.post) return {0, 0, 0};
  return {2, 0, 0};
}

std::pair<bool, std::uint64_t> post_release_key(const Pep440Version& version) {
  return {version.post.has_value(), version.post.value_or(0)};
}

std::pair<bool, std::uint64_t> dev_release_key(const Pep440Version& version) {
  return {!version.dev.has_value(), version.dev.value_or(0)};
}

bool is_number(std::string_view segment) { return std::ranges::all_of(segment, is_digit); }

// Local segments: numbers compare numerically and after any text; text compares by bytes.
std::strong_ordering compare_local_segment(std::string_view a, std::string_view b) {
  if (is_number(a) != is_number(b)) return is_number(a) ? std::strong_ordering::greater : std::strong_ordering::less;
  if (!is_number(a)) return a <=> b;
  a.remove_prefix(std::min(a.find_first_not_of('0'), a.size()));
  b.remove_prefix(std::min(b.find_first_not_of('0'), b.size()));
  if (a.size() != b.size()) return a.size() <=> b.size();
  return a <=> b;
}

std::strong_ordering compare_local(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  return std::lexicographical_compare_three_way(a.begin(), a.end(), b.begin(), b.end(),
                                                [](const std::string& x, const std::string& y) {
                                                  return compare_local_segment(x, y);
                                                });
}

}  // namespace

std::optional<Pep440Version> parse_pep440_version(std::string_view text) {
  const std::string lowered = lowercase_trimmed(text);
  return Pep440Reader(lowered).read();
}

int compare_pep440_versions(const Pep440Version& a, const Pep440Version& b) {
  if (a.epoch != b.epoch) return a.epoch < b.epoch ? -1 : 1;
  if (const auto order = a.release <=> b.release; order != 0) return sign(order);
  if (const auto order = pre_release_key(a) <=> pre_release_key(b); order != 0) return sign(order);
  if (const auto order = post_release_key(a) <=> post_release_key(b); order != 0) return sign(order);
  if (const auto order = dev_release_key(a) <=> dev_release_key(b); order != 0) return sign(order);
  return sign(compare_local(a.local, b.local));
}

}  // namespace pier::vuln
