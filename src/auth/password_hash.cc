#include "auth/password_hash.h"

#include <argon2.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <semaphore>
#include <string>
#include <thread>

#include "auth/base64url.h"

namespace pier::auth {

namespace {
constexpr std::uint32_t kTimeCost = 2;           // passes
constexpr std::uint32_t kMemoryKiB = 19 * 1024;  // 19 MiB
constexpr std::uint32_t kParallelism = 1;        // lanes (and threads)
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;
// Far longer than any hash this file makes; bounds what argon2 allocates to decode a string.
constexpr std::size_t kMaxEncodedLength = 512;

// No more hashes at once than there are cores: each holds kMemoryKiB and keeps a core busy,
// so more at once would only add memory (eight sign-ins at once held 150 MiB) and make each
// one slower. The others wait their turn.
class HashingTurn {
 public:
  HashingTurn() { slots().acquire(); }
  ~HashingTurn() { slots().release(); }
  HashingTurn(const HashingTurn&) = delete;
  HashingTurn& operator=(const HashingTurn&) = delete;

 private:
  static std::counting_semaphore<>& slots() {
    static std::counting_semaphore<> semaphore(std::max<std::ptrdiff_t>(2, std::thread::hardware_concurrency()));
    return semaphore;
  }
};
}  // namespace

Result<std::string> hash_password(std::string_view password) {
  if (password.size() > std::numeric_limits<std::uint32_t>::max()) {
    return make_error(ErrorCode::kInternal, "password too long to hash");
  }
  unsigned char salt[kSaltBytes];
  if (RAND_bytes(salt, sizeof salt) != 1) {
    return make_error(ErrorCode::kInternal, "random number generator failed");
  }
  // argon2_encodedlen counts the terminating NUL.
  std::string encoded(argon2_encodedlen(kTimeCost, kMemoryKiB, kParallelism, kSaltBytes, kHashBytes, Argon2_id),
                      '\0');
  HashingTurn turn;
  const int rc = argon2id_hash_encoded(kTimeCost, kMemoryKiB, kParallelism, password.data(), password.size(), salt,
                                       sizeof salt, kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return make_error(ErrorCode::kInternal, std::string("password hashing failed: ") + argon2_error_message(rc));
  }
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool verify_password(std::string_view password, std::string_view encoded) {
  // argon2 reads a C string: an embedded NUL would hide whatever follows it.
  if (encoded.empty() || encoded.size() > kMaxEncodedLength || encoded.find('\0') != std::string_view::npos) {
    return false;
  }
  if (password.size() > std::numeric_limits<std::uint32_t>::max()) return false;
  const std::string terminated(encoded);
  HashingTurn turn;
  // argon2id_verify refuses any string that does not start "$argon2id$" (ARGON2_DECODING_FAIL).
  return argon2id_verify(terminated.c_str(), password.data(), password.size()) == ARGON2_OK;
}

Result<std::string> unmatchable_password_hash() {
  unsigned char random[kSaltBytes + kHashBytes];
  if (RAND_bytes(random, sizeof random) != 1) {
    return make_error(ErrorCode::kInternal, "random number generator failed");
  }
  const auto b64 = [](const unsigned char* bytes, std::size_t size) {
    std::string text = base64_encode(std::string_view(reinterpret_cast<const char*>(bytes), size));
    while (!text.empty() && text.back() == '=') text.pop_back();  // PHC strings carry no padding
    return text;
  };
  return "$argon2id$v=" + std::to_string(ARGON2_VERSION_NUMBER) + "$m=" + std::to_string(kMemoryKiB) +
         ",t=" + std::to_string(kTimeCost) + ",p=" + std::to_string(kParallelism) + "$" + b64(random, kSaltBytes) +
         "$" + b64(random + kSaltBytes, kHashBytes);
}

}  // namespace pier::auth
