#include "meta/postgres/pg_signature_store.h"

#include "meta/postgres/pg_database.h"
#include "meta/postgres/pg_tag_rows.h"

namespace pier::meta {
namespace {

using postgres::Connection;
using postgres::Param;

class PostgresSignatureStore final : public SignatureStore {
 public:
  explicit PostgresSignatureStore(const std::string& url) : db_(url, {"metadata store", true}) {}

  Result<std::optional<SigningPolicy>> signing_policy(std::string_view namespace_name) override {
    return db_.read<std::optional<SigningPolicy>>([&](Connection& db) -> Result<std::optional<SigningPolicy>> {
      auto policy_row = db.query("SELECT enforce FROM signing_policies WHERE namespace = $1", {namespace_name});
      if (policy_row.empty()) return std::optional<SigningPolicy>();
      SigningPolicy policy;
      policy.enforce = policy_row.boolean(0, 0);
      auto keys = db.query(
          "SELECT key_type, key_id, public_key FROM signing_keys WHERE namespace = $1 ORDER BY position",
          {namespace_name});
      for (int i = 0; i < keys.size(); ++i) {
        policy.keys.push_back(TrustedKey{keys.text(i, 0), keys.text(i, 1), keys.text(i, 2)});
      }
      return std::optional<SigningPolicy>(std::move(policy));
    });
  }

  Result<void> set_signing_policy(std::string_view namespace_name, const std::optional<SigningPolicy>& policy,
                                  std::int64_t now) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      db.query("DELETE FROM signing_policies WHERE namespace = $1", {namespace_name});
      if (!policy) return {};
      db.query("INSERT INTO signing_policies (namespace, enforce, updated_at) VALUES ($1, $2, $3)",
               {namespace_name, policy->enforce, now});
      std::int64_t position = 0;
      for (const auto& key : policy->keys) {
        db.query("INSERT INTO signing_keys (namespace, position, key_type, key_id, public_key) "
                 "VALUES ($1, $2, $3, $4, $5)",
                 {namespace_name, position++, key.type, key.key_id, key.public_key});
      }
      return {};
    });
  }

  Result<std::vector<std::string>> enforcing_namespaces() override {
    return db_.read<std::vector<std::string>>([&](Connection& db) -> Result<std::vector<std::string>> {
      auto rows = db.query("SELECT namespace FROM signing_policies WHERE enforce ORDER BY namespace");
      std::vector<std::string> names;
      for (int i = 0; i < rows.size(); ++i) names.push_back(rows.text(i, 0));
      return names;
    });
  }

  Result<std::vector<StoredSignature>> manifest_signatures(std::string_view repository, const Digest& digest) override {
    return db_.read<std::vector<StoredSignature>>([&](Connection& db) -> Result<std::vector<StoredSignature>> {
      auto rows = db.query(
          "SELECT s.name, s.content, s.created_at FROM manifest_signatures s JOIN repositories r ON r.id = s.repository_id "
          "WHERE r.name = $1 AND s.manifest_digest = $2 ORDER BY s.name",
          {repository, digest.str()});
      std::vector<StoredSignature> signatures;
      for (int i = 0; i < rows.size(); ++i) {
        signatures.push_back(StoredSignature{rows.text(i, 0), rows.bytes(i, 1), rows.integer(i, 2)});
      }
      return signatures;
    });
  }

  Result<bool> add_manifest_signature(std::string_view repository, const Digest& digest,
                                      const StoredSignature& signature) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      const auto repo = postgres::find_repository_id(db, repository);
      if (!repo) return false;
      // Share-locked like a push's references, so a manifest being deleted keeps no signature.
      auto stored = db.query("SELECT 1 FROM manifests WHERE repository_id = $1 AND digest = $2 FOR SHARE",
                             {*repo, digest.str()});
      if (stored.empty()) return false;
      db.query("INSERT INTO manifest_signatures (repository_id, manifest_digest, name, content, created_at) "
               "VALUES ($1, $2, $3, $4, $5)",
               {*repo, digest.str(), signature.name, Param::bytes(signature.content), signature.created_at});
      return true;
    });
  }

  Result<std::vector<std::string>> indexes_listing(std::string_view repository, const Digest& digest) override {
    return db_.read<std::vector<std::string>>([&](Connection& db) -> Result<std::vector<std::string>> {
      auto rows = db.query(
          "SELECT mr.manifest_digest FROM manifest_references mr JOIN repositories r ON r.id = mr.repository_id "
          "WHERE r.name = $1 AND mr.child_digest = $2 AND mr.child_kind = 1 ORDER BY mr.manifest_digest",
          {repository, digest.str()});
      std::vector<std::string> digests;
      for (int i = 0; i < rows.size(); ++i) digests.push_back(rows.text(i, 0));
      return digests;
    });
  }

 private:
  postgres::Database db_;
};

}  // namespace

std::unique_ptr<SignatureStore> open_postgres_signature_store(const std::string& url) {
  return std::make_unique<PostgresSignatureStore>(url);
}

}  // namespace pier::meta
