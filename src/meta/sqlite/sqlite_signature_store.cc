#include "meta/sqlite/sqlite_signature_store.h"

#include "meta/sqlite/database.h"
#include "meta/sqlite/tag_rows.h"

namespace pier::meta {
namespace {

using sqlite::Connection;

class SqliteSignatureStore final : public SignatureStore {
 public:
  explicit SqliteSignatureStore(const std::string& path) : db_(path, {"metadata store", true}) {}

  Result<std::optional<SigningPolicy>> signing_policy(std::string_view namespace_name) override {
    return db_.read<std::optional<SigningPolicy>>([&](Connection& db) -> Result<std::optional<SigningPolicy>> {
      auto policy_row = db.prepare("SELECT enforce FROM signing_policies WHERE namespace = ?");
      policy_row.bind(1, namespace_name);
      if (!policy_row.step()) return std::optional<SigningPolicy>();
      SigningPolicy policy;
      policy.enforce = policy_row.integer(0) != 0;
      auto keys = db.prepare(
          "SELECT key_type, key_id, public_key FROM signing_keys WHERE namespace = ? ORDER BY position");
      keys.bind(1, namespace_name);
      while (keys.step()) policy.keys.push_back(TrustedKey{keys.text(0), keys.text(1), keys.text(2)});
      return std::optional<SigningPolicy>(std::move(policy));
    });
  }

  Result<void> set_signing_policy(std::string_view namespace_name, const std::optional<SigningPolicy>& policy,
                                  std::int64_t now) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      db.prepare("DELETE FROM signing_policies WHERE namespace = ?").bind(1, namespace_name).run();
      if (!policy) return {};
      db.prepare("INSERT INTO signing_policies (namespace, enforce, updated_at) VALUES (?, ?, ?)")
          .bind(1, namespace_name).bind(2, std::int64_t{policy->enforce}).bind(3, now).run();
      std::int64_t position = 0;
      for (const auto& key : policy->keys) {
        db.prepare("INSERT INTO signing_keys (namespace, position, key_type, key_id, public_key) VALUES (?, ?, ?, ?, ?)")
            .bind(1, namespace_name).bind(2, position++).bind(3, key.type).bind(4, key.key_id).bind(5, key.public_key)
            .run();
      }
      return {};
    });
  }

  Result<std::vector<std::string>> enforcing_namespaces() override {
    return db_.read<std::vector<std::string>>([&](Connection& db) -> Result<std::vector<std::string>> {
      auto stmt = db.prepare("SELECT namespace FROM signing_policies WHERE enforce = 1 ORDER BY namespace");
      std::vector<std::string> names;
      while (stmt.step()) names.push_back(stmt.text(0));
      return names;
    });
  }

  Result<std::vector<StoredSignature>> manifest_signatures(std::string_view repository, const Digest& digest) override {
    return db_.read<std::vector<StoredSignature>>([&](Connection& db) -> Result<std::vector<StoredSignature>> {
      auto stmt = db.prepare(
          "SELECT s.name, s.content, s.created_at FROM manifest_signatures s JOIN repositories r ON r.id = s.repository_id "
          "WHERE r.name = ? AND s.manifest_digest = ? ORDER BY s.name");
      stmt.bind(1, repository).bind(2, digest.str());
      std::vector<StoredSignature> signatures;
      while (stmt.step()) signatures.push_back(StoredSignature{stmt.text(0), stmt.text(1), stmt.integer(2)});
      return signatures;
    });
  }

  Result<bool> add_manifest_signature(std::string_view repository, const Digest& digest,
                                      const StoredSignature& signature) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      const auto repo = sqlite::find_repository_id(db, repository);
      if (!repo) return false;
      auto stored = db.prepare("SELECT 1 FROM manifests WHERE repository_id = ? AND digest = ?");
      stored.bind(1, *repo).bind(2, digest.str());
      if (!stored.step()) return false;
      db.prepare("INSERT INTO manifest_signatures (repository_id, manifest_digest, name, content, created_at) "
                 "VALUES (?, ?, ?, ?, ?)")
          .bind(1, *repo).bind(2, digest.str()).bind(3, signature.name).bind_bytes(4, signature.content)
          .bind(5, signature.created_at).run();
      return true;
    });
  }

  Result<std::vector<std::string>> indexes_listing(std::string_view repository, const Digest& digest) override {
    return db_.read<std::vector<std::string>>([&](Connection& db) -> Result<std::vector<std::string>> {
      auto stmt = db.prepare(
          "SELECT mr.manifest_digest FROM manifest_references mr JOIN repositories r ON r.id = mr.repository_id "
          "WHERE r.name = ? AND mr.child_digest = ? AND mr.child_kind = 1 ORDER BY mr.manifest_digest");
      stmt.bind(1, repository).bind(2, digest.str());
      std::vector<std::string> digests;
      while (stmt.step()) digests.push_back(stmt.text(0));
      return digests;
    });
  }

 private:
  sqlite::Database db_;
};

}  // namespace

std::unique_ptr<SignatureStore> open_sqlite_signature_store(const std::filesystem::path& path) {
  return std::make_unique<SqliteSignatureStore>(path.string());
}

}  // namespace pier::meta
