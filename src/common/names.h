// common/names.h: repository names, tags and references, validated against the OCI grammar.
//
// Every path built from a client-supplied name goes through these checks first, so a
// name that passes can never contain "..", a leading "/" or any byte outside [a-z0-9._/-].
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/digest.h"
#include "common/error.h"

namespace pier {

inline constexpr std::size_t kMaxRepositoryNameLength = 255;
inline constexpr std::size_t kMaxTagLength = 128;

// path-component ("/" path-component)*, where a component is
// [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* and the whole is at most 255 characters.
bool is_valid_repository_name(std::string_view name);
// [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}
bool is_valid_tag(std::string_view tag);

// kNameInvalid with a message naming the rule that failed.
Result<void> check_repository_name(std::string_view name);

// A manifest reference: a tag or a digest.
using Reference = std::variant<std::string, Digest>;
// User, organization and team names: [a-z0-9][a-z0-9_.-]{1,254} (users and organizations
// share one namespace of names, the first component of repository names).
bool is_valid_account_name(std::string_view name);

// Text containing ':' must be a digest (kDigestInvalid otherwise); anything else must be a
// valid tag (kManifestInvalid otherwise; GET and DELETE callers answer kManifestUnknown).
Result<Reference> parse_reference(std::string_view text);

// "acme" for "acme/app", "" for "app".
std::string_view namespace_of(std::string_view repository);

// The attachment tags of cosign's scheme: "<algorithm>-<hex>.sig" holds the signatures of
// manifest <algorithm>:<hex>, ".att" its attestations and ".sbom" its SBOM. They belong to
// that manifest and are removed with it.
std::string signature_tag(const Digest& digest);
std::vector<std::string> attachment_tags(const Digest& digest);
// The digest an attachment tag belongs to; nullopt for any other tag.
std::optional<std::string> attached_to(std::string_view tag);

}  // namespace pier
