// signing/signature_manifest.h: how signatures sit in a repository beside what they sign.
//
// cosign (and containers/image with use-sigstore-attachments) keeps an image's signatures in
// one OCI manifest tagged "sha256-<hex>.sig" after the image's digest (common/names.h); OCI 1.1 clients push a
// manifest whose `subject` is the image instead. Either way each signature is one layer: the
// simple-signing payload as the blob, the signature in an annotation.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/digest.h"

namespace pier::signing {

inline constexpr std::string_view kCosignPayloadMediaType = "application/vnd.dev.cosign.simplesigning.v1+json";
inline constexpr std::string_view kCosignSignatureAnnotation = "dev.cosignproject.cosign/signature";

struct CosignSignatureLayer {
  std::string payload_digest;  // the blob holding the simple-signing payload
  std::string signature;       // the raw signature bytes (DER for ECDSA)
};

// The layers of `manifest` (JSON) that hold a cosign signature; empty for any other manifest.
std::vector<CosignSignatureLayer> cosign_signature_layers(std::string_view manifest);

// Whether a manifest is something a client runs (an image with filesystem layers, or an index
// of them) rather than an artifact about one (signatures, attestations, SBOMs): signing
// policies govern only the former.
bool is_runnable(std::string_view media_type, std::string_view manifest);

}  // namespace pier::signing
