// The lifecycle's rules (reachability, expiry labels, retention) and the garbage collector
// over real stores: an embedded database and a blob store in memory.
#include <gtest/gtest.h>

#include "meta/sqlite/sqlite_lifecycle_store.h"
#include "meta/sqlite/sqlite_store.h"
#include "services/garbage_collector.h"
#include "services/manifest_reachability.h"
#include "services/tag_lifecycle.h"
#include "storage/layout.h"
#include "storage/memory/memory_blob_store.h"
#include "test_dirs.h"

namespace pier::services {
namespace {

meta::ManifestNode node(std::string digest, bool tagged = false, std::vector<std::string> children = {},
                        std::string subject = "") {
  meta::ManifestNode n;
  n.digest = std::move(digest);
  n.tagged = tagged;
  n.ever_tagged = tagged;
  n.children = std::move(children);
  n.subject = std::move(subject);
  return n;
}

TEST(ManifestReachability, WhatNothingReachesGoesParentsAndSubjectsFirst) {
  std::vector<meta::ManifestNode> graph = {
      node("tagged", true, {"child-of-tagged"}),
      node("child-of-tagged"),
      node("sig-of-tagged", false, {}, "tagged"),
      node("orphan-index", false, {"orphan-child", "child-of-tagged"}),
      node("orphan-child"),
      node("sig-of-orphan", false, {}, "orphan-index"),
      node("sig-of-sig", false, {}, "sig-of-orphan"),
  };
  graph[3].ever_tagged = true;  // left its tag long ago
  const auto order = unreachable_in_deletion_order(graph, 100);
  ASSERT_EQ(order.size(), 4u);
  const auto position = [&](std::string_view d) { return std::find(order.begin(), order.end(), d) - order.begin(); };
  EXPECT_LT(position("orphan-index"), position("orphan-child"));
  EXPECT_LT(position("orphan-index"), position("sig-of-orphan"));
  EXPECT_LT(position("sig-of-orphan"), position("sig-of-sig"));
  EXPECT_EQ(std::find(order.begin(), order.end(), "child-of-tagged"), order.end());
}

TEST(ManifestReachability, TheWindowAndTheGraceKeepManifestsAndWhatTheyReach) {
  std::vector<meta::ManifestNode> graph = {node("left-recently", false, {"its-child"}), node("its-child"),
                                           node("pushed-by-digest-now"), node("old-and-never-tagged")};
  graph[0].ever_tagged = true;
  graph[0].left_tag_since = true;
  graph[2].created_at = 200;
  graph[3].created_at = 50;
  EXPECT_EQ(unreachable_in_deletion_order(graph, 100), std::vector<std::string>{"old-and-never-tagged"});
}

TEST(ManifestReachability, BlobsOnlyTheDoomedReachAreNamed) {
  std::vector<meta::ManifestNode> graph = {node("kept", true), node("gone")};
  graph[0].blobs = {"shared", "kept-only"};
  graph[1].blobs = {"shared", "gone-only", "gone-only"};
  EXPECT_EQ(blobs_only_reached_from(graph, {"gone"}), std::vector<std::string>{"gone-only"});
}

TEST(TagExpiry, DurationsAreACountAndOneUnit) {
  EXPECT_EQ(parse_expires_after("2w"), std::chrono::seconds(14 * 86400));
  EXPECT_EQ(parse_expires_after("3d"), std::chrono::seconds(3 * 86400));
  EXPECT_EQ(parse_expires_after("12h"), std::chrono::seconds(12 * 3600));
  EXPECT_EQ(parse_expires_after("30m"), std::chrono::seconds(1800));
  EXPECT_EQ(parse_expires_after("45s"), std::chrono::seconds(45));
  for (const auto* bad : {"", "w", "0d", "-1d", "1.5h", "1y", "never", "10", "1dd", "99999999999w"}) {
    EXPECT_FALSE(parse_expires_after(bad)) << bad;
  }
}

TEST(TagExpiry, AnnotationsWinOverConfigLabels) {
  const std::string config = R"({"config":{"Labels":{"quay.expires-after":"2w","other":"x"}}})";
  EXPECT_EQ(expires_after_label("", config), "2w");
  EXPECT_EQ(expires_after_label(R"({"quay.expires-after":"3d"})", config), "3d");
  EXPECT_EQ(expires_after_label(R"({"unrelated":"1"})", config), "2w");
  EXPECT_FALSE(expires_after_label("", R"({"config":{"Labels":null}})"));
  EXPECT_FALSE(expires_after_label("", R"({"config":{"Labels":{"quay.expires-after":7}}})"));
  EXPECT_FALSE(expires_after_label("not json", "not json"));
}

meta::RepositoryTag tag(std::string name, std::int64_t pushed) { return {name, "sha256:" + name, pushed, std::nullopt}; }

std::vector<std::string> names(const std::vector<RetentionRemoval>& removals) {
  std::vector<std::string> out;
  for (const auto& r : removals) out.push_back(r.tag);
  return out;
}

TEST(Retention, KeepNewestAndOlderThanOverTheMatchingTags) {
  const std::vector<meta::RepositoryTag> tags = {tag("b1", 100), tag("b2", 200), tag("b3", 300), tag("b4", 400),
                                                 tag("release", 50), tag("sha256-abc.sig", 10), tag("b-frozen", 1)};
  const std::vector<std::string> immutable = {"b-frozen"};
  EXPECT_EQ(names(retention_removals("r", {2, {}, {"b*"}, {}}, tags, immutable, 1000)),
            (std::vector<std::string>{"b2", "b1"}));
  EXPECT_EQ(names(retention_removals("r", {{}, 750, {}, {}}, tags, immutable, 1000)),
            (std::vector<std::string>{"b2", "b1", "release"}));
  // Both: beyond the newest 1 and older than the duration.
  EXPECT_EQ(names(retention_removals("r", {1, 650, {"b*"}, {"b1"}}, tags, immutable, 1000)),
            (std::vector<std::string>{"b3", "b2"}));
  EXPECT_TRUE(retention_removals("r", {10, {}, {}, {}}, tags, immutable, 1000).empty());
  const auto reasons = retention_removals("r", {3, {}, {}, {}}, tags, immutable, 1000);
  ASSERT_EQ(reasons.size(), 2u);
  EXPECT_EQ(reasons[0].reason, "beyond the newest 3");
  EXPECT_EQ(reasons[0].digest, "sha256:b1");
}

class GarbageCollectorTest : public ::testing::Test {
 protected:
  class StepClock final : public Clock {
   public:
    std::chrono::system_clock::time_point now() const override { return time; }
    std::chrono::system_clock::time_point time{std::chrono::seconds(1'000'000)};
  };

  GarbageCollectorTest()
      : metadata_(meta::open_sqlite_store(dir_.path() / "pier.db")),
        lifecycle_(meta::open_sqlite_lifecycle_store(dir_.path() / "pier.db")),
        blobs_(storage::make_memory_blob_store()),
        collector_(*lifecycle_, *blobs_, clock_, {std::chrono::seconds(0), std::chrono::seconds(60)},
                   [this](std::string_view repository) { changed_.emplace_back(repository); }) {}

  // Stores the bytes in the blob store and links them, as an upload does.
  void store(std::string_view repository, const std::string& bytes) {
    const auto id = storage::new_upload_id();
    ASSERT_TRUE(blobs_->create_upload(id));
    ASSERT_TRUE(blobs_->append_upload(id).value()->append(bytes));
    ASSERT_TRUE(blobs_->commit_upload(id, digest_of(bytes)));
    ASSERT_TRUE(metadata_->link_uploaded_blob(repository, digest_of(bytes), bytes.size(), id, now()));
  }

  void push(std::string_view repository, std::string_view content, const std::vector<std::string>& layers,
            std::vector<std::string> tags) {
    std::vector<meta::ManifestReference> refs;
    for (const auto& layer : layers) refs.push_back({digest_of(layer).str(), meta::ReferenceKind::kBlob, std::nullopt, ""});
    meta::ManifestRecord record{digest_of(content).str(), "application/vnd.oci.image.manifest.v1+json",
                                std::string(content), "", "", "", refs};
    ASSERT_TRUE(metadata_->put_manifest(repository, record, tags, now()));
  }

  std::int64_t now() const { return clock_.unix_seconds(); }
  void advance(int seconds) { clock_.time += std::chrono::seconds(seconds); }
  bool stored(const std::string& bytes) { return blobs_->stat(digest_of(bytes)).has_value(); }

  testing::TempDir dir_;
  StepClock clock_;
  std::unique_ptr<meta::MetadataStore> metadata_;
  std::unique_ptr<meta::LifecycleStore> lifecycle_;
  std::unique_ptr<storage::BlobStore> blobs_;
  std::vector<std::string> changed_;
  GarbageCollector collector_;
};

TEST_F(GarbageCollectorTest, ADryRunCountsWhatTheCollectionThenRemoves) {
  const std::string shared(1000, 's'), kept(2000, 'k'), gone(3000, 'g');
  store("ns/a", shared);
  store("ns/a", kept);
  store("ns/a", gone);
  store("ns/b", shared);
  push("ns/a", "kept-image", {shared, kept}, {"kept"});
  push("ns/a", "gone-image", {shared, gone}, {"gone"});
  push("ns/b", "other-image", {shared}, {"v1"});
  ASSERT_TRUE(metadata_->delete_tag("ns/a", "gone", now()));

  // Within the grace nothing goes but the untagged manifest.
  auto early = collector_.collect(true).value();
  EXPECT_EQ(early.manifests_deleted, 1u);
  EXPECT_EQ(early.blobs_deleted, 0u);
  advance(61);
  auto preview = collector_.collect(true).value();
  EXPECT_TRUE(stored(gone));
  auto report = collector_.collect(false).value();
  EXPECT_EQ(report.manifests_deleted, 1u);
  EXPECT_EQ(report.links_deleted, 1u);
  EXPECT_EQ(report.blobs_deleted, 1u);
  EXPECT_EQ(report.bytes_freed, gone.size());
  EXPECT_EQ(preview.manifests_deleted, report.manifests_deleted);
  EXPECT_EQ(preview.links_deleted, report.links_deleted);
  EXPECT_EQ(preview.blobs_deleted, report.blobs_deleted);
  EXPECT_EQ(preview.bytes_freed, report.bytes_freed);
  EXPECT_FALSE(stored(gone));
  EXPECT_TRUE(stored(shared) && stored(kept));
  EXPECT_NE(std::find(changed_.begin(), changed_.end(), "ns/a"), changed_.end());
  EXPECT_EQ(collector_.totals().bytes_freed.load(), gone.size());
  EXPECT_EQ(collector_.totals().runs.load(), 1u);

  auto nothing = collector_.collect(false).value();
  EXPECT_EQ(nothing.blobs_deleted + nothing.manifests_deleted + nothing.links_deleted, 0u);
}

TEST_F(GarbageCollectorTest, ABlobLookedUpWithinTheGraceIsKept) {
  const std::string loose(500, 'l');
  store("ns/a", loose);
  advance(61);
  ASSERT_TRUE(lifecycle_->record_blob_use({digest_of(loose).str()}, now()));
  EXPECT_EQ(collector_.collect(false).value().blobs_deleted, 0u);
  advance(61);
  EXPECT_EQ(collector_.collect(false).value().blobs_deleted, 1u);
  EXPECT_FALSE(stored(loose));
}

TEST_F(GarbageCollectorTest, AClaimLeftByAStoppedCollectionIsFinished) {
  const std::string loose(500, 'x');
  store("ns/a", loose);
  ASSERT_TRUE(metadata_->unlink_blob("ns/a", digest_of(loose)));
  advance(61);
  ASSERT_EQ(lifecycle_->claim_unlinked_blobs({digest_of(loose).str()}, now()).value().size(), 1u);
  // The bytes went but the row was never forgotten.
  ASSERT_TRUE(blobs_->remove(digest_of(loose)));
  auto report = collector_.collect(false).value();
  EXPECT_EQ(report.blobs_deleted, 1u);
  EXPECT_EQ(report.bytes_freed, 0u);  // nothing was left to remove
  EXPECT_TRUE(lifecycle_->unlinked_blobs("", 10, now() + 1000).value().empty());
}

}  // namespace
}  // namespace pier::services
