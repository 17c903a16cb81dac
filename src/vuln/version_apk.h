// vuln/version_apk.h: Alpine package versions, ordered as apk-tools orders them.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace pier::vuln {

// What each piece of an apk version is; the declaration order is the order that decides between
// two versions that agree up to where one has a piece of one kind and the other of another.
enum class ApkPieceKind { kDottedNumber, kNumber, kLetter, kSuffix, kSuffixNumber, kRelease, kEnd };

struct ApkPiece {
  ApkPieceKind kind = ApkPieceKind::kNumber;
  std::int64_t value = 0;
};

// A version split into its pieces, e.g. "1.2a_rc3-r1" into 1, .2, a, _rc, 3, -r1.
using ApkVersion = std::vector<ApkPiece>;

// The grammar is number{.number}[letter]{_suffix[number]}[-rN]; nullopt for anything else, for a
// version not starting with a digit, and for a number of more than 18 digits.
std::optional<ApkVersion> parse_apk_version(std::string_view text);
int compare_apk_versions(const ApkVersion& a, const ApkVersion& b);

}  // namespace pier::vuln
