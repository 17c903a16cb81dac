#include "signing/gpg_keyring.h"

#include <gpgme.h>

#include <fstream>
#include <memory>

namespace pier::signing {

namespace {

void initialize_gpgme() {
  static std::once_flag once;
  std::call_once(once, [] { gpgme_check_version(nullptr); });
}

struct ContextFree {
  void operator()(gpgme_ctx_t ctx) const { gpgme_release(ctx); }
};
using Context = std::unique_ptr<gpgme_context, ContextFree>;

struct DataFree {
  void operator()(gpgme_data_t data) const { gpgme_data_release(data); }
};
using Data = std::unique_ptr<gpgme_data, DataFree>;

struct KeyFree {
  void operator()(gpgme_key_t key) const { gpgme_key_unref(key); }
};
using Key = std::unique_ptr<_gpgme_key, KeyFree>;

Result<Context> open_context(const std::filesystem::path& home) {
  gpgme_ctx_t raw = nullptr;
  if (gpgme_new(&raw) != GPG_ERR_NO_ERROR) return make_error(ErrorCode::kInternal, "cannot start GPGME");
  Context ctx(raw);
  if (gpgme_set_protocol(ctx.get(), GPGME_PROTOCOL_OpenPGP) != GPG_ERR_NO_ERROR ||
      gpgme_ctx_set_engine_info(ctx.get(), GPGME_PROTOCOL_OpenPGP, nullptr, home.c_str()) != GPG_ERR_NO_ERROR) {
    return make_error(ErrorCode::kInternal, "cannot use gpg: is GnuPG installed?");
  }
  gpgme_set_offline(ctx.get(), 1);
  return ctx;
}

Data data_of(std::string_view bytes) {
  gpgme_data_t raw = nullptr;
  if (gpgme_data_new_from_mem(&raw, bytes.data(), bytes.size(), 1) != GPG_ERR_NO_ERROR) return Data();
  return Data(raw);
}

std::string take_bytes(Data data) {
  std::size_t length = 0;
  char* bytes = gpgme_data_release_and_get_mem(data.release(), &length);
  std::string out = bytes ? std::string(bytes, length) : std::string();
  gpgme_free(bytes);
  return out;
}

Error bad_key(std::string message) { return make_error(ErrorCode::kBadRequest, "gpg key: " + message); }

}  // namespace

GpgKeyring::GpgKeyring(std::filesystem::path home) : home_(std::move(home)) {
  initialize_gpgme();
  std::error_code ec;
  std::filesystem::create_directories(home_, ec);
  std::filesystem::permissions(home_, std::filesystem::perms::owner_all, ec);
  // Verifying and importing public keys need no gpg-agent; left to itself gpg would start one,
  // a daemon that outlives the server.
  std::ofstream(home_ / "gpg.conf") << "no-autostart\n";
}

Result<std::vector<std::string>> GpgKeyring::import(std::string_view armored) {
  if (armored.find("PRIVATE KEY BLOCK") != std::string_view::npos) {
    return bad_key("this is a secret key; give the public key (gpg --armor --export)");
  }
  if (armored.find("-----BEGIN PGP PUBLIC KEY BLOCK-----") == std::string_view::npos) {
    return bad_key("not an ASCII-armored public key (-----BEGIN PGP PUBLIC KEY BLOCK-----)");
  }
  std::lock_guard lock(mutex_);
  auto ctx = open_context(home_);
  if (!ctx) return ctx.error();
  Data key = data_of(armored);
  if (!key || gpgme_op_import(ctx->get(), key.get()) != GPG_ERR_NO_ERROR) return bad_key("cannot be read");
  gpgme_import_result_t result = gpgme_op_import_result(ctx->get());
  if (result == nullptr || result->secret_read > 0) return bad_key("holds a secret key");
  std::vector<std::string> fingerprints;
  for (gpgme_import_status_t status = result->imports; status; status = status->next) {
    if (status->result == GPG_ERR_NO_ERROR && status->fpr) fingerprints.emplace_back(status->fpr);
  }
  if (fingerprints.empty()) return bad_key("holds no usable public key");
  return fingerprints;
}

GpgVerification GpgKeyring::verify(std::string_view signed_message) {
  GpgVerification verification;
  std::lock_guard lock(mutex_);
  auto ctx = open_context(home_);
  if (!ctx) return verification;
  Data signature = data_of(signed_message);
  gpgme_data_t plain_raw = nullptr;
  if (!signature || gpgme_data_new(&plain_raw) != GPG_ERR_NO_ERROR) return verification;
  Data plain(plain_raw);
  if (gpgme_op_verify(ctx->get(), signature.get(), nullptr, plain.get()) != GPG_ERR_NO_ERROR) return verification;
  gpgme_verify_result_t result = gpgme_op_verify_result(ctx->get());
  // containers/image accepts a message with exactly one signature; so does this.
  if (result == nullptr || result->signatures == nullptr || result->signatures->next != nullptr) return verification;
  const gpgme_signature_t sig = result->signatures;
  verification.signer = sig->fpr ? sig->fpr : "";
  constexpr unsigned kDisqualifying = GPGME_SIGSUM_KEY_REVOKED | GPGME_SIGSUM_KEY_EXPIRED | GPGME_SIGSUM_SIG_EXPIRED |
                                      GPGME_SIGSUM_RED | GPGME_SIGSUM_KEY_MISSING;
  if (gpg_err_code(sig->status) != GPG_ERR_NO_ERROR || (sig->summary & kDisqualifying) != 0 || sig->fpr == nullptr) {
    return verification;
  }
  // The signing key may be a subkey; the primary key's fingerprint is the identity kept.
  gpgme_key_t key_raw = nullptr;
  if (gpgme_get_key(ctx->get(), sig->fpr, &key_raw, 0) != GPG_ERR_NO_ERROR || key_raw == nullptr) return verification;
  Key key(key_raw);
  if (key->subkeys == nullptr || key->subkeys->fpr == nullptr) return verification;
  verification.signer = key->subkeys->fpr;
  verification.good = true;
  verification.signed_data = take_bytes(std::move(plain));
  return verification;
}

}  // namespace pier::signing
