#include "common/digest.h"

#include "common/text.h"

// The SHA-256 state is saved between requests (an upload continued on another replica), and
// only the low-level context can be read out: EVP's is opaque. Same assembly either way.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <functional>
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
  EVP_MD_CTX* ctx = nullptr;  // sha512
  SHA256_CTX sha256{};        // sha256
  ~Context() { EVP_MD_CTX_free(ctx); }
};

Hasher::Hasher(DigestAlgorithm algorithm)
    : algorithm_(algorithm), context_(std::make_unique<Context>()) {
  if (algorithm == DigestAlgorithm::kSha256) {
    SHA256_Init(&context_->sha256);
    return;
  }
  context_->ctx = EVP_MD_CTX_new();
  if (context_->ctx == nullptr || EVP_DigestInit_ex(context_->ctx, evp_md(algorithm), nullptr) != 1) {
    throw std::runtime_error("OpenSSL digest initialisation failed");
  }
}

Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

void Hasher::update(std::string_view bytes) {
  if (algorithm_ == DigestAlgorithm::kSha256) {
    SHA256_Update(&context_->sha256, bytes.data(), bytes.size());
  } else {
    EVP_DigestUpdate(context_->ctx, bytes.data(), bytes.size());
  }
  bytes_ += bytes.size();
}

namespace {
// The words of a SHA-256 context in a fixed order, so a saved state means the same to
// every process that reads it.
constexpr std::size_t kSha256StateWords = 8 + 2 + SHA_LBLOCK + 2;

void sha256_words(SHA256_CTX& c, const std::function<void(SHA_LONG&)>& visit) {
  for (auto& word : c.h) visit(word);
  visit(c.Nl);
  visit(c.Nh);
  for (auto& word : c.data) visit(word);
  SHA_LONG num = c.num, md_len = c.md_len;
  visit(num);
  visit(md_len);
  c.num = num;
  c.md_len = md_len;
}
}  // namespace

std::optional<std::string> Hasher::save_state() const {
  if (algorithm_ != DigestAlgorithm::kSha256) return std::nullopt;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text = "sha256:" + std::to_string(bytes_) + ":";
  SHA256_CTX copy = context_->sha256;
  sha256_words(copy, [&](SHA_LONG& word) {
    for (int shift = 28; shift >= 0; shift -= 4) text.push_back(kHex[(word >> shift) & 0xf]);
  });
  return text;
}

std::optional<Hasher> Hasher::restore_state(std::string_view state) {
  constexpr std::string_view kPrefix = "sha256:";
  if (!state.starts_with(kPrefix)) return std::nullopt;
  state.remove_prefix(kPrefix.size());
  const auto colon = state.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 20) return std::nullopt;
  std::uint64_t bytes = 0;
  for (char c : state.substr(0, colon)) {
    if (c < '0' || c > '9') return std::nullopt;
    bytes = bytes * 10 + static_cast<std::uint64_t>(c - '0');
  }
  const auto hex = state.substr(colon + 1);
  if (hex.size() != kSha256StateWords * 8 || !is_lower_hex(hex)) return std::nullopt;
  Hasher hasher(DigestAlgorithm::kSha256);
  std::size_t at = 0;
  sha256_words(hasher.context_->sha256, [&](SHA_LONG& word) {
    word = 0;
    for (int i = 0; i < 8; ++i, ++at) {
      const char c = hex[at];
      word = (word << 4) | static_cast<SHA_LONG>(c <= '9' ? c - '0' : c - 'a' + 10);
    }
  });
  const auto& c = hasher.context_->sha256;
  // A state whose counters disagree with its byte count, or whose block is overfull, was not saved by
  // save_state(): refusing it beats a digest that silently never matches.
  if (c.num >= SHA256_CBLOCK || c.md_len != SHA256_DIGEST_LENGTH ||
      ((static_cast<std::uint64_t>(c.Nh) << 32) | c.Nl) != bytes * 8) {
    return std::nullopt;
  }
  hasher.bytes_ = bytes;
  return hasher;
}

Digest Hasher::finish() {
  unsigned char raw[EVP_MAX_MD_SIZE];
  unsigned int length = SHA256_DIGEST_LENGTH;
  if (algorithm_ == DigestAlgorithm::kSha256) {
    SHA256_Final(raw, &context_->sha256);
  } else {
    EVP_DigestFinal_ex(context_->ctx, raw, &length);
  }
  std::string text(algorithm_name(algorithm_));
  text.push_back(':');
  text += lower_hex(raw, length);
  return Digest(algorithm_, std::move(text));
}

Digest digest_of(std::string_view bytes, DigestAlgorithm algorithm) {
  Hasher hasher(algorithm);
  hasher.update(bytes);
  return hasher.finish();
}

}  // namespace pier
