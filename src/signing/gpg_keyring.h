// signing/gpg_keyring.h: OpenPGP public keys and the signatures they make, through GPGME.
//
// One GnuPG home folder per process holds every public key any namespace trusts; which key a
// namespace trusts is decided by the caller from the signer's fingerprint, so one keyring
// serves all namespaces. GPGME runs gpg for every operation: callers cache what they verify.
#pragma once

#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace pier::signing {

struct GpgVerification {
  bool good = false;       // a valid, unexpired signature by a key in the keyring
  std::string signer;      // the primary key's fingerprint (uppercase hex), or the issuer's key id
                           // when the key is not in the keyring; empty if there is no signature
  std::string signed_data; // the signed bytes, when `good`
};

class GpgKeyring {
 public:
  // Creates `home` (mode 0700) if it is missing.
  explicit GpgKeyring(std::filesystem::path home);

  // Imports an ASCII-armored public key block; its primary keys' fingerprints. kBadRequest for
  // a secret key or text that holds no public key.
  Result<std::vector<std::string>> import(std::string_view armored);
  // Verifies an OpenPGP signed message (a signature with its data inside, as containers/image
  // writes) and gives the data it signs. Anything that is not one is simply not good.
  GpgVerification verify(std::string_view signed_message);

 private:
  const std::filesystem::path home_;
  std::mutex mutex_;  // one gpg at a time on the home folder
};

}  // namespace pier::signing
