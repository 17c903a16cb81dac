#include "common/digest.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace pier {

std::string_view algorithm_name(DigestAlgorithm algorithm) {
  return algorithm == DigestAlgorithm::kSha256 ? "sha256" : "sha512";
}

namespace {
std::size_t hex_length(DigestAlgorithm algorithm) {
  return algorithm == DigestAlgorithm::kSha256 ? 64 : 128;
}

bool is_lower_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Fetched once: OpenSSL 3 looks EVP_sha256() up in its provider store, under a lock, at every
// initialisation, and a token's hash is taken on every request that carries one.
const EVP_MD* evp_md(DigestAlgorithm algorithm) {
  static const EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  static const EVP_MD* const sha512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  const EVP_MD* md = algorithm == DigestAlgorithm::kSha256 ? sha256 : sha512;
  if (md == nullptr) throw std::runtime_error("OpenSSL offers no " + std::string(algorithm_name(algorithm)));
  return md;
}
}  // namespace

Result<Digest> Digest::parse(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    return make_error(ErrorCode::kDigestInvalid, "invalid digest: missing algorithm");
  }
  const auto name = text.substr(0, colon);
  const auto hex = text.substr(colon + 1);
  DigestAlgorithm algorithm;
  if (name == "sha256") {
    algorithm = DigestAlgorithm::kSha256;
  } else if (name == "sha512") {
    algorithm = DigestAlgorithm::kSha512;
  } else {
    return make_error(ErrorCode::kDigestInvalid, "unsupported digest algorithm");
  }
  if (hex.size() != hex_length(algorithm) || !is_lower_hex(hex)) {
    return make_error(ErrorCode::kDigestInvalid, "invalid digest: malformed hex");
  }
  return Digest(algorithm, std::string(text));
}

struct Hasher::Context {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Context() { EVP_MD_CTX_free(ctx); }
};

Hasher::Hasher(DigestAlgorithm algorithm)
    : algorithm_(algorithm), context_(std::make_unique<Context>()) {
  if (context_->ctx == nullptr || EVP_DigestInit_ex(context_->ctx, evp_md(algorithm), nullptr) != 1) {
    throw std::runtime_error("OpenSSL digest initialisation failed");
  }
}

Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

void Hasher::update(std::string_view bytes) {
  EVP_DigestUpdate(context_->ctx, bytes.data(), bytes.size());
  bytes_ += bytes.size();
}

Digest Hasher::finish() {
  unsigned char raw[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context_->ctx, raw, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text(algorithm_name(algorithm_));
  text.push_back(':');
  for (unsigned i = 0; i < length; ++i) {
    text.push_back(kHex[raw[i] >> 4]);
    text.push_back(kHex[raw[i] & 0xf]);
  }
  return Digest(algorithm_, std::move(text));
}

Digest digest_of(std::string_view bytes, DigestAlgorithm algorithm) {
  Hasher hasher(algorithm);
  hasher.update(bytes);
  return hasher.finish();
}

}  // namespace pier
