#include <algorithm>
#include <boost/json.hpp>
#include <limits>

#include "common/byte_range.h"
#include "registry/handlers.h"

namespace pier::registry {

namespace json = boost::json;

namespace {

// One page holds at most this many entries whatever `n` asks for; a Link header leads on.
constexpr std::size_t kMaxPage = 10000;

struct Page {
  std::size_t limit;   // entries to return
  std::string after;   // exclusive lower bound
};

Result<Page> read_page(const Request& request) {
  Page page{kMaxPage, std::string(request.query_param("last").value_or(""))};
  if (const auto n = request.query_param("n")) {
    const auto parsed = parse_uint(*n);
    if (!parsed) return make_error(ErrorCode::kBadRequest, "n must be a non-negative integer");
    page.limit = std::min<std::uint64_t>(*parsed, kMaxPage);
  }
  return page;
}

// Fetches one entry more than the page to learn whether a next page exists.
template <class Fetch>
Result<std::pair<std::vector<std::string>, bool>> fetch_page(const Page& page, Fetch&& fetch) {
  // n=0 still asks the store, so an unknown repository is reported; it never has a next page.
  auto names = fetch(page.after, page.limit + 1);
  if (!names) return names.error();
  const bool more = page.limit > 0 && names->size() > page.limit;
  if (names->size() > page.limit) names->resize(page.limit);
  return std::pair(std::move(*names), more);
}

Response page_response(json::object body, const std::vector<std::string>& names, bool more, std::string_view path,
                       std::size_t limit, std::string_view key) {
  json::array items;
  for (const auto& name : names) items.emplace_back(name);
  body[key] = std::move(items);
  Response response = json_response(json::serialize(body));
  if (more) {
    response.header("Link", "<" + std::string(path) + "?n=" + std::to_string(limit) + "&last=" + names.back() +
                                ">; rel=\"next\"");
  }
  return response;
}

}  // namespace

Result<Reply> list_tags(RegistryServices& s, Request& request) {
  auto page = read_page(request);
  if (!page) return page.error();
  auto result = fetch_page(*page, [&](std::string_view after, std::size_t limit) {
    return s.manifests.tags(request.repository, after, limit);
  });
  if (!result) return result.error();
  json::object body;
  body["name"] = request.repository;
  return Reply(page_response(std::move(body), result->first, result->second,
                             "/v2/" + request.repository + "/tags/list", page->limit, "tags"));
}

namespace {

// Up to `limit` names after `after` that `visible` admits, reading the store in batches.
Result<std::vector<std::string>> visible_repositories(RegistryServices& s, const Visibility& visible,
                                                      std::string_view after, std::size_t limit) {
  if (!visible) return s.manifests.repositories(after, limit);
  // The first batch is about the page's size: a small page costs a small batch.
  constexpr std::size_t kBatch = 1000;
  std::size_t batch_size = std::clamp<std::size_t>(limit, 64, kBatch);
  std::vector<std::string> names;
  std::string cursor(after);
  while (names.size() < limit) {
    auto batch = s.manifests.repositories(cursor, batch_size);
    if (!batch) return batch.error();
    auto admitted = visible(*batch);
    if (!admitted) return admitted.error();
    for (std::size_t i = 0; i < batch->size() && names.size() < limit; ++i) {
      if ((*admitted)[i]) names.push_back((*batch)[i]);
    }
    if (batch->size() < batch_size) break;
    cursor = batch->back();
    batch_size = kBatch;
  }
  return names;
}

}  // namespace

Result<Reply> list_catalog(RegistryServices& s, Request& request, const Visibility& visible) {
  auto page = read_page(request);
  if (!page) return page.error();
  auto result = fetch_page(*page, [&](std::string_view after, std::size_t limit) {
    return visible_repositories(s, visible, after, limit);
  });
  if (!result) return result.error();
  return Reply(page_response({}, result->first, result->second, "/v2/_catalog", page->limit, "repositories"));
}

Result<Reply> list_referrers(RegistryServices& s, Request& request) {
  const auto artifact_type = request.query_param("artifactType");
  auto referrers = s.manifests.referrers(request.repository, request.reference, artifact_type);
  if (!referrers) return referrers.error();
  json::array manifests;
  for (const auto& referrer : *referrers) {
    json::object descriptor;
    descriptor["mediaType"] = referrer.media_type;
    descriptor["digest"] = referrer.digest;
    descriptor["size"] = referrer.size;
    if (!referrer.artifact_type.empty()) descriptor["artifactType"] = referrer.artifact_type;
    if (!referrer.annotations_json.empty()) descriptor["annotations"] = json::parse(referrer.annotations_json);
    manifests.emplace_back(std::move(descriptor));
  }
  json::object index;
  index["schemaVersion"] = 2;
  index["mediaType"] = "application/vnd.oci.image.index.v1+json";
  index["manifests"] = std::move(manifests);
  Response response = json_response(json::serialize(index), "application/vnd.oci.image.index.v1+json");
  if (artifact_type) response.header("OCI-Filters-Applied", "artifactType");
  return Reply(std::move(response));
}

}  // namespace pier::registry
