#include "services/signing_service.h"

#include <algorithm>

#include "common/names.h"
#include "signing/cosign_key.h"
#include "signing/gpg_keyring.h"
#include "signing/signature_manifest.h"
#include "signing/simple_signing.h"

namespace pier::services {

namespace {

// A simple-signing payload is a few hundred bytes; anything near this is not one.
constexpr std::uint64_t kMaxPayloadBytes = 64 * 1024;
constexpr std::size_t kMaxCachedOutcomes = 10000;

bool is_hex32(std::string_view text) {
  return text.size() == 32 &&
         std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool payload_names(std::string_view payload, const Digest& digest, std::string_view type) {
  const auto parsed = signing::parse_simple_signing(payload);
  return parsed && parsed->type == type && parsed->manifest_digest == digest.str();
}

}  // namespace

struct SigningService::Trust {
  std::vector<std::string> gpg_keys;  // primary key fingerprints
  std::vector<signing::CosignKey> cosign_keys;
};

SigningService::SigningService(meta::SignatureStore& store, meta::MetadataStore& metadata, BlobService& blobs,
                               signing::GpgKeyring& keyring, Clock& clock, bool shared)
    : store_(store), metadata_(metadata), blobs_(blobs), keyring_(keyring), clock_(clock), shared_(shared) {}

Result<void> SigningService::load() {
  auto names = store_.enforcing_namespaces();
  if (!names) return names.error();
  std::unique_lock lock(enforcing_mutex_);
  enforcing_ = std::unordered_set<std::string>(names->begin(), names->end());
  any_enforcing_ = !enforcing_.empty();
  return {};
}

void SigningService::remember_enforcing(std::string_view namespace_name, bool enforce) {
  {
    std::lock_guard policies_lock(policies_mutex_);
    policies_.erase(std::string(namespace_name));
  }
  std::unique_lock lock(enforcing_mutex_);
  if (enforce) {
    enforcing_.emplace(namespace_name);
  } else {
    enforcing_.erase(std::string(namespace_name));
  }
  any_enforcing_ = !enforcing_.empty();
}

Result<std::optional<meta::SigningPolicy>> SigningService::policy(std::string_view namespace_name) {
  return store_.signing_policy(namespace_name);
}

Result<meta::SigningPolicy> SigningService::set_policy(std::string_view namespace_name, bool enforce,
                                                       const std::vector<KeyInput>& keys) {
  if (keys.size() > kMaxKeys) return make_error(ErrorCode::kBadRequest, "keys: at most 32 keys");
  meta::SigningPolicy policy;
  policy.enforce = enforce;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto& key = keys[i];
    const std::string where = "keys[" + std::to_string(i) + "]: ";
    meta::TrustedKey trusted{key.type, "", key.public_key};
    if (key.type == "cosign") {
      auto parsed = signing::CosignKey::parse(key.public_key);
      if (!parsed) return make_error(ErrorCode::kBadRequest, where + parsed.error().message);
      trusted.key_id = parsed->key_id();
    } else if (key.type == "gpg") {
      auto imported = keyring_.import(key.public_key);
      if (!imported) return make_error(ErrorCode::kBadRequest, where + imported.error().message);
      if (imported->size() != 1) {
        return make_error(ErrorCode::kBadRequest, where + "gpg key: give one public key per entry");
      }
      trusted.key_id = imported->front();
      std::lock_guard lock(gpg_mutex_);
      imported_keys_.insert(trusted.key_id);
      ++keyring_generation_;
    } else {
      return make_error(ErrorCode::kBadRequest, where + "type must be \"gpg\" or \"cosign\"");
    }
    const bool repeated = std::any_of(policy.keys.begin(), policy.keys.end(),
                                      [&](const meta::TrustedKey& k) { return k.key_id == trusted.key_id; });
    if (!repeated) policy.keys.push_back(std::move(trusted));
  }
  if (enforce && policy.keys.empty()) {
    return make_error(ErrorCode::kBadRequest, "keys: an enforced policy needs at least one trusted key");
  }
  if (auto stored = store_.set_signing_policy(namespace_name, policy, clock_.unix_seconds()); !stored) {
    return stored.error();
  }
  remember_enforcing(namespace_name, enforce);
  return policy;
}

Result<void> SigningService::remove_policy(std::string_view namespace_name) {
  if (auto removed = store_.set_signing_policy(namespace_name, std::nullopt, clock_.unix_seconds()); !removed) {
    return removed.error();
  }
  remember_enforcing(namespace_name, false);
  return {};
}

Result<std::vector<meta::StoredSignature>> SigningService::extension_signatures(std::string_view repository,
                                                                                const Digest& digest) {
  auto manifest = metadata_.get_manifest(repository, digest);
  if (!manifest) return manifest.error();
  if (!*manifest) return make_error(ErrorCode::kManifestUnknown, "manifest unknown to registry", "{\"digest\":\"" + digest.str() + "\"}");
  return store_.manifest_signatures(repository, digest);
}

Result<void> SigningService::add_extension_signature(std::string_view repository, const Digest& digest,
                                                     std::string_view name, std::string_view content) {
  const auto at = name.find('@');
  if (at == std::string_view::npos || name.substr(0, at) != digest.str() || !is_hex32(name.substr(at + 1))) {
    return make_error(ErrorCode::kBadRequest, "name must be \"" + digest.str() + "@\" and 32 lowercase hex digits");
  }
  if (content.empty()) return make_error(ErrorCode::kBadRequest, "content must hold the signature");
  if (content.size() > kMaxSignatureBytes) {
    return make_error(ErrorCode::kPayloadTooLarge, "a signature may be at most 256 KiB");
  }
  auto existing = extension_signatures(repository, digest);
  if (!existing) return existing.error();
  if (existing->size() >= kMaxSignaturesPerManifest) {
    return make_error(ErrorCode::kDenied, "this manifest has 64 signatures already; no more are kept");
  }
  for (const auto& signature : *existing) {
    if (signature.name == name) return make_error(ErrorCode::kBadRequest, "a signature named " + std::string(name) + " exists");
  }
  auto added = store_.add_manifest_signature(repository, digest,
                                             {std::string(name), std::string(content), clock_.unix_seconds()});
  if (!added) return added.error();
  if (!*added) return make_error(ErrorCode::kManifestUnknown, "manifest unknown to registry");
  return {};
}

std::shared_ptr<const SigningService::Trust> SigningService::trust_of(const meta::SigningPolicy& policy) {
  auto trust = std::make_shared<Trust>();
  for (const auto& key : policy.keys) {
    if (key.type == "cosign") {
      if (auto parsed = signing::CosignKey::parse(key.public_key)) trust->cosign_keys.push_back(std::move(*parsed));
      continue;
    }
    trust->gpg_keys.push_back(key.key_id);
    std::lock_guard lock(gpg_mutex_);
    // Another replica may have taken the key: this process's keyring learns it on first use.
    if (imported_keys_.count(key.key_id) == 0 && keyring_.import(key.public_key)) {
      imported_keys_.insert(key.key_id);
      ++keyring_generation_;
    }
  }
  return trust;
}

SignatureView SigningService::verify_gpg(std::string_view content, const Digest& digest, const Trust& trust) {
  GpgOutcome outcome;
  std::string cache_key;
  bool cached = false;
  {
    std::lock_guard lock(gpg_mutex_);
    cache_key = digest_of(content).str() + "/" + std::to_string(keyring_generation_);
    if (auto it = gpg_outcomes_.find(cache_key); it != gpg_outcomes_.end()) {
      outcome = it->second;
      cached = true;
    }
  }
  if (!cached) {
    const auto verification = keyring_.verify(content);
    outcome = {verification.good, verification.signer, verification.signed_data};
    std::lock_guard lock(gpg_mutex_);
    if (gpg_outcomes_.size() >= kMaxCachedOutcomes) gpg_outcomes_.clear();
    gpg_outcomes_.emplace(cache_key, outcome);
  }
  SignatureView view;
  view.type = "gpg";
  view.key_id = outcome.signer;
  view.verified = outcome.good &&
                  std::find(trust.gpg_keys.begin(), trust.gpg_keys.end(), outcome.signer) != trust.gpg_keys.end() &&
                  payload_names(outcome.signed_data, digest, signing::kAtomicSignatureType);
  return view;
}

Result<void> SigningService::add_cosign_views(const Digest& digest,
                                              const meta::StoredManifest& holder, std::string_view source,
                                              const Trust& trust, std::vector<SignatureView>& views) {
  for (const auto& layer : signing::cosign_signature_layers(holder.content)) {
    SignatureView view;
    view.type = "cosign";
    view.source = std::string(source);
    view.name = holder.digest;
    auto payload_digest = Digest::parse(layer.payload_digest);
    if (!payload_digest) continue;
    auto payload = blobs_.read_whole(*payload_digest, kMaxPayloadBytes);
    if (!payload) {
      if (payload.error().code != ErrorCode::kBlobUnknown && payload.error().code != ErrorCode::kPayloadTooLarge) {
        return payload.error();
      }
    } else if (payload_names(*payload, digest, signing::kCosignSignatureType)) {
      for (const auto& key : trust.cosign_keys) {
        if (key.verifies(*payload, layer.signature)) {
          view.key_id = key.key_id();
          view.verified = true;
          break;
        }
      }
    }
    views.push_back(std::move(view));
  }
  return {};
}

Result<std::vector<SignatureView>> SigningService::verify_all(std::string_view repository, const Digest& digest,
                                                              const Trust& trust, bool stop_at_first_verified) {
  std::vector<SignatureView> views;
  const auto done = [&] { return stop_at_first_verified && !views.empty() && views.back().verified; };
  auto extension = store_.manifest_signatures(repository, digest);
  if (!extension) return extension.error();
  for (const auto& signature : *extension) {
    auto view = verify_gpg(signature.content, digest, trust);
    view.source = "extension";
    view.name = signature.name;
    views.push_back(std::move(view));
    if (done()) return views;
  }
  auto tagged = metadata_.get_tagged_manifest(repository, signature_tag(digest));
  if (!tagged) return tagged.error();
  if (*tagged) {
    if (auto added = add_cosign_views(digest, **tagged, "tag", trust, views); !added) return added.error();
    if (stop_at_first_verified && std::any_of(views.begin(), views.end(), [](const auto& v) { return v.verified; })) {
      return views;
    }
  }
  auto referrers = metadata_.list_referrers(repository, digest, std::nullopt);
  if (!referrers) return referrers.error();
  for (const auto& referrer : *referrers) {
    auto referrer_digest = Digest::parse(referrer.digest);
    if (!referrer_digest) continue;
    auto holder = metadata_.get_manifest(repository, *referrer_digest);
    if (!holder) return holder.error();
    if (!*holder) continue;
    if (auto added = add_cosign_views(digest, **holder, "referrer", trust, views); !added) {
      return added.error();
    }
    if (stop_at_first_verified && std::any_of(views.begin(), views.end(), [](const auto& v) { return v.verified; })) {
      return views;
    }
  }
  return views;
}

Result<std::vector<SignatureView>> SigningService::signatures(std::string_view repository, const Digest& digest) {
  auto policy = store_.signing_policy(namespace_of(repository));
  if (!policy) return policy.error();
  const auto trust = trust_of(policy->value_or(meta::SigningPolicy{}));
  return verify_all(repository, digest, *trust, false);
}

Result<bool> SigningService::signed_by_trusted(std::string_view repository, const Digest& digest, const Trust& trust) {
  auto views = verify_all(repository, digest, trust, true);
  if (!views) return views.error();
  return std::any_of(views->begin(), views->end(), [](const SignatureView& view) { return view.verified; });
}

bool SigningService::may_verify(std::string_view repository) const {
  if (!any_enforcing_.load(std::memory_order_relaxed)) return false;
  if (shared_) return true;
  std::shared_lock lock(enforcing_mutex_);
  return enforcing_.count(std::string(namespace_of(repository))) > 0;
}

Result<std::shared_ptr<const SigningService::Enforced>> SigningService::enforced(std::string_view namespace_name) {
  using Found = std::shared_ptr<const Enforced>;
  if (!shared_) {
    if (!any_enforcing_.load(std::memory_order_relaxed)) return Found();
    {
      std::shared_lock lock(enforcing_mutex_);
      if (enforcing_.count(std::string(namespace_name)) == 0) return Found();
    }
    std::lock_guard lock(policies_mutex_);
    if (auto it = policies_.find(std::string(namespace_name)); it != policies_.end()) return it->second;
  }
  auto policy = store_.signing_policy(namespace_name);
  if (!policy) return policy.error();
  if (!*policy || !(*policy)->enforce) return Found();
  // Replicas learn here that a namespace enforces: later requests verify off the I/O threads.
  any_enforcing_ = true;
  auto parsed = std::make_shared<Enforced>();
  parsed->trust = trust_of(**policy);
  parsed->fingerprint = std::string(namespace_name);
  for (const auto& key : (*policy)->keys) parsed->fingerprint += "/" + key.key_id;
  if (!shared_) {
    std::lock_guard lock(policies_mutex_);
    policies_[std::string(namespace_name)] = parsed;
  }
  return Found(std::move(parsed));
}

bool SigningService::admitted_recently(const std::string& key) {
  std::lock_guard lock(admitted_mutex_);
  const auto it = admitted_.find(key);
  return it != admitted_.end() && std::chrono::steady_clock::now() < it->second;
}

void SigningService::remember_admitted(const std::string& key) {
  std::lock_guard lock(admitted_mutex_);
  if (admitted_.size() >= kMaxAdmitted) admitted_.clear();
  admitted_[key] = std::chrono::steady_clock::now() + kAdmittedFor;
}

Result<void> SigningService::admit(std::string_view repository, const meta::StoredManifest& manifest) {
  const auto namespace_name = namespace_of(repository);
  auto policy = enforced(namespace_name);
  if (!policy) return policy.error();
  if (!*policy || !signing::is_runnable(manifest.media_type, manifest.content)) return {};
  auto digest = Digest::parse(manifest.digest);
  if (!digest) return digest.error();
  const std::string decision = (*policy)->fingerprint + "\n" + std::string(repository) + "@" + manifest.digest;
  if (admitted_recently(decision)) return {};
  const auto& trust = *(*policy)->trust;
  auto signed_itself = signed_by_trusted(repository, *digest, trust);
  if (!signed_itself) return signed_itself.error();
  if (*signed_itself) {
    remember_admitted(decision);
    return {};
  }
  // A client pulls an index's images by digest after verifying the index's signature.
  auto indexes = store_.indexes_listing(repository, *digest);
  if (!indexes) return indexes.error();
  for (const auto& index : *indexes) {
    auto index_digest = Digest::parse(index);
    if (!index_digest) continue;
    auto signed_index = signed_by_trusted(repository, *index_digest, trust);
    if (!signed_index) return signed_index.error();
    if (*signed_index) {
      remember_admitted(decision);
      return {};
    }
  }
  return make_error(ErrorCode::kDenied, std::string(repository) + "@" + manifest.digest +
                                            " is not signed by a key that namespace " + std::string(namespace_name) +
                                            " trusts: its signing policy refuses to serve unsigned images");
}

}  // namespace pier::services
