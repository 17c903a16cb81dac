#include "vuln/version_apk.h"

#include <array>

// The order is apk-tools' (apk_version_compare in its src/version.c), restated:
//  - a version is read piece by piece: the first number, ".number"s, one lowercase letter,
//    "_suffix" with an optional number (any number of them), and "-rN", the package release;
//  - numbers compare numerically, except that a dotted number with leading zeros counts as minus
//    the number of zeros followed by the rest as a number of its own (so 1.01 < 1.1 and
//    1.00 < 1.0), a letter by its character;
//  - the suffixes rank _alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p;
//  - when two versions agree up to where one has a piece the other lacks or has a piece of a
//    different kind, a pre-release suffix makes its side older; otherwise the side whose next
//    piece comes earlier in dotted number, number, letter, suffix, suffix number, release, end is
//    newer (1.2.1 > 1.2a > 1.2_p1 > 1.2-r1 > 1.2 > 1.2_rc1).

namespace pier::vuln {

namespace {

using Kind = ApkPieceKind;

constexpr std::array<std::string_view, 4> kPreReleaseSuffixes{"alpha", "beta", "pre", "rc"};
constexpr std::array<std::string_view, 5> kPostReleaseSuffixes{"cvs", "svn", "git", "hg", "p"};
// apk's numbers are C ints; more digits than fit in 64 bits are refused rather than wrapped.
constexpr std::size_t kMaxDigits = 18;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_lowercase(char c) { return c >= 'a' && c <= 'z'; }

std::optional<std::int64_t> take_number(std::string_view& text, bool digits_required) {
  std::size_t length = 0;
  while (length < text.size() && is_digit(text[length])) ++length;
  if (length > kMaxDigits || (digits_required && length == 0)) return std::nullopt;
  std::int64_t value = 0;
  for (const char digit : text.substr(0, length)) value = value * 10 + (digit - '0');
  text.remove_prefix(length);
  return value;
}

std::optional<std::int64_t> take_suffix(std::string_view& text) {
  for (std::size_t rank = 0; rank < kPreReleaseSuffixes.size(); ++rank) {
    if (!text.starts_with(kPreReleaseSuffixes[rank])) continue;
    text.remove_prefix(kPreReleaseSuffixes[rank].size());
    return static_cast<std::int64_t>(rank) - static_cast<std::int64_t>(kPreReleaseSuffixes.size());
  }
  for (std::size_t rank = 0; rank < kPostReleaseSuffixes.size(); ++rank) {
    if (!text.starts_with(kPostReleaseSuffixes[rank])) continue;
    text.remove_prefix(kPostReleaseSuffixes[rank].size());
    return static_cast<std::int64_t>(rank);
  }
  return std::nullopt;
}

std::size_t leading_zeros(std::string_view text) {
  const auto end = text.find_first_not_of('0');
  return end == std::string_view::npos ? text.size() : end;
}

struct TakenPiece {
  std::int64_t value = 0;
  std::optional<Kind> next_kind;  // set when the piece decides the kind of the one after it
};

std::optional<TakenPiece> take_piece(Kind kind, std::string_view& text) {
  switch (kind) {
    case Kind::kDottedNumber:
      if (const auto zeros = leading_zeros(text); zeros > 0) {
        text.remove_prefix(zeros);
        return TakenPiece{-static_cast<std::int64_t>(zeros), Kind::kNumber};
      }
      [[fallthrough]];
    case Kind::kRelease:
      if (const auto value = take_number(text, true)) return TakenPiece{*value, std::nullopt};
      return std::nullopt;
    case Kind::kNumber:  // after a dotted number's leading zeros, it may have no digits at all
    case Kind::kSuffixNumber:
      if (const auto value = take_number(text, false)) return TakenPiece{*value, std::nullopt};
      return std::nullopt;
    case Kind::kLetter: {
      const char letter = text.front();
      text.remove_prefix(1);
      return TakenPiece{letter, std::nullopt};
    }
    case Kind::kSuffix:
      if (const auto value = take_suffix(text)) return TakenPiece{*value, std::nullopt};
      return std::nullopt;
    case Kind::kEnd: break;
  }
  return std::nullopt;
}

// A kind may follow one later in the order only as these steps back: another dotted number after
// a number, another suffix after a suffix's number, a number after a letter.
bool may_follow(Kind previous, Kind next) {
  if (next >= previous) return true;
  return (next == Kind::kDottedNumber && previous == Kind::kNumber) ||
         (next == Kind::kSuffix && previous == Kind::kSuffixNumber) ||
         (next == Kind::kNumber && previous == Kind::kLetter);
}

std::optional<Kind> separator_kind(std::string_view& text) {
  const char separator = text.front();
  text.remove_prefix(1);
  if (separator == '.') return Kind::kDottedNumber;
  if (separator == '_') return Kind::kSuffix;
  if (separator == '-' && text.starts_with('r')) {
    text.remove_prefix(1);
    return Kind::kRelease;
  }
  return std::nullopt;
}

std::optional<Kind> take_next_kind(Kind previous, std::string_view& text) {
  const char next = text.front();
  std::optional<Kind> kind;
  if ((previous == Kind::kNumber || previous == Kind::kDottedNumber) && is_lowercase(next)) {
    kind = Kind::kLetter;
  } else if (previous == Kind::kLetter && is_digit(next)) {
    kind = Kind::kNumber;
  } else if (previous == Kind::kSuffix && is_digit(next)) {
    kind = Kind::kSuffixNumber;
  } else {
    kind = separator_kind(text);
  }
  if (!kind || !may_follow(previous, *kind)) return std::nullopt;
  return kind;
}

Kind kind_after(const ApkVersion& version, std::size_t index) {
  return index + 1 < version.size() ? version[index + 1].kind : Kind::kEnd;
}

bool is_pre_release_suffix(const ApkVersion& version, std::size_t index) {
  return version[index].kind == Kind::kSuffix && version[index].value < 0;
}

}  // namespace

std::optional<ApkVersion> parse_apk_version(std::string_view text) {
  if (text.empty() || !is_digit(text.front())) return std::nullopt;
  ApkVersion pieces;
  Kind kind = Kind::kNumber;
  while (true) {
    const auto piece = take_piece(kind, text);
    if (!piece) return std::nullopt;
    pieces.push_back({kind, piece->value});
    if (text.empty()) return pieces;
    const auto next = piece->next_kind ? piece->next_kind : take_next_kind(kind, text);
    if (!next || text.empty()) return std::nullopt;
    kind = *next;
  }
}

int compare_apk_versions(const ApkVersion& a, const ApkVersion& b) {
  for (std::size_t index = 0;; ++index) {
    if (a[index].value != b[index].value) return a[index].value < b[index].value ? -1 : 1;
    const Kind next_a = kind_after(a, index);
    const Kind next_b = kind_after(b, index);
    if (next_a != next_b) {
      if (next_a == Kind::kSuffix && is_pre_release_suffix(a, index + 1)) return -1;
      if (next_b == Kind::kSuffix && is_pre_release_suffix(b, index + 1)) return 1;
      return next_a > next_b ? -1 : 1;
    }
    if (next_a == Kind::kEnd) return 0;
  }
}

}  // namespace pier::vuln
