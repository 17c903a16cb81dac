// One suite for every LifecycleStore implementation, each beside the MetadataStore of the same
// database: what garbage collection, expiry, retention, immutable tags and quotas read and
// write, and the checks each deletion makes again inside its transaction.
#include "meta/lifecycle_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "meta/metadata_store.h"
#include "meta/postgres/pg_lifecycle_store.h"
#include "meta/postgres/pg_store.h"
#include "meta/sqlite/sqlite_lifecycle_store.h"
#include "meta/sqlite/sqlite_store.h"
#include "pg_server.h"
#include "test_dirs.h"

namespace pier::meta {
namespace {

struct Stores {
  std::unique_ptr<MetadataStore> metadata;
  std::unique_ptr<LifecycleStore> lifecycle;
  // A second lifecycle store on the same database, as another process would open it.
  std::function<std::unique_ptr<LifecycleStore>()> another;
};

struct Backend {
  std::string name;
  std::function<Stores(const std::filesystem::path&)> make;
};

void PrintTo(const Backend& backend, std::ostream* out) { *out << backend.name; }

Digest d(std::string_view content) { return digest_of(content); }
const std::string kImage = "application/vnd.oci.image.manifest.v1+json";

class LifecycleStoreSuite : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    auto stores = GetParam().make(dir_.path());
    metadata_ = std::move(stores.metadata);
    lifecycle_ = std::move(stores.lifecycle);
    another_ = std::move(stores.another);
  }

  // An image manifest referencing blobs (linked first) and, optionally, a subject.
  ManifestRecord image(std::string_view content, std::vector<std::string> blobs = {}, std::string subject = "") {
    std::vector<ManifestReference> refs;
    for (const auto& blob : blobs) {
      EXPECT_TRUE(metadata_->link_blob(repo_, d(blob), blob.size(), 1));
      refs.push_back({d(blob).str(), ReferenceKind::kBlob, std::nullopt, "layers"});
    }
    return ManifestRecord{d(content).str(), kImage, std::string(content), "", std::move(subject), "", std::move(refs)};
  }

  ManifestRecord index(std::string_view content, const std::vector<std::string>& children) {
    std::vector<ManifestReference> refs;
    for (const auto& child : children) refs.push_back({d(child).str(), ReferenceKind::kManifest, std::nullopt, "manifests"});
    return ManifestRecord{d(content).str(), "application/vnd.oci.image.index.v1+json", std::string(content), "", "",
                          "", std::move(refs)};
  }

  std::int64_t repo_id() {
    auto found = lifecycle_->repositories_with_untagged_manifests(0, 100).value();
    for (const auto& r : found) {
      if (r.name == repo_) return r.id;
    }
    ADD_FAILURE() << "no untagged manifest in " << repo_;
    return 0;
  }

  // Whether the collector's deletion of one manifest went through.
  bool gone(std::int64_t id, std::string_view content, std::int64_t history_since, std::int64_t created_before) {
    return lifecycle_->delete_unreachable_manifests(id, {d(content).str()}, history_since, created_before, 1000).value() == 1;
  }

  const ManifestNode* node(const std::vector<ManifestNode>& graph, std::string_view content) {
    for (const auto& n : graph) {
      if (n.digest == d(content).str()) return &n;
    }
    return nullptr;
  }

  testing::TempDir dir_;
  std::unique_ptr<MetadataStore> metadata_;
  std::unique_ptr<LifecycleStore> lifecycle_;
  std::function<std::unique_ptr<LifecycleStore>()> another_;
  std::string repo_ = "ns/app";
};

TEST_P(LifecycleStoreSuite, GraphShowsWhatReachesEachManifest) {
  ASSERT_TRUE(metadata_->put_manifest(repo_, image("tagged", {"layer-1"}), {"latest"}, 10));
  ASSERT_TRUE(metadata_->put_manifest(repo_, image("child"), {}, 10));
  ASSERT_TRUE(metadata_->put_manifest(repo_, index("index", {"child"}), {"multi"}, 10));
  ASSERT_TRUE(metadata_->put_manifest(repo_, image("signature", {}, d("tagged").str()), {}, 10));
  ASSERT_TRUE(metadata_->put_manifest(repo_, image("left"), {"moving"}, 10));
  ASSERT_TRUE(metadata_->put_manifest(repo_, image("newer"), {"moving"}, 20));

  const auto graph = lifecycle_->manifest_graph(repo_id(), 15).value();
  ASSERT_EQ(graph.size(), 6u);
  EXPECT_TRUE(node(graph, "tagged")->tagged);
  EXPECT_EQ(node(graph, "tagged")->blobs, std::vector<std::string>{d("layer-1").str()});
  EXPECT_EQ(node(graph, "index")->children, std::vector<std::string>{d("child").str()});
  EXPECT_EQ(node(graph, "signature")->subject, d("tagged").str());
  EXPECT_FALSE(node(graph, "child")->ever_tagged);
  EXPECT_FALSE(node(graph, "left")->tagged);
  EXPECT_TRUE(node(graph, "left")->ever_tagged);
  EXPECT_TRUE(node(graph, "left")->left_tag_since);  // left at 20, after 15
  EXPECT_FALSE(lifecycle_->manifest_graph(repo_id(), 20).value().empty());
  EXPECT_FALSE(node(lifecycle_->manifest_graph(repo_id(), 20).value(), "left")->left_tag_since);
}

TEST_P(LifecycleStoreSuite, AManifestIsDeletedOnlyWhenNothingReachesIt) {
  ASSERT_TRUE(metadata_->put_manifest(repo_, image("child"), {}, 10));
  ASSERT_TRUE(metadata_->put_manifest(repo_, index("index", {"child"}), {"multi"}, 10));
  ASSERT_TRUE(metadata_->put_manifest(repo_, image("old"), {"t"}, 10));
  ASSERT_TRUE(metadata_->delete_tag(repo_, "t", 30));
  const auto id = repo_id();
  // A child of a stored index, a tagged manifest, one that left a tag after the window's start.
  EXPECT_FALSE(gone(id, "child", 100, 100));
  EXPECT_FALSE(gone(id, "index", 100, 100));
  EXPECT_FALSE(gone(id, "old", 29, 100));
  // Never tagged and younger than the grace.
  ASSERT_TRUE(metadata_->put_manifest(repo_, image("fresh"), {}, 50));
  EXPECT_FALSE(gone(id, "fresh", 100, 49));

  EXPECT_TRUE(gone(id, "old", 30, 100));
  EXPECT_TRUE(gone(id, "fresh", 100, 50));
  ASSERT_TRUE(metadata_->delete_tag(repo_, "multi", 40));
  // In one transaction, in order: the index goes first, so its child is no longer referenced.
  EXPECT_EQ(lifecycle_->delete_unreachable_manifests(id, {d("index").str(), d("child").str()}, 40, 100, 1000).value(), 2u);
  EXPECT_FALSE(metadata_->get_manifest(repo_, d("child")).value());
  EXPECT_FALSE(gone(id, "child", 40, 100));
}

TEST_P(LifecycleStoreSuite, AReferrerStaysWhileItsSubjectIsReached) {
  ASSERT_TRUE(metadata_->put_manifest(repo_, image("subject"), {"v1"}, 10));
  ASSERT_TRUE(metadata_->put_manifest(repo_, image("sig", {}, d("subject").str()), {}, 10));
  const auto id = repo_id();
  EXPECT_FALSE(gone(id, "sig", 100, 100));
  ASSERT_TRUE(metadata_->delete_manifest(repo_, d("subject"), 20));
  EXPECT_TRUE(gone(id, "sig", 100, 100));
}

TEST_P(LifecycleStoreSuite, LinksGoWhenUnreferencedAndUnusedThenBlobsAreClaimedAndForgotten) {
  ASSERT_TRUE(metadata_->put_manifest(repo_, image("m", {"used"}), {"v1"}, 10));
  ASSERT_TRUE(metadata_->link_blob(repo_, d("loose"), 5, 10));
  ASSERT_TRUE(metadata_->link_inline_blob(repo_, d("tiny"), "tiny", "", 10));
  ASSERT_TRUE(metadata_->link_blob("ns/other", d("used"), 4, 10));

  auto links = lifecycle_->unreferenced_links({}, 100, 10).value();
  std::vector<std::string> digests;
  for (const auto& link : links) digests.push_back(link.digest);
  // "used" is referenced in ns/app but not in ns/other.
  EXPECT_EQ(links.size(), 3u);
  EXPECT_TRUE(lifecycle_->unreferenced_links({}, 100, 9).value().empty()) << "used at 10, after 9";
  // Looked up since: kept.
  ASSERT_TRUE(lifecycle_->record_blob_use({d("loose").str()}, 50));
  auto deleted = lifecycle_->delete_unreferenced_links(links, 10).value();
  EXPECT_EQ(deleted.size(), 2u);
  EXPECT_TRUE(metadata_->linked_blob_size(repo_, d("loose")).value());
  EXPECT_FALSE(metadata_->linked_blob_size(repo_, d("tiny")).value());
  EXPECT_TRUE(metadata_->linked_blob_size(repo_, d("used")).value());
  EXPECT_FALSE(metadata_->linked_blob_size("ns/other", d("used")).value());

  auto unlinked = lifecycle_->unlinked_blobs("", 100, 10).value();
  ASSERT_EQ(unlinked.size(), 1u);
  EXPECT_EQ(unlinked[0].digest, d("tiny").str());
  EXPECT_TRUE(unlinked[0].kept_inline);
  ASSERT_TRUE(metadata_->unlink_blob(repo_, d("loose")));
  auto claimed = lifecycle_->claim_unlinked_blobs({d("tiny").str(), d("loose").str(), d("used").str()}, 50).value();
  ASSERT_EQ(claimed.size(), 2u);
  // An inline blob goes with its bytes at once; another is claimed until forgotten.
  EXPECT_FALSE(metadata_->inline_blob(d("tiny")).value());
  EXPECT_FALSE(metadata_->blob_size(d("tiny")).value());
  EXPECT_FALSE(metadata_->blob_size(d("loose")).value()) << "a claimed blob is not served";
  auto mounted = metadata_->link_blob("ns/third", d("loose"), 5, 60);
  ASSERT_FALSE(mounted);
  EXPECT_EQ(mounted.error().code, ErrorCode::kBlobUnknown);
  // A collection that stopped after claiming finds the blob again.
  auto again = lifecycle_->unlinked_blobs("", 100, 0).value();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].digest, d("loose").str());
  ASSERT_TRUE(lifecycle_->forget_blobs({d("loose").str()}));
  EXPECT_TRUE(lifecycle_->unlinked_blobs("", 100, 1000).value().empty());
}

TEST_P(LifecycleStoreSuite, StoringTheBytesAgainOverrulesAStoppedClaim) {
  ASSERT_TRUE(metadata_->link_blob(repo_, d("layer"), 5, 10));
  ASSERT_TRUE(metadata_->unlink_blob(repo_, d("layer")));
  ASSERT_EQ(lifecycle_->claim_unlinked_blobs({d("layer").str()}, 10).value().size(), 1u);
  ASSERT_TRUE(metadata_->link_uploaded_blob(repo_, d("layer"), 5, "upload", 20));
  EXPECT_EQ(metadata_->linked_blob_size(repo_, d("layer")).value(), 5u);
  EXPECT_TRUE(lifecycle_->unlinked_blobs("", 100, 1000).value().empty());
  EXPECT_TRUE(lifecycle_->claim_unlinked_blobs({d("layer").str()}, 1000).value().empty());
}

TEST_P(LifecycleStoreSuite, ExpiredTagsAreRemovedAndRecorded) {
  ASSERT_TRUE(metadata_->put_manifest(repo_, image("m"), {"a", "b", "c"}, 10));
  EXPECT_TRUE(lifecycle_->set_tag_expiry(repo_, "a", 100, std::nullopt).value());
  EXPECT_TRUE(lifecycle_->set_tag_expiry(repo_, "b", 200, std::string_view(d("m").str())).value());
  EXPECT_FALSE(lifecycle_->set_tag_expiry(repo_, "c", 100, std::string_view(d("other").str())).value());
  EXPECT_FALSE(lifecycle_->set_tag_expiry(repo_, "none", 100, std::nullopt).value());
  EXPECT_EQ(metadata_->tag_detail(repo_, "a").value()->expires_at, 100);

  auto removed = lifecycle_->remove_expired_tags(150, 10).value();
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].tag, "a");
  EXPECT_EQ(removed[0].repository, repo_);
  EXPECT_EQ(removed[0].digest, d("m").str());
  EXPECT_FALSE(metadata_->tag_detail(repo_, "a").value());
  const auto history = metadata_->tag_history(repo_, "a").value();
  EXPECT_EQ(history.back().old_digest, d("m").str());
  EXPECT_EQ(history.back().new_digest, "");
  EXPECT_EQ(history.back().changed_at, 150);
  // A move drops the expiry.
  ASSERT_TRUE(metadata_->put_manifest(repo_, image("n"), {"b"}, 160));
  EXPECT_FALSE(metadata_->tag_detail(repo_, "b").value()->expires_at);
  EXPECT_TRUE(lifecycle_->remove_expired_tags(1000, 10).value().empty());
}

TEST_P(LifecycleStoreSuite, ImmutableTagsAreCreatedButNeverMovedOrDeleted) {
  ASSERT_TRUE(lifecycle_->set_immutable_patterns(RuleScope::kNamespace, "ns", {"v*"}));
  ASSERT_TRUE(lifecycle_->set_immutable_patterns(RuleScope::kRepository, repo_, {"stable"}));
  EXPECT_EQ(lifecycle_->immutable_patterns(RuleScope::kNamespace, "ns").value(), std::vector<std::string>{"v*"});
  ASSERT_TRUE(metadata_->put_manifest(repo_, image("one"), {"v1", "stable", "latest"}, 10));
  ASSERT_TRUE(metadata_->put_manifest(repo_, image("one"), {"v1"}, 11)) << "pointing where it points is no move";
  ASSERT_TRUE(metadata_->put_manifest(repo_, image("two"), {"other"}, 11));
  for (const auto& tag : {"v1", "stable"}) {
    auto moved = metadata_->put_manifest(repo_, image("two"), {tag}, 12);
    ASSERT_FALSE(moved) << tag;
    EXPECT_EQ(moved.error().code, ErrorCode::kDenied);
    EXPECT_NE(moved.error().message.find("immutable"), std::string::npos);
  }
  auto by_api = metadata_->tag_manifest(repo_, "v1", d("two"), 13);
  ASSERT_FALSE(by_api);
  EXPECT_EQ(by_api.error().code, ErrorCode::kDenied);
  EXPECT_FALSE(metadata_->delete_tag(repo_, "v1", 13));
  EXPECT_FALSE(metadata_->delete_manifest(repo_, d("one"), 13));
  EXPECT_FALSE(metadata_->delete_repository(repo_));
  EXPECT_FALSE(lifecycle_->set_tag_expiry(repo_, "v1", 100, std::nullopt));
  EXPECT_FALSE(lifecycle_->remove_tag_if_at(repo_, "stable", d("one").str(), 14).value());
  // Elsewhere the rules do not apply, and in this repository other tags move freely.
  ASSERT_TRUE(metadata_->put_manifest("other/app", image("one"), {"v1"}, 10));
  ASSERT_TRUE(metadata_->put_manifest("other/app", image("two"), {"v1"}, 11));
  ASSERT_TRUE(metadata_->put_manifest(repo_, image("two"), {"latest"}, 12));
  EXPECT_EQ(metadata_->tag_detail(repo_, "v1").value()->digest, d("one").str());
  // Made immutable after its expiry was set: kept, its expiry dropped.
  ASSERT_TRUE(lifecycle_->set_tag_expiry(repo_, "latest", 20, std::nullopt));
  ASSERT_TRUE(lifecycle_->set_immutable_patterns(RuleScope::kRepository, repo_, {"stable", "latest"}));
  EXPECT_TRUE(lifecycle_->remove_expired_tags(100, 10).value().empty());
  EXPECT_FALSE(metadata_->tag_detail(repo_, "latest").value()->expires_at);
  ASSERT_TRUE(lifecycle_->set_immutable_patterns(RuleScope::kNamespace, "ns", {}));
  ASSERT_TRUE(lifecycle_->set_immutable_patterns(RuleScope::kRepository, repo_, {}));
  EXPECT_TRUE(metadata_->delete_repository(repo_).value());
}

TEST_P(LifecycleStoreSuite, UsageCountsEachBlobOncePerNamespaceAndTheQuotaRefusesNewOnes) {
  ASSERT_TRUE(metadata_->link_blob("ns/a", d("shared"), 100, 1));
  ASSERT_TRUE(metadata_->link_blob("ns/b", d("shared"), 100, 1));
  ASSERT_TRUE(metadata_->link_blob("ns/b", d("own"), 10, 1));
  ASSERT_TRUE(metadata_->link_blob("elsewhere/a", d("shared"), 100, 1));
  auto usage = lifecycle_->namespace_lifecycle("ns").value();
  EXPECT_EQ(usage.used_bytes, 110u);
  EXPECT_EQ(usage.blob_count, 2u);
  EXPECT_FALSE(usage.limit_bytes);
  EXPECT_EQ(lifecycle_->namespace_lifecycle("elsewhere").value().used_bytes, 100u);

  ASSERT_TRUE(lifecycle_->set_quota("ns", 150, 120));
  usage = lifecycle_->namespace_lifecycle("ns").value();
  EXPECT_EQ(usage.limit_bytes, 150u);
  EXPECT_EQ(usage.warning_bytes, 120u);
  ASSERT_TRUE(metadata_->link_blob("ns/c", d("shared"), 100, 2)) << "already counted: free";
  ASSERT_TRUE(metadata_->link_uploaded_blob("ns/c", d("fits"), 40, "u1", 2));
  auto over = metadata_->link_uploaded_blob("ns/c", d("too much"), 1, "u2", 2);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, ErrorCode::kDenied);
  EXPECT_NE(over.error().message.find("quota"), std::string::npos);
  EXPECT_FALSE(metadata_->linked_blob_size("ns/c", d("too much")).value());
  EXPECT_EQ(lifecycle_->namespace_lifecycle("ns").value().used_bytes, 150u);

  ASSERT_TRUE(metadata_->unlink_blob("ns/b", d("own")));
  EXPECT_EQ(lifecycle_->namespace_lifecycle("ns").value().used_bytes, 140u);
  ASSERT_TRUE(metadata_->delete_repository("ns/a"));
  ASSERT_TRUE(metadata_->delete_repository("ns/b"));
  EXPECT_EQ(lifecycle_->namespace_lifecycle("ns").value().used_bytes, 140u) << "ns/c still links both";
  ASSERT_TRUE(metadata_->delete_repository("ns/c"));
  EXPECT_EQ(lifecycle_->namespace_lifecycle("ns").value().used_bytes, 0u);
  ASSERT_TRUE(lifecycle_->set_quota("ns", std::nullopt, std::nullopt));
  EXPECT_FALSE(lifecycle_->namespace_lifecycle("ns").value().limit_bytes);
}

TEST_P(LifecycleStoreSuite, RetentionPoliciesAndWindowsAreKeptPerScope) {
  const RetentionPolicy policy{5, 86400, {"build-*", "ci-?"}, {"build-keep"}};
  ASSERT_TRUE(lifecycle_->set_retention_policy(RuleScope::kNamespace, "ns", policy, 1));
  ASSERT_TRUE(lifecycle_->set_retention_policy(RuleScope::kRepository, repo_, RetentionPolicy{1, {}, {}, {}}, 1));
  EXPECT_EQ(lifecycle_->retention_policy(RuleScope::kNamespace, "ns").value(), policy);
  EXPECT_FALSE(lifecycle_->retention_policy(RuleScope::kNamespace, "other").value());
  const auto scopes = lifecycle_->retention_scopes().value();
  ASSERT_EQ(scopes.size(), 2u);
  ASSERT_TRUE(lifecycle_->set_retention_policy(RuleScope::kNamespace, "ns", std::nullopt, 2));
  EXPECT_FALSE(lifecycle_->retention_policy(RuleScope::kNamespace, "ns").value());

  ASSERT_TRUE(lifecycle_->set_history_window("ns", 3600));
  EXPECT_EQ(lifecycle_->namespace_lifecycle("ns").value().history_window, 3600);
  EXPECT_EQ(lifecycle_->history_windows().value(), (std::vector<std::pair<std::string, std::int64_t>>{{"ns", 3600}}));
  ASSERT_TRUE(lifecycle_->set_history_window("ns", std::nullopt));
  EXPECT_TRUE(lifecycle_->history_windows().value().empty());

  ASSERT_TRUE(metadata_->put_manifest(repo_, image("m"), {"b1", "b2"}, 10));
  ASSERT_TRUE(metadata_->put_manifest("ns/z", image("m"), {"x"}, 10));
  EXPECT_EQ(lifecycle_->namespace_repositories("ns").value(), (std::vector<std::string>{repo_, "ns/z"}));
  const auto tags = lifecycle_->repository_tags(repo_).value();
  ASSERT_EQ(tags.size(), 2u);
  EXPECT_EQ(tags[0].name, "b1");
  EXPECT_EQ(tags[0].updated_at, 10);
  EXPECT_FALSE(lifecycle_->remove_tag_if_at(repo_, "b1", d("other").str(), 20).value()) << "moved meanwhile";
  EXPECT_TRUE(lifecycle_->remove_tag_if_at(repo_, "b1", d("m").str(), 20).value());
  EXPECT_EQ(metadata_->tag_history(repo_, "b1").value().back().new_digest, "");
  EXPECT_EQ(lifecycle_->repository_tags("none/x").error().code, ErrorCode::kNameUnknown);
}

TEST_P(LifecycleStoreSuite, BlobLocksExcludeEachOtherAcrossStores) {
  auto other = another_();
  auto held = lifecycle_->lock_blobs({d("a").str(), d("b").str()});
  ASSERT_TRUE(held);
  std::atomic<bool> acquired{false};
  std::thread waiter([&] {
    auto lock = other->lock_blobs({d("b").str()});
    ASSERT_TRUE(lock);
    acquired = true;
  });
  // A different digest is not held up.
  ASSERT_TRUE(other->lock_blobs({d("c").str()}));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(acquired.load());
  held->reset();
  waiter.join();
  EXPECT_TRUE(acquired.load());
}

INSTANTIATE_TEST_SUITE_P(
    Backends, LifecycleStoreSuite,
    ::testing::Values(Backend{"sqlite",
                              [](const std::filesystem::path& dir) {
                                const auto path = dir / "pier.db";
                                return Stores{open_sqlite_store(path), open_sqlite_lifecycle_store(path),
                                              [path] { return open_sqlite_lifecycle_store(path); }};
                              }},
                      Backend{"postgres",
                              [](const std::filesystem::path&) {
                                const auto url = testing::PostgresServer::shared().create_database();
                                return Stores{open_postgres_store(url), open_postgres_lifecycle_store(url),
                                              [url] { return open_postgres_lifecycle_store(url); }};
                              }}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace pier::meta
