// One suite for every MetadataStore implementation.
#include "meta/metadata_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <thread>

#include "meta/postgres/pg_store.h"
#include "meta/sqlite/sqlite_store.h"
#include "pg_server.h"
#include "test_dirs.h"

namespace pier::meta {
namespace {

struct Backend {
  std::string name;
  std::function<std::unique_ptr<MetadataStore>(const std::filesystem::path&)> make;
};

void PrintTo(const Backend& backend, std::ostream* out) { *out << backend.name; }

Digest d(std::string_view content) { return digest_of(content); }

class MetadataStoreSuite : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { store_ = GetParam().make(dir_.path()); }

  ManifestRecord manifest(std::string_view content, std::vector<ManifestReference> refs = {},
                          std::string subject = "", std::string artifact_type = "") {
    return ManifestRecord{d(content).str(), "application/vnd.oci.image.manifest.v1+json", std::string(content),
                          std::move(artifact_type), std::move(subject), "", std::move(refs)};
  }

  testing::TempDir dir_;
  std::unique_ptr<MetadataStore> store_;
};

TEST_P(MetadataStoreSuite, BlobLinksArePerRepository) {
  ASSERT_TRUE(store_->link_blob("a/b", d("layer"), 5, 100));
  EXPECT_EQ(store_->linked_blob_size("a/b", d("layer")).value(), 5u);
  EXPECT_FALSE(store_->linked_blob_size("other", d("layer")).value());
  EXPECT_EQ(store_->blob_size(d("layer")).value(), 5u);
  EXPECT_TRUE(store_->repository_exists("a/b").value());
  EXPECT_FALSE(store_->repository_exists("other").value());
  EXPECT_TRUE(store_->unlink_blob("a/b", d("layer")).value());
  EXPECT_FALSE(store_->unlink_blob("a/b", d("layer")).value());
  EXPECT_FALSE(store_->linked_blob_size("a/b", d("layer")).value());
}

TEST_P(MetadataStoreSuite, InlineBlobsKeepTheirExactBytesAndCloseTheirSession) {
  // NULs and a byte that is not UTF-8, in 20 bytes ("\x00" "b": a hex escape would take the b).
  const std::string bytes("config\0with\xff\x00" "bytes...", 20);
  ASSERT_TRUE(store_->create_upload({"u1", "a/b", 10, 10}));
  ASSERT_TRUE(store_->link_inline_blob("a/b", d(bytes), bytes, "u1", 100));
  EXPECT_EQ(store_->inline_blob(d(bytes)).value(), bytes);
  EXPECT_EQ(store_->linked_blob_size("a/b", d(bytes)).value(), 20u);
  EXPECT_FALSE(store_->get_upload("u1").value());
  // The same bytes pushed to a second repository are one blob linked twice.
  ASSERT_TRUE(store_->link_inline_blob("c/d", d(bytes), bytes, "u2", 101));
  EXPECT_EQ(store_->linked_blob_size("c/d", d(bytes)).value(), 20u);
  EXPECT_EQ(store_->inline_blob(d(bytes)).value(), bytes);
  // A blob linked with its bytes elsewhere has none here.
  ASSERT_TRUE(store_->link_blob("a/b", d("big layer"), 9, 100));
  EXPECT_FALSE(store_->inline_blob(d("big layer")).value());
  EXPECT_FALSE(store_->inline_blob(d("never stored")).value());
}

TEST_P(MetadataStoreSuite, ManifestWithUnknownReferenceChangesNothing) {
  auto m = manifest("m1", {{d("missing").str(), ReferenceKind::kBlob, std::nullopt, ""}});
  auto put = store_->put_manifest("repo", m, {"latest"}, 1);
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, ErrorCode::kManifestBlobUnknown);
  EXPECT_NE(put.error().detail.find(d("missing").str()), std::string::npos);
  EXPECT_FALSE(store_->get_manifest("repo", d("m1")).value());
  EXPECT_FALSE(store_->repository_exists("repo").value());
}

TEST_P(MetadataStoreSuite, AReferenceWhoseSizeIsWrongChangesNothing) {
  ASSERT_TRUE(store_->link_blob("repo", d("config"), 552, 1));
  ASSERT_TRUE(store_->put_manifest("repo", manifest("child"), {}, 1));
  auto lying = manifest("m1", {{d("config").str(), ReferenceKind::kBlob, 1, "config"}});
  auto put = store_->put_manifest("repo", lying, {"latest"}, 2);
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, ErrorCode::kManifestInvalid);
  EXPECT_NE(put.error().message.find("config"), std::string::npos);
  EXPECT_NE(put.error().message.find("552"), std::string::npos);
  EXPECT_FALSE(store_->get_manifest("repo", d("m1")).value());
  auto wrong_child = manifest("index", {{d("child").str(), ReferenceKind::kManifest, 6, "manifests[0]"}});
  EXPECT_EQ(store_->put_manifest("repo", wrong_child, {}, 3).error().code, ErrorCode::kManifestInvalid);
  // The right sizes are accepted.
  ASSERT_TRUE(store_->put_manifest("repo", manifest("m1", {{d("config").str(), ReferenceKind::kBlob, 552, "config"}}),
                                   {"latest"}, 4));
  ASSERT_TRUE(store_->put_manifest("repo", manifest("index", {{d("child").str(), ReferenceKind::kManifest, 5, "m"}}),
                                   {}, 5));
}

TEST_P(MetadataStoreSuite, BlobsAreFoundInTheRepositoriesLinkingThem) {
  ASSERT_TRUE(store_->link_blob("b/two", d("layer"), 5, 1));
  ASSERT_TRUE(store_->link_blob("a/one", d("layer"), 5, 1));
  ASSERT_TRUE(store_->link_blob("c/three", d("other"), 5, 1));
  EXPECT_EQ(store_->repositories_linking(d("layer"), 10).value(), (std::vector<std::string>{"a/one", "b/two"}));
  EXPECT_EQ(store_->repositories_linking(d("layer"), 1).value(), (std::vector<std::string>{"a/one"}));
  EXPECT_TRUE(store_->repositories_linking(d("none"), 10).value().empty());
}

TEST_P(MetadataStoreSuite, TagsMoveAndEveryMoveIsRecorded) {
  ASSERT_TRUE(store_->link_blob("repo", d("config"), 6, 1));
  auto m1 = manifest("m1", {{d("config").str(), ReferenceKind::kBlob, std::nullopt, ""}});
  auto m2 = manifest("m2", {{d("config").str(), ReferenceKind::kBlob, std::nullopt, ""}});
  ASSERT_TRUE(store_->put_manifest("repo", m1, {"latest", "v1"}, 10));
  ASSERT_TRUE(store_->put_manifest("repo", m2, {"latest"}, 20));
  ASSERT_TRUE(store_->put_manifest("repo", m2, {"latest"}, 30));  // no move: not recorded
  EXPECT_EQ(store_->get_tagged_manifest("repo", "latest").value()->digest, m2.digest);
  EXPECT_EQ(store_->get_tagged_manifest("repo", "v1").value()->content, "m1");
  EXPECT_EQ(store_->list_tags("repo", "", 100).value(), (std::vector<std::string>{"latest", "v1"}));
  EXPECT_EQ(store_->list_tags("repo", "latest", 100).value(), (std::vector<std::string>{"v1"}));
  EXPECT_EQ(store_->list_tags("repo", "", 1).value(), (std::vector<std::string>{"latest"}));
  EXPECT_EQ(store_->list_tags("nope", "", 1).error().code, ErrorCode::kNameUnknown);

  ASSERT_TRUE(store_->delete_tag("repo", "latest", 40).value());
  EXPECT_FALSE(store_->delete_tag("repo", "latest", 41).value());
  const auto history = store_->tag_history("repo", "latest").value();
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].old_digest, "");
  EXPECT_EQ(history[0].new_digest, m1.digest);
  EXPECT_EQ(history[1].old_digest, m1.digest);
  EXPECT_EQ(history[1].new_digest, m2.digest);
  EXPECT_EQ(history[2].new_digest, "");
  EXPECT_EQ(history[2].changed_at, 40);
}

TEST_P(MetadataStoreSuite, DeletingAManifestDeletesItsTags) {
  auto m1 = manifest("m1");
  ASSERT_TRUE(store_->put_manifest("repo", m1, {"a", "b"}, 1));
  EXPECT_TRUE(store_->delete_manifest("repo", d("m1"), 2).value());
  EXPECT_FALSE(store_->delete_manifest("repo", d("m1"), 3).value());
  EXPECT_FALSE(store_->get_manifest("repo", d("m1")).value());
  EXPECT_TRUE(store_->list_tags("repo", "", 10).value().empty());
  EXPECT_EQ(store_->tag_history("repo", "a").value().back().new_digest, "");
}

TEST_P(MetadataStoreSuite, IndexNeedsItsChildren) {
  auto child = manifest("child");
  auto index = manifest("index", {{child.digest, ReferenceKind::kManifest, std::nullopt, ""}});
  EXPECT_EQ(store_->put_manifest("repo", index, {}, 1).error().code, ErrorCode::kManifestBlobUnknown);
  ASSERT_TRUE(store_->put_manifest("repo", child, {}, 1));
  EXPECT_TRUE(store_->put_manifest("repo", index, {"multi"}, 2));
}

TEST_P(MetadataStoreSuite, ReferrersByArtifactType) {
  const auto subject = d("subject");
  ASSERT_TRUE(store_->put_manifest("repo", manifest("sig", {}, subject.str(), "application/sig"), {}, 1));
  ASSERT_TRUE(store_->put_manifest("repo", manifest("sbom", {}, subject.str(), "application/sbom"), {}, 1));
  ASSERT_TRUE(store_->put_manifest("other", manifest("elsewhere", {}, subject.str(), "application/sig"), {}, 1));
  EXPECT_EQ(store_->list_referrers("repo", subject, std::nullopt).value().size(), 2u);
  const auto sigs = store_->list_referrers("repo", subject, "application/sig").value();
  ASSERT_EQ(sigs.size(), 1u);
  EXPECT_EQ(sigs[0].digest, d("sig").str());
  EXPECT_EQ(sigs[0].size, 3u);
  EXPECT_TRUE(store_->list_referrers("repo", d("nothing"), std::nullopt).value().empty());
}

TEST_P(MetadataStoreSuite, CatalogPages) {
  for (const char* name : {"c", "a/x", "b"}) ASSERT_TRUE(store_->link_blob(name, d("x"), 1, 1));
  EXPECT_EQ(store_->list_repositories("", 10).value(), (std::vector<std::string>{"a/x", "b", "c"}));
  EXPECT_EQ(store_->list_repositories("a/x", 1).value(), (std::vector<std::string>{"b"}));
}

TEST_P(MetadataStoreSuite, UploadSessions) {
  ASSERT_TRUE(store_->create_upload({"u1", "repo", 10, 10}));
  ASSERT_TRUE(store_->create_upload({"u2", "repo", 10, 10}));
  ASSERT_TRUE(store_->touch_upload("u2", 50));
  EXPECT_EQ(store_->get_upload("u1").value()->repository, "repo");
  EXPECT_EQ(store_->count_uploads().value(), 2u);
  const auto idle = store_->uploads_idle_since(20).value();
  ASSERT_EQ(idle.size(), 1u);
  EXPECT_EQ(idle[0].id, "u1");
  ASSERT_TRUE(store_->delete_upload("u1"));
  EXPECT_FALSE(store_->get_upload("u1").value());
}

TEST_P(MetadataStoreSuite, ConcurrentWritersEachLandOrFailAlone) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 40;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const auto name = "t" + std::to_string(t) + "-" + std::to_string(i);
        if (!store_->link_blob("repo", d(name), 1, 1)) ++failures;
        auto good = manifest("m-" + name, {{d(name).str(), ReferenceKind::kBlob, std::nullopt, ""}});
        if (!store_->put_manifest("repo", good, {"shared", name}, 2)) ++failures;
        // Interleaved with the good writes: refused alone, without undoing its neighbours.
        auto bad = manifest("bad-" + name, {{d("absent-" + name).str(), ReferenceKind::kBlob, std::nullopt, ""}});
        if (store_->put_manifest("repo", bad, {"shared"}, 3)) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(store_->list_tags("repo", "", 10000).value().size(), 1u + kThreads * kPerThread);
  // Every move of the contended tag was recorded: one per good put.
  const auto history = store_->tag_history("repo", "shared").value();
  ASSERT_EQ(history.size(), static_cast<std::size_t>(kThreads * kPerThread));
  // ... and each move left the digest the one before it set: no two writers read the same "before".
  EXPECT_EQ(history.front().old_digest, "");
  for (std::size_t i = 1; i < history.size(); ++i) {
    EXPECT_EQ(history[i].old_digest, history[i - 1].new_digest) << "move " << i;
  }
  EXPECT_FALSE(store_->get_manifest("repo", d("bad-t0-0")).value());
}

std::vector<std::string> summary_names(const std::vector<RepositorySummary>& summaries) {
  std::vector<std::string> out;
  for (const auto& s : summaries) out.push_back(s.name);
  return out;
}

TEST_P(MetadataStoreSuite, RepositorySummariesCountTagsAndFilterAndPage) {
  ASSERT_TRUE(store_->link_blob("acme/app", d("config"), 6, 1));
  ASSERT_TRUE(store_->put_manifest("acme/app", manifest("m1", {{d("config").str(), ReferenceKind::kBlob, std::nullopt, ""}}),
                                   {"1.0", "latest"}, 50));
  ASSERT_TRUE(store_->delete_tag("acme/app", "1.0", 70));
  ASSERT_TRUE(store_->create_repository("acme/tools", 2).value());
  ASSERT_TRUE(store_->create_repository("acme-other/app", 3).value());
  ASSERT_TRUE(store_->create_repository("acmeapp", 3).value());

  const auto app = store_->repository_summary("acme/app").value();
  ASSERT_TRUE(app);
  EXPECT_EQ(app->tag_count, 1u);
  EXPECT_EQ(app->last_modified, 70);  // the deletion is the last change
  const auto tools = store_->repository_summary("acme/tools").value();
  ASSERT_TRUE(tools);
  EXPECT_EQ(tools->tag_count, 0u);
  EXPECT_FALSE(tools->last_modified);
  EXPECT_FALSE(store_->repository_summary("acme/none").value());

  const auto in_acme = store_->list_repository_summaries({"acme", "", "", 100}).value();
  EXPECT_EQ(summary_names(in_acme), (std::vector<std::string>{"acme/app", "acme/tools"}));
  EXPECT_EQ(summary_names(store_->list_repository_summaries({"", "APP", "", 100}).value()),
            (std::vector<std::string>{"acme-other/app", "acme/app", "acmeapp"}));
  EXPECT_EQ(summary_names(store_->list_repository_summaries({"acme", "", "acme/app", 1}).value()),
            (std::vector<std::string>{"acme/tools"}));
  EXPECT_EQ(summary_names(store_->list_repository_summaries({"", "", "", 2}).value()),
            (std::vector<std::string>{"acme-other/app", "acme/app"}));
}

TEST_P(MetadataStoreSuite, CreatingARepositoryOnlyOnce) {
  EXPECT_TRUE(store_->create_repository("acme/app", 5).value());
  EXPECT_TRUE(store_->repository_exists("acme/app").value());
  EXPECT_FALSE(store_->create_repository("acme/app", 6).value());
  EXPECT_TRUE(store_->list_tags("acme/app", "", 10).value().empty());
}

TEST_P(MetadataStoreSuite, DeletingARepositoryRemovesEverythingInIt) {
  ASSERT_TRUE(store_->link_blob("acme/app", d("config"), 6, 1));
  ASSERT_TRUE(store_->link_blob("acme/keep", d("config"), 6, 1));
  auto image = manifest("m1", {{d("config").str(), ReferenceKind::kBlob, std::nullopt, ""}});
  ASSERT_TRUE(store_->put_manifest("acme/app", image, {"1.0"}, 2));
  ASSERT_TRUE(store_->put_manifest("acme/app", manifest("idx", {{image.digest, ReferenceKind::kManifest, std::nullopt, ""}}), {"multi"}, 3));
  ASSERT_TRUE(store_->put_manifest("acme/keep", image, {"1.0"}, 2));

  EXPECT_TRUE(store_->delete_repository("acme/app").value());
  EXPECT_FALSE(store_->repository_exists("acme/app").value());
  EXPECT_FALSE(store_->get_manifest("acme/app", d("m1")).value());
  EXPECT_FALSE(store_->linked_blob_size("acme/app", d("config")).value());
  EXPECT_TRUE(store_->tag_history("acme/app", "1.0").value().empty());
  EXPECT_FALSE(store_->delete_repository("acme/app").value());
  // Another repository holding the same content keeps it.
  EXPECT_TRUE(store_->get_tagged_manifest("acme/keep", "1.0").value());
  EXPECT_EQ(store_->blob_size(d("config")).value(), 6u);
  // The name can be used again, from nothing.
  ASSERT_TRUE(store_->create_repository("acme/app", 9).value());
  EXPECT_EQ(store_->repository_summary("acme/app").value()->tag_count, 0u);
}

TEST_P(MetadataStoreSuite, TaggingAStoredManifestMovesAndRecordsLikeAPush) {
  ASSERT_TRUE(store_->link_blob("repo", d("config"), 6, 1));
  ASSERT_TRUE(store_->put_manifest("repo", manifest("m1", {{d("config").str(), ReferenceKind::kBlob, std::nullopt, ""}}), {"1.0"}, 10));
  ASSERT_TRUE(store_->put_manifest("repo", manifest("m2", {{d("config").str(), ReferenceKind::kBlob, std::nullopt, ""}}), {"1.0"}, 20));

  EXPECT_TRUE(store_->tag_manifest("repo", "1.0", d("m1"), 30).value());  // restore
  EXPECT_TRUE(store_->tag_manifest("repo", "stable", d("m1"), 31).value());
  EXPECT_TRUE(store_->tag_manifest("repo", "stable", d("m1"), 32).value());  // no move, no record
  EXPECT_FALSE(store_->tag_manifest("repo", "1.0", d("never-pushed"), 33).value());
  EXPECT_FALSE(store_->tag_manifest("none", "1.0", d("m1"), 33).value());

  EXPECT_EQ(store_->get_tagged_manifest("repo", "1.0").value()->digest, d("m1").str());
  const auto history = store_->tag_history("repo", "1.0").value();
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[2].old_digest, d("m2").str());
  EXPECT_EQ(history[2].new_digest, d("m1").str());
  EXPECT_EQ(history[2].changed_at, 30);
  EXPECT_EQ(store_->tag_history("repo", "stable").value().size(), 1u);
  EXPECT_EQ(store_->tags_of_manifest("repo", d("m1")).value(), (std::vector<std::string>{"1.0", "stable"}));
  EXPECT_TRUE(store_->tags_of_manifest("repo", d("m2")).value().empty());
}

TEST_P(MetadataStoreSuite, TagDetailsCarryTheManifestAndFilterAndPage) {
  ASSERT_TRUE(store_->link_blob("repo", d("config"), 6, 1));
  auto image = manifest("m1", {{d("config").str(), ReferenceKind::kBlob, std::nullopt, ""}});
  ASSERT_TRUE(store_->put_manifest("repo", image, {"1.0", "1.1", "Latest-dev"}, 10));
  ASSERT_TRUE(store_->tag_manifest("repo", "1.1", d("m1"), 20).value());

  const auto all = store_->list_tag_details("repo", "", "", 10).value();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].name, "1.0");
  EXPECT_EQ(all[0].digest, d("m1").str());
  EXPECT_EQ(all[0].media_type, "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(all[0].content, "m1");
  EXPECT_EQ(all[0].last_modified, 10);
  const auto page = store_->list_tag_details("repo", "", "1.0", 1).value();
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].name, "1.1");
  const auto dev = store_->list_tag_details("repo", "DEV", "", 10).value();
  ASSERT_EQ(dev.size(), 1u);
  EXPECT_EQ(dev[0].name, "Latest-dev");
  EXPECT_EQ(store_->tag_detail("repo", "1.1").value()->last_modified, 10);
  EXPECT_FALSE(store_->tag_detail("repo", "2.0").value());

  auto unknown = store_->list_tag_details("none", "", "", 10);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNameUnknown);
}

INSTANTIATE_TEST_SUITE_P(
    Backends, MetadataStoreSuite,
    ::testing::Values(Backend{"sqlite", [](const auto& dir) { return open_sqlite_store(dir / "pier.db"); }},
                      Backend{"postgres",
                              [](const auto&) {
                                return open_postgres_store(testing::PostgresServer::shared().create_database());
                              }}),
    [](const auto& info) { return info.param.name; });

TEST(SqliteStore, MigratesOnceAndKeepsData) {
  testing::TempDir dir;
  {
    auto store = open_sqlite_store(dir.path() / "pier.db");
    ASSERT_TRUE(store->link_blob("repo", d("x"), 1, 1));
  }
  EXPECT_EQ(sqlite_schema_version(dir.path() / "pier.db"), sqlite_latest_schema_version());
  auto reopened = open_sqlite_store(dir.path() / "pier.db");
  EXPECT_TRUE(reopened->repository_exists("repo").value());
  EXPECT_EQ(sqlite_schema_version(dir.path() / "pier.db"), sqlite_latest_schema_version());
}

}  // namespace
}  // namespace pier::meta
