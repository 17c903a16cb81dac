#include "api/content_views.h"

#include "access/repository_policy.h"

namespace pier::api {

namespace json = boost::json;

namespace {

json::value text_or_null(const std::string& text) { return text.empty() ? json::value(nullptr) : json::value(text); }

json::object platform_view(const services::Platform& platform) {
  return {{"os", platform.os}, {"architecture", platform.architecture}, {"variant", platform.variant}};
}

template <class Item, class View>
json::array array_of(const std::vector<Item>& items, View&& view) {
  json::array views;
  for (const auto& item : items) views.emplace_back(view(item));
  return views;
}

json::array platforms_view(const std::vector<services::Platform>& platforms) {
  return array_of(platforms, platform_view);
}

json::object descriptor_view(const services::Descriptor& descriptor) {
  return {{"digest", descriptor.digest}, {"media_type", descriptor.media_type}, {"size", descriptor.size}};
}

json::value annotations_view(const std::string& annotations_json) {
  boost::system::error_code ec;
  json::value annotations = annotations_json.empty() ? json::value() : json::parse(annotations_json, ec);
  if (ec || !annotations.is_object()) return json::object();
  return annotations;
}

}  // namespace

json::object repository_view(const meta::RepositorySummary& summary, bool is_public) {
  return {{"name", summary.name},
          {"namespace", access::namespace_of(summary.name)},
          {"public", is_public},
          {"tag_count", summary.tag_count},
          {"last_modified", summary.last_modified ? json::value(*summary.last_modified) : json::value(nullptr)}};
}

json::object tag_view(const services::TagInfo& tag) {
  return {{"name", tag.name},
          {"digest", tag.digest},
          {"media_type", tag.media_type},
          {"size", tag.size},
          {"platforms", platforms_view(tag.platforms)},
          {"last_modified", tag.last_modified},
          {"expires_at", tag.expires_at ? json::value(*tag.expires_at) : json::value(nullptr)}};
}

json::object tag_event_view(const meta::TagEvent& event) {
  return {{"tag", event.tag},
          {"old_digest", text_or_null(event.old_digest)},
          {"new_digest", text_or_null(event.new_digest)},
          {"changed_at", event.changed_at}};
}

json::object manifest_view(const services::ManifestInfo& manifest) {
  const auto& document = manifest.document;
  const auto child_view = [](const services::Descriptor& child) {
    auto view = descriptor_view(child);
    view["platform"] = child.platform ? json::value(platform_view(*child.platform)) : json::value(nullptr);
    return view;
  };
  return {{"digest", manifest.digest},
          {"media_type", document.media_type},
          {"size", manifest.size},
          {"total_size", manifest.total_size},
          {"artifact_type", text_or_null(document.artifact_type)},
          {"config", document.config ? json::value(descriptor_view(*document.config)) : json::value(nullptr)},
          {"layers", array_of(document.layers, descriptor_view)},
          {"manifests", array_of(document.manifests, child_view)},
          {"platforms", platforms_view(manifest.platforms)},
          {"subject", text_or_null(document.subject)},
          {"annotations", annotations_view(document.annotations_json)},
          {"tags", array_of(manifest.tags, [](const std::string& tag) { return json::value(tag); })}};
}

}  // namespace pier::api
