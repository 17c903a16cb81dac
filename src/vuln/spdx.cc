#include "vuln/spdx.h"

#include <boost/json.hpp>

#include <cctype>

#include "common/clock.h"

namespace pier::vuln {

namespace json = boost::json;

namespace {

// purl's percent-encoding: everything but unreserved characters; '/' too unless it separates
// a name's segments (Go modules, npm scopes).
std::string purl_encode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '.' || c == '-' || c == '_' || c == '~' || (keep_slash && c == '/')) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
  }
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct PurlKind {
  std::string_view type;
  std::string_view namespace_name;  // empty when none
};

PurlKind purl_kind(Ecosystem ecosystem) {
  switch (ecosystem) {
    case Ecosystem::kDebian: return {"deb", "debian"};
    case Ecosystem::kUbuntu: return {"deb", "ubuntu"};
    case Ecosystem::kAlpine: return {"apk", "alpine"};
    case Ecosystem::kRedHat: return {"rpm", "redhat"};
    case Ecosystem::kRockyLinux: return {"rpm", "rocky"};
    case Ecosystem::kAlmaLinux: return {"rpm", "almalinux"};
    case Ecosystem::kPyPI: return {"pypi", ""};
    case Ecosystem::kNpm: return {"npm", ""};
    case Ecosystem::kGo: return {"golang", ""};
  }
  return {"generic", ""};
}

// SPDX identifiers allow letters, digits, '.' and '-'.
std::string spdx_id(std::size_t index, std::string_view name) {
  std::string id = "SPDXRef-Package-" + std::to_string(index) + "-";
  for (const char c : name) id += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ? c : '-';
  return id;
}

}  // namespace

std::string package_url(const Package& package, const std::optional<EcosystemRelease>& os) {
  const auto kind = purl_kind(package.ecosystem);
  std::string url = "pkg:" + std::string(kind.type) + "/";
  if (!kind.namespace_name.empty()) url += std::string(kind.namespace_name) + "/";
  const bool slashes = package.ecosystem == Ecosystem::kGo || package.ecosystem == Ecosystem::kNpm;
  url += purl_encode(package.ecosystem == Ecosystem::kPyPI ? lower(package.name) : package.name, slashes);
  url += "@" + purl_encode(package.version, false);
  if (!kind.namespace_name.empty() && os && os->ecosystem == package.ecosystem && !os->release.empty()) {
    url += "?distro=" + std::string(kind.namespace_name) + "-" + purl_encode(os->release, false);
  }
  return url;
}

std::string spdx_document(std::string_view repository, std::string_view digest, const ImageInventory& inventory,
                          std::int64_t created_unix) {
  const std::string image_id = "SPDXRef-Image";
  json::array packages;
  json::array relationships;
  relationships.push_back(json::object{
      {"spdxElementId", "SPDXRef-DOCUMENT"}, {"relationshipType", "DESCRIBES"}, {"relatedSpdxElement", image_id}});
  packages.push_back(json::object{{"name", repository},
                                  {"SPDXID", image_id},
                                  {"versionInfo", digest},
                                  {"downloadLocation", "NOASSERTION"},
                                  {"filesAnalyzed", false},
                                  {"primaryPackagePurpose", "CONTAINER"}});
  for (std::size_t i = 0; i < inventory.packages.size(); ++i) {
    const auto& package = inventory.packages[i];
    const auto id = spdx_id(i + 1, package.name);
    json::object entry{{"name", package.name},
                       {"SPDXID", id},
                       {"versionInfo", package.version},
                       {"downloadLocation", "NOASSERTION"},
                       {"filesAnalyzed", false},
                       {"sourceInfo", "listed in /" + package.path},
                       {"externalRefs", json::array{json::object{{"referenceCategory", "PACKAGE-MANAGER"},
                                                                 {"referenceType", "purl"},
                                                                 {"referenceLocator", package_url(package, inventory.os)}}}}};
    packages.push_back(std::move(entry));
    relationships.push_back(
        json::object{{"spdxElementId", image_id}, {"relationshipType", "CONTAINS"}, {"relatedSpdxElement", id}});
  }
  const std::string name = std::string(repository) + "@" + std::string(digest);
  json::object document{
      {"spdxVersion", "SPDX-2.3"},
      {"dataLicense", "CC0-1.0"},
      {"SPDXID", "SPDXRef-DOCUMENT"},
      {"name", name},
      {"documentNamespace", "https://pier.invalid/spdx/" + purl_encode(repository, true) + "/" + std::string(digest)},
      {"creationInfo", json::object{{"created", format_utc(created_unix)}, {"creators", json::array{"Tool: pier"}}}},
      {"packages", std::move(packages)},
      {"relationships", std::move(relationships)}};
  return json::serialize(document);
}

}  // namespace pier::vuln
