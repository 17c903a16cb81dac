// signing/simple_signing.h: the payload of a "simple signing" signature, which both GPG
// signatures (containers/image's "atomic container signature") and cosign signatures sign.
//
//   {"critical": {"identity": {"docker-reference": "..."},
//                 "image": {"docker-manifest-digest": "sha256:..."},
//                 "type": "atomic container signature" | "cosign container image signature"},
//    "optional": {...}}
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pier::signing {

inline constexpr std::string_view kAtomicSignatureType = "atomic container signature";
inline constexpr std::string_view kCosignSignatureType = "cosign container image signature";

struct SimpleSigningPayload {
  std::string type;
  std::string manifest_digest;
  std::string docker_reference;  // may be empty
};

// nullopt unless `json` is an object with critical.type and critical.image.docker-manifest-digest
// strings.
std::optional<SimpleSigningPayload> parse_simple_signing(std::string_view json);

}  // namespace pier::signing
