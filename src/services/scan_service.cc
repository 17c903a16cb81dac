#include "services/scan_service.h"

#include <unistd.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>
#include <tuple>

#include "common/names.h"
#include "services/manifest_parser.h"
#include "services/media_types.h"
#include "signing/signature_manifest.h"
#include "vuln/image_inventory.h"
#include "vuln/layer_index.h"
#include "vuln/osv_import.h"
#include "vuln/spdx.h"
#include "vuln/vulnerability_index.h"

namespace pier::services {

namespace json = boost::json;

namespace {

constexpr std::size_t kRescanBatch = 200;
constexpr std::size_t kUpkeepScans = 1000;
// An index lists images, not indexes of indexes in practice; a bound keeps a hostile one short.
constexpr int kMaxIndexDepth = 2;
constexpr std::string_view kEmptyConfig = "{}";
constexpr std::string_view kEmptyMediaType = "application/vnd.oci.empty.v1+json";

// Layers of these media types are tar streams, compressed or not; others (foreign layers,
// artifacts' files) hold no filesystem.
bool is_filesystem_layer(std::string_view media_type) {
  return media_type.find(".tar") != std::string_view::npos || media_type.find("rootfs.diff.tar") != std::string_view::npos;
}

// Reads a blob's bytes front to back, wherever they are.
vuln::LayerSource source_over(const BlobBytes& bytes) {
  auto offset = std::make_shared<std::uint64_t>(0);
  return [&bytes, offset](char* buffer, std::size_t capacity) -> long {
    if (!bytes.file) {
      const auto left = bytes.bytes.size() - std::min<std::uint64_t>(*offset, bytes.bytes.size());
      const auto n = std::min<std::uint64_t>(left, capacity);
      std::memcpy(buffer, bytes.bytes.data() + *offset, n);
      *offset += n;
      return static_cast<long>(n);
    }
    const auto& region = *bytes.file;
    const auto left = region.length() - std::min(*offset, region.length());
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(left, capacity));
    if (want == 0) return 0;
    for (;;) {
      const auto got = region.sequential() ? ::read(region.fd(), buffer, want)
                                           : ::pread(region.fd(), buffer, want, static_cast<off_t>(region.offset() + *offset));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return -1;  // the blob ends before its size: it cannot be read
      *offset += static_cast<std::uint64_t>(got);
      return static_cast<long>(got);
    }
  };
}

std::optional<vuln::Severity> blocking_severity(std::string_view text) {
  const auto severity = vuln::parse_severity(text);
  if (!severity || *severity < vuln::Severity::kLow || text != vuln::to_text(*severity)) return std::nullopt;
  return severity;
}

bool allowed(const vuln::Finding& finding, const std::vector<std::string>& allow) {
  const auto listed = [&](const std::string& id) { return std::ranges::find(allow, id) != allow.end(); };
  return listed(finding.id) || std::ranges::any_of(finding.aliases, listed);
}

std::string children_json(const std::vector<std::string>& digests) {
  json::array array;
  for (const auto& digest : digests) array.emplace_back(digest);
  return json::serialize(array);
}

std::vector<std::string> children_of(const std::string& text) {
  std::vector<std::string> digests;
  if (text.empty()) return digests;
  const auto document = json::parse(text);
  for (const auto& value : document.as_array()) digests.emplace_back(value.as_string());
  return digests;
}

// The SBOM referrer of an image: its bytes never change for one scan, so attaching it again is
// a no-op.
struct SbomArtifact {
  std::string manifest;
  Digest manifest_digest;
  Digest layer_digest;
};

SbomArtifact sbom_artifact(const meta::StoredManifest& subject, std::string_view sbom, std::int64_t scanned_at) {
  const auto layer_digest = digest_of(sbom);
  json::object manifest{
      {"schemaVersion", 2},
      {"mediaType", media_type::kOciManifest},
      {"artifactType", vuln::kSpdxMediaType},
      {"config", json::object{{"mediaType", kEmptyMediaType}, {"digest", digest_of(kEmptyConfig).str()}, {"size", 2}}},
      {"layers", json::array{json::object{{"mediaType", vuln::kSpdxMediaType},
                                          {"digest", layer_digest.str()},
                                          {"size", sbom.size()},
                                          {"annotations", json::object{{"org.opencontainers.image.title", "sbom.spdx.json"}}}}}},
      {"subject", json::object{{"mediaType", subject.media_type}, {"digest", subject.digest}, {"size", subject.content.size()}}},
      {"annotations", json::object{{"org.opencontainers.image.created", json::string(format_utc(scanned_at))}}}};
  auto text = json::serialize(manifest);
  auto digest = digest_of(text);
  return SbomArtifact{std::move(text), std::move(digest), layer_digest};
}

}  // namespace

ScanService::ScanService(meta::VulnerabilityStore& store, meta::MetadataStore& metadata, ManifestService& manifests,
                         BlobService& blobs, UploadService& uploads, Clock& clock, bool shared)
    : store_(store), metadata_(metadata), manifests_(manifests), blobs_(blobs), uploads_(uploads), clock_(clock),
      shared_(shared) {}

ScanService::~ScanService() {
  {
    std::lock_guard lock(requests_mutex_);
    stopping_ = true;
  }
  requests_ready_.notify_all();
  if (requester_.joinable()) requester_.join();
}

void ScanService::set_requesters(ScanRequester scan, RescanRequester rescan) {
  request_scan_ = std::move(scan);
  request_rescan_ = std::move(rescan);
  if (!requester_.joinable()) requester_ = std::thread([this] { request_scans(); });
}

void ScanService::request_scans() {
  std::unique_lock lock(requests_mutex_);
  for (;;) {
    requests_ready_.wait(lock, [this] { return stopping_ || !requests_.empty(); });
    if (stopping_) return;
    auto [repository, digest] = std::move(requests_.front());
    requests_.pop_front();
    lock.unlock();
    (void)request_scan_(repository, digest);
    lock.lock();
  }
}

Result<void> ScanService::load() {
  auto names = store_.namespaces_with_vulnerability_policy();
  if (!names) return names.error();
  std::unique_lock lock(policies_mutex_);
  with_policy_ = {names->begin(), names->end()};
  any_policy_ = !with_policy_.empty();
  return {};
}

Result<meta::VulnerabilityDatabaseState> ScanService::import(std::string_view body) {
  auto records = vuln::read_osv_import(body);
  if (!records) return records.error();
  std::vector<meta::StoredVulnerability> stored;
  stored.reserve(records->size());
  for (auto& imported : *records) stored.push_back({imported.record.id, std::move(imported.json)});
  auto state = store_.replace_vulnerabilities(stored, clock_.unix_seconds());
  if (!state) return state.error();
  if (request_rescan_) {
    if (auto requested = request_rescan_(state->generation); !requested) return requested.error();
  }
  return state;
}

Result<meta::VulnerabilityDatabaseState> ScanService::database() { return store_.vulnerability_database(); }

Result<ScanService::LoadedIndex> ScanService::current_index() {
  auto state = store_.vulnerability_database();
  if (!state) return state.error();
  std::lock_guard lock(index_mutex_);
  if (index_ && index_generation_ == state->generation) return LoadedIndex{index_, index_generation_};
  auto all = store_.vulnerabilities();
  if (!all) return all.error();
  std::vector<vuln::OsvRecord> records;
  records.reserve(all->second.size());
  for (const auto& stored : all->second) {
    auto record = vuln::parse_osv(stored.json);
    if (!record) return make_error(ErrorCode::kInternal, "a stored vulnerability record is damaged: " + record.error().message);
    records.push_back(std::move(*record));
  }
  index_ = std::make_shared<const vuln::VulnerabilityIndex>(std::move(records));
  index_generation_ = all->first;
  return LoadedIndex{index_, index_generation_};
}

void ScanService::pushed(std::string_view repository, std::string_view digest) {
  {
    std::lock_guard lock(requests_mutex_);
    if (!requester_.joinable() || requests_.size() >= kMaxQueuedRequests) return;
    requests_.emplace_back(repository, digest);
  }
  requests_ready_.notify_one();
}

Result<std::string> ScanService::layer_index_json(const std::string& digest, std::uint64_t size) {
  auto kept = store_.layer_index(digest);
  if (!kept) return kept.error();
  if (*kept) return std::move(**kept);
  auto parsed = Digest::parse(digest);
  if (!parsed) return parsed.error();
  auto bytes = blobs_.open(*parsed, 0, size);
  if (!bytes) return bytes.error();
  totals_.layer_reads.fetch_add(1);
  auto findings = vuln::read_layer(source_over(*bytes));
  if (!findings) return findings.error();
  auto text = vuln::layer_index_json(vuln::index_layer(*findings));
  if (auto put = store_.put_layer_index(digest, text, clock_.unix_seconds()); !put) return put.error();
  return text;
}

Result<vuln::ImageInventory> ScanService::inventory_of_layers(
    const std::vector<std::pair<std::string, std::uint64_t>>& layers) {
  std::vector<vuln::LayerIndex> indexes;
  indexes.reserve(layers.size());
  for (const auto& [digest, size] : layers) {
    auto text = layer_index_json(digest, size);
    if (!text) return text.error();
    auto index = vuln::parse_layer_index(*text);
    if (!index) return index.error();
    indexes.push_back(std::move(*index));
  }
  return vuln::inventory_of(indexes);
}

Result<meta::ManifestScan> ScanService::scan_manifest(std::string_view repository, const meta::StoredManifest& manifest,
                                                      int depth) {
  if (auto kept = store_.manifest_scan(manifest.digest); !kept) {
    return kept.error();
  } else if (*kept && (*kept)->status == "scanned") {
    return std::move(**kept);
  }
  auto loaded = current_index();
  if (!loaded) return loaded.error();
  meta::ManifestScan scan;
  scan.digest = manifest.digest;
  scan.status = "scanned";
  scan.scanned_at = clock_.unix_seconds();
  scan.generation = loaded->generation;
  auto document = read_manifest(manifest.content, manifest.media_type);
  if (!document) return document.error();
  if (!document->manifests.empty() || media_type::is_index(manifest.media_type)) {
    scan.kind = "index";
    std::vector<std::string> children;
    std::set<std::tuple<int, std::string, std::string>> packages;
    for (const auto& child : document->manifests) {
      if (depth >= kMaxIndexDepth) break;
      auto stored = manifests_.get(repository, child.digest);
      if (!stored) continue;  // a platform not pushed: nothing of it is served either
      auto child_scan = scan_manifest(repository, **stored, depth + 1);
      if (!child_scan) return child_scan.error();
      if (child_scan->kind != "image") continue;
      children.push_back(child.digest);
      if (scan.os.empty()) scan.os = child_scan->os;
      if (auto inventory = vuln::parse_inventory(child_scan->inventory)) {
        for (const auto& p : inventory->packages) packages.emplace(static_cast<int>(p.ecosystem), p.name, p.version);
      }
      if (child_scan->status == "failed" && scan.error.empty()) {
        scan.status = "failed";
        scan.error = child.digest + ": " + child_scan->error;
      }
    }
    scan.children = children_json(children);
    scan.packages = static_cast<std::int64_t>(packages.size());
    auto findings = index_findings(scan);
    if (!findings) return findings.error();
    scan.findings = std::move(*findings);
  } else if (!signing::is_runnable(manifest.media_type, manifest.content)) {
    scan.kind = "artifact";
  } else {
    scan.kind = "image";
    std::vector<std::pair<std::string, std::uint64_t>> layers;
    for (const auto& layer : document->layers) {
      if (!layer.external && is_filesystem_layer(layer.media_type)) layers.emplace_back(layer.digest, layer.size);
    }
    auto scanned = inventory_of_layers(layers);
    if (!scanned && scanned.error().code == ErrorCode::kBadRequest) {
      scan.status = "failed";
      scan.error = "a layer is not a tar archive: " + scanned.error().message;
    } else if (!scanned) {
      return scanned.error();
    } else {
      scan.inventory = vuln::inventory_json(*scanned);
      scan.packages = static_cast<std::int64_t>(scanned->packages.size());
      if (scanned->os) scan.os = vuln::osv_ecosystem_name(*scanned->os);
      scan.findings = vuln::findings_json(loaded->index->findings(*scanned));
      // Before the scan is stored: a report that says "scanned" names an SBOM its client finds.
      // A repository that refuses it (its namespace's quota is reached) keeps its scan all the
      // same; only a store that is down makes the scan wait.
      if (auto attached = attach_sbom(repository, manifest, scan);
          !attached && (attached.error().code == ErrorCode::kUnavailable || attached.error().code == ErrorCode::kInternal)) {
        return attached.error();
      }
    }
  }
  if (auto put = store_.put_manifest_scan(scan); !put) return put.error();
  totals_.scans.fetch_add(1);
  return scan;
}

Result<std::string> ScanService::index_findings(const meta::ManifestScan& index_scan) {
  std::vector<vuln::Finding> all;
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  for (const auto& child : children_of(index_scan.children)) {
    auto child_scan = store_.manifest_scan(child);
    if (!child_scan) return child_scan.error();
    if (!*child_scan) continue;
    auto findings = vuln::parse_findings((*child_scan)->findings);
    if (!findings) return findings.error();
    for (auto& finding : *findings) {
      if (seen.emplace(finding.id, finding.package, finding.installed_version).second) all.push_back(std::move(finding));
    }
  }
  vuln::sort_findings(all);
  return vuln::findings_json(all);
}

Result<void> ScanService::scan(std::string_view repository, const Digest& digest, bool final_attempt) {
  auto manifest = manifests_.get(repository, digest.str());
  if (!manifest && manifest.error().code == ErrorCode::kManifestUnknown) return {};  // deleted since the push
  if (!manifest) return manifest.error();
  auto scanned = scan_manifest(repository, **manifest, 0);
  if (!scanned && final_attempt) {
    meta::ManifestScan failed;
    failed.digest = digest.str();
    failed.status = "failed";
    failed.kind = "image";
    failed.scanned_at = clock_.unix_seconds();
    failed.error = scanned.error().message;
    return store_.put_manifest_scan(failed);
  }
  if (!scanned) return scanned.error();
  if (findings_observer_ && scanned->findings != "[]") {
    if (auto findings = vuln::parse_findings(scanned->findings); findings && !findings->empty()) {
      findings_observer_(repository, digest.str(), *findings);
    }
  }
  // Data imported while this scan ran was matched by a rescan that did not see it yet.
  if (auto state = store_.vulnerability_database(); state && state->generation > scanned->generation) {
    if (auto rescanned = rescan([] { return true; }); !rescanned) return rescanned.error();
  }
  return attach_sbom(repository, **manifest, *scanned);
}

Result<std::uint64_t> ScanService::rescan(const std::function<bool()>& keep_going) {
  auto loaded = current_index();
  if (!loaded) return loaded.error();
  const auto generation = loaded->generation;
  std::uint64_t rescanned = 0;
  // Images first: an index's findings are its images'.
  for (const std::string kind : {"image", "index"}) {
    std::string after;
    for (;;) {
      if (!keep_going()) return make_error(ErrorCode::kUnavailable, "the rescan was stopped");
      auto batch = store_.stale_scans(kind, generation, after, kRescanBatch);
      if (!batch) return batch.error();
      if (batch->empty()) break;
      std::vector<meta::RescannedFindings> updates;
      for (const auto& scan : *batch) {
        std::string findings = "[]";
        if (kind == "image") {
          auto inventory = vuln::parse_inventory(scan.inventory);
          if (!inventory) return inventory.error();
          findings = vuln::findings_json(loaded->index->findings(*inventory));
        } else {
          auto merged = index_findings(scan);
          if (!merged) return merged.error();
          findings = std::move(*merged);
        }
        updates.push_back({scan.digest, std::move(findings), generation});
      }
      after = batch->back().digest;
      if (auto updated = store_.update_findings(updates); !updated) return updated.error();
      rescanned += updates.size();
    }
  }
  return rescanned;
}

Result<std::uint64_t> ScanService::upkeep() {
  auto removed = store_.delete_orphaned_scans();
  if (!removed) return removed.error();
  auto unscanned = store_.unscanned_manifests(kUpkeepScans);
  if (!unscanned) return unscanned.error();
  for (const auto& [repository, digest] : *unscanned) pushed(repository, digest);
  return *removed;
}

Result<void> ScanService::put_blob(std::string_view repository, std::string_view bytes, const Digest& digest) {
  if (blobs_.stat(repository, digest)) return {};
  if (bytes.size() <= uploads_.inline_max_bytes()) {
    auto stored = uploads_.put_inline(repository, digest, bytes);
    if (!stored) return stored.error();
    return {};
  }
  auto id = uploads_.start(repository);
  if (!id) return id.error();
  auto writer = uploads_.open_writer(repository, *id, std::nullopt);
  if (!writer) return writer.error();
  if (auto written = (*writer)->write(bytes); !written) return written.error();
  if (auto finished = (*writer)->finish(); !finished) return finished.error();
  writer->reset();
  auto committed = uploads_.complete(repository, *id, digest);
  if (!committed) return committed.error();
  return {};
}

Result<std::optional<std::string>> ScanService::sbom_of(std::string_view repository, const meta::ManifestScan& scan) {
  if (scan.kind != "image" || scan.status != "scanned" || scan.inventory.empty()) return std::optional<std::string>();
  auto inventory = vuln::parse_inventory(scan.inventory);
  if (!inventory) return inventory.error();
  return std::optional<std::string>(vuln::spdx_document(repository, scan.digest, *inventory, scan.scanned_at));
}

Result<void> ScanService::attach_sbom(std::string_view repository, const meta::StoredManifest& manifest,
                                      const meta::ManifestScan& scan) {
  auto sbom = sbom_of(repository, scan);
  if (!sbom) return sbom.error();
  if (!*sbom) return {};
  const auto artifact = sbom_artifact(manifest, **sbom, scan.scanned_at);
  if (manifests_.get(repository, artifact.manifest_digest.str())) return {};
  if (auto put = put_blob(repository, kEmptyConfig, digest_of(kEmptyConfig)); !put) return put.error();
  if (auto put = put_blob(repository, **sbom, artifact.layer_digest); !put) return put.error();
  auto pushed = manifests_.put(repository, artifact.manifest_digest.str(), artifact.manifest, media_type::kOciManifest, {});
  if (!pushed) return pushed.error();
  return {};
}

Result<ScanReport> ScanService::report(std::string_view repository, const Digest& digest) {
  auto manifest = manifests_.get(repository, digest.str());
  if (!manifest) return manifest.error();
  auto scan = store_.manifest_scan(digest.str());
  if (!scan) return scan.error();
  ScanReport report;
  if (!*scan) {
    report.status = "queued";
    return report;
  }
  const auto& s = **scan;
  report.status = s.status;
  report.packages = s.packages;
  report.os = s.os;
  report.scanned_at = s.scanned_at;
  report.error = s.error;
  report.findings_json = s.findings;
  auto sbom = sbom_of(repository, s);
  if (!sbom) return sbom.error();
  // Named once it is attached in this repository (an image scanned in another is attached here
  // by its own scan job).
  if (*sbom) {
    auto artifact = sbom_artifact(**manifest, **sbom, s.scanned_at).manifest_digest.str();
    if (manifests_.get(repository, artifact)) report.sbom_digest = std::move(artifact);
  }
  return report;
}

Result<std::optional<std::string>> ScanService::sbom(std::string_view repository, const Digest& digest) {
  if (auto manifest = manifests_.get(repository, digest.str()); !manifest) return manifest.error();
  auto scan = store_.manifest_scan(digest.str());
  if (!scan) return scan.error();
  if (!*scan) return std::optional<std::string>();
  return sbom_of(repository, **scan);
}

Result<std::optional<meta::VulnerabilityPolicy>> ScanService::policy(std::string_view namespace_name) {
  return store_.vulnerability_policy(namespace_name);
}

Result<meta::VulnerabilityPolicy> ScanService::set_policy(std::string_view namespace_name, std::string_view block_severity,
                                                          std::vector<std::string> allow) {
  if (!blocking_severity(block_severity)) {
    return make_error(ErrorCode::kBadRequest, "block_severity must be low, medium, high or critical, not \"" +
                                                  std::string(block_severity) + "\"");
  }
  for (const auto& id : allow) {
    if (id.empty() || id.find_first_of("\r\n") != std::string::npos) {
      return make_error(ErrorCode::kBadRequest, "allow lists vulnerability ids: non-empty, on one line");
    }
  }
  std::ranges::sort(allow);
  allow.erase(std::unique(allow.begin(), allow.end()), allow.end());
  meta::VulnerabilityPolicy policy{std::string(block_severity), std::move(allow)};
  if (auto set = store_.set_vulnerability_policy(namespace_name, policy, clock_.unix_seconds()); !set) return set.error();
  remember_policy(namespace_name, true);
  return policy;
}

Result<void> ScanService::remove_policy(std::string_view namespace_name) {
  if (auto set = store_.set_vulnerability_policy(namespace_name, std::nullopt, clock_.unix_seconds()); !set) {
    return set.error();
  }
  remember_policy(namespace_name, false);
  return {};
}

void ScanService::remember_policy(std::string_view namespace_name, bool present) {
  std::unique_lock lock(policies_mutex_);
  if (present) {
    with_policy_.emplace(namespace_name);
  } else {
    with_policy_.erase(std::string(namespace_name));
  }
  any_policy_ = !with_policy_.empty();
}

Result<void> ScanService::admit(std::string_view repository, const meta::StoredManifest& manifest) {
  const auto namespace_name = namespace_of(repository);
  if (!shared_) {
    if (!any_policy_.load(std::memory_order_relaxed)) return {};
    std::shared_lock lock(policies_mutex_);
    if (!with_policy_.contains(std::string(namespace_name))) return {};
  }
  auto policy = store_.vulnerability_policy(namespace_name);
  if (!policy) return policy.error();
  if (!*policy) return {};
  const auto threshold = blocking_severity((*policy)->block_severity);
  if (!threshold) return {};
  auto scan = store_.manifest_scan(manifest.digest);
  if (!scan) return scan.error();
  if (!*scan || (*scan)->status != "scanned") return {};  // not known to be vulnerable yet
  auto findings = vuln::parse_findings((*scan)->findings);
  if (!findings) return findings.error();
  // Findings are worst first: the first one not allowed is the one to name.
  for (const auto& finding : *findings) {
    if (finding.severity < *threshold) break;
    if (allowed(finding, (*policy)->allow)) continue;
    return make_error(ErrorCode::kDenied,
                      std::string(repository) + "@" + manifest.digest + " has " + finding.id + " (" +
                          std::string(vuln::to_text(finding.severity)) + ") in " + finding.package + " " +
                          finding.installed_version + ": namespace " + std::string(namespace_name) +
                          " refuses to serve images with " + (*policy)->block_severity + " or worse vulnerabilities");
  }
  return {};
}

}  // namespace pier::services
