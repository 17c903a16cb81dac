// common/digest.h: content digests ("sha256:<hex>", "sha512:<hex>") and streaming hashing.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace pier {

enum class DigestAlgorithm { kSha256, kSha512 };

std::string_view algorithm_name(DigestAlgorithm algorithm);

// A validated digest: a supported algorithm and its lowercase hex of the right length.
class Digest {
 public:
  // kDigestInvalid for anything but "sha256:<64 hex>" or "sha512:<128 hex>" (lowercase).
  static Result<Digest> parse(std::string_view text);

  DigestAlgorithm algorithm() const { return algorithm_; }
  std::string_view hex() const { return std::string_view(text_).substr(text_.find(':') + 1); }
  const std::string& str() const { return text_; }

  friend bool operator==(const Digest&, const Digest&) = default;
  friend auto operator<=>(const Digest& a, const Digest& b) { return a.text_ <=> b.text_; }

 private:
  Digest(DigestAlgorithm algorithm, std::string text) : algorithm_(algorithm), text_(std::move(text)) {}
  DigestAlgorithm algorithm_;
  std::string text_;
  friend class Hasher;
};

// Incremental hash over a stream of bytes (OpenSSL EVP, so SHA-NI where the CPU has it).
// Not thread-safe; movable, not copyable.
class Hasher {
 public:
  explicit Hasher(DigestAlgorithm algorithm = DigestAlgorithm::kSha256);
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;

  void update(std::string_view bytes);
  // The digest of everything updated so far; the hasher must not be used afterwards.
  Digest finish();
  DigestAlgorithm algorithm() const { return algorithm_; }
  std::uint64_t bytes_hashed() const { return bytes_; }

  // The state so far as text, to be continued by another process (SHA-256 only; nullopt
  // for SHA-512). restore_state() rebuilds the hasher; nullopt if the text is not a state.
  std::optional<std::string> save_state() const;
  static std::optional<Hasher> restore_state(std::string_view state);

 private:
  struct Context;
  DigestAlgorithm algorithm_;
  std::unique_ptr<Context> context_;
  std::uint64_t bytes_ = 0;
};

Digest digest_of(std::string_view bytes, DigestAlgorithm algorithm = DigestAlgorithm::kSha256);

}  // namespace pier
