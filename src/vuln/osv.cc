#include "vuln/osv.h"

#include <algorithm>
#include <boost/json.hpp>

namespace pier::vuln {

namespace json = boost::json;

namespace {

Error bad_record(std::string_view id, std::string message) {
  return make_error(ErrorCode::kBadRequest,
                    "OSV record" + (id.empty() ? std::string() : " " + std::string(id)) + ": " + message);
}

const json::value* field(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value == nullptr || value->is_null() ? nullptr : value;
}

Result<std::string> optional_text(const json::object& object, std::string_view key, std::string_view id) {
  const auto* value = field(object, key);
  if (value == nullptr) return std::string();
  if (!value->is_string()) return bad_record(id, std::string(key) + " must be a string");
  return std::string(value->as_string());
}

Result<std::vector<std::string>> optional_texts(const json::object& object, std::string_view key, std::string_view id) {
  std::vector<std::string> texts;
  const auto* value = field(object, key);
  if (value == nullptr) return texts;
  if (!value->is_array()) return bad_record(id, std::string(key) + " must be an array of strings");
  for (const auto& item : value->as_array()) {
    if (!item.is_string()) return bad_record(id, std::string(key) + " must be an array of strings");
    texts.emplace_back(item.as_string());
  }
  return texts;
}

// "severity" inside ecosystem_specific or database_specific, where feeds put their own rating.
std::string specific_severity(const json::object& object) {
  for (const auto* key : {"ecosystem_specific", "database_specific"}) {
    const auto* specific = field(object, key);
    if (specific == nullptr || !specific->is_object()) continue;
    const auto* severity = field(specific->as_object(), "severity");
    if (severity != nullptr && severity->is_string()) return std::string(severity->as_string());
  }
  return {};
}

Result<OsvRange> parse_range(const json::value& value, std::string_view id) {
  if (!value.is_object()) return bad_record(id, "each range must be an object");
  const auto* events = field(value.as_object(), "events");
  if (events == nullptr || !events->is_array()) return bad_record(id, "a range needs an array of events");
  OsvRange range;
  for (const auto& event : events->as_array()) {
    if (!event.is_object() || event.as_object().size() != 1) {
      return bad_record(id, "each event must be an object of one field");
    }
    const auto& [key, version] = *event.as_object().begin();
    if (!version.is_string()) return bad_record(id, "event versions must be strings");
    OsvEvent parsed;
    if (key == "introduced") {
      parsed.kind = OsvEvent::Kind::kIntroduced;
    } else if (key == "fixed") {
      parsed.kind = OsvEvent::Kind::kFixed;
    } else if (key == "last_affected") {
      parsed.kind = OsvEvent::Kind::kLastAffected;
    } else if (key == "limit") {
      parsed.kind = OsvEvent::Kind::kLimit;
    } else {
      return bad_record(id, "unknown event " + std::string(key));
    }
    parsed.version = version.as_string();
    range.events.push_back(std::move(parsed));
  }
  return range;
}

Result<std::optional<OsvAffected>> parse_affected(const json::value& value, std::string_view id) {
  if (!value.is_object()) return bad_record(id, "each affected entry must be an object");
  const auto& object = value.as_object();
  const auto* package = field(object, "package");
  if (package == nullptr || !package->is_object()) return std::optional<OsvAffected>();
  auto ecosystem_name = optional_text(package->as_object(), "ecosystem", id);
  auto name = optional_text(package->as_object(), "name", id);
  if (!ecosystem_name) return ecosystem_name.error();
  if (!name) return name.error();
  auto ecosystem = parse_ecosystem(*ecosystem_name);
  if (!ecosystem || name->empty()) return std::optional<OsvAffected>();
  OsvAffected affected;
  affected.ecosystem = *ecosystem;
  affected.package = std::move(*name);
  if (const auto* ranges = field(object, "ranges")) {
    if (!ranges->is_array()) return bad_record(id, "ranges must be an array");
    for (const auto& range : ranges->as_array()) {
      // GIT ranges name commits, which no installed package carries.
      if (range.is_object()) {
        const auto* type = field(range.as_object(), "type");
        if (type != nullptr && type->is_string() && type->as_string() == "GIT") continue;
      }
      auto parsed = parse_range(range, id);
      if (!parsed) return parsed.error();
      affected.ranges.push_back(std::move(*parsed));
    }
  }
  auto versions = optional_texts(object, "versions", id);
  if (!versions) return versions.error();
  affected.versions = std::move(*versions);
  affected.severity_text = specific_severity(object);
  return std::optional<OsvAffected>(std::move(affected));
}

}  // namespace

Result<OsvRecord> parse_osv(std::string_view text) {
  boost::system::error_code ec;
  const json::value document = json::parse(text, ec);
  if (ec || !document.is_object()) return bad_record("", "not a JSON object");
  const auto& object = document.as_object();
  OsvRecord record;
  auto id = optional_text(object, "id", "");
  if (!id) return id.error();
  if (id->empty()) return bad_record("", "id is required");
  record.id = std::move(*id);
  auto aliases = optional_texts(object, "aliases", record.id);
  auto summary = optional_text(object, "summary", record.id);
  auto modified = optional_text(object, "modified", record.id);
  auto withdrawn = optional_text(object, "withdrawn", record.id);
  if (!withdrawn) return withdrawn.error();
  record.withdrawn = !withdrawn->empty();
  if (!aliases) return aliases.error();
  if (!summary) return summary.error();
  if (!modified) return modified.error();
  record.aliases = std::move(*aliases);
  record.summary = std::move(*summary);
  record.modified = std::move(*modified);
  if (const auto* severities = field(object, "severity"); severities != nullptr && severities->is_array()) {
    for (const auto& severity : severities->as_array()) {
      if (!severity.is_object()) continue;
      const auto* type = field(severity.as_object(), "type");
      const auto* score = field(severity.as_object(), "score");
      if (type && type->is_string() && type->as_string() == "CVSS_V3" && score && score->is_string()) {
        record.cvss_vectors.emplace_back(score->as_string());
      }
    }
  }
  record.severity_text = specific_severity(object);
  if (const auto* affected = field(object, "affected")) {
    if (!affected->is_array()) return bad_record(record.id, "affected must be an array");
    for (const auto& entry : affected->as_array()) {
      auto parsed = parse_affected(entry, record.id);
      if (!parsed) return parsed.error();
      if (*parsed) record.affected.push_back(std::move(**parsed));
    }
  }
  return record;
}

Verdict evaluate(const OsvAffected& affected, std::string_view version, const VersionCompare& compare) {
  Verdict verdict;
  if (std::find(affected.versions.begin(), affected.versions.end(), version) != affected.versions.end()) {
    verdict.affected = true;
  }
  for (const auto& range : affected.ranges) {
    auto events = range.events;
    // "0" introduced precedes every version; otherwise events go in the ecosystem's order.
    const auto order = [&](const OsvEvent& a, const OsvEvent& b) {
      const bool a_zero = a.kind == OsvEvent::Kind::kIntroduced && a.version == "0";
      const bool b_zero = b.kind == OsvEvent::Kind::kIntroduced && b.version == "0";
      if (a_zero || b_zero) return a_zero && !b_zero;
      return compare(a.version, b.version) < 0;
    };
    std::stable_sort(events.begin(), events.end(), order);
    bool inside = false;
    for (const auto& event : events) {
      const bool at_zero = event.kind == OsvEvent::Kind::kIntroduced && event.version == "0";
      const int against = at_zero ? 1 : compare(version, event.version);
      switch (event.kind) {
        case OsvEvent::Kind::kIntroduced:
          if (against >= 0) inside = true;
          break;
        case OsvEvent::Kind::kFixed:
          if (against >= 0) {
            inside = false;
          } else if (inside && verdict.fixed_version.empty()) {
            verdict.fixed_version = event.version;
          }
          break;
        case OsvEvent::Kind::kLastAffected:
          if (against > 0) inside = false;
          break;
        case OsvEvent::Kind::kLimit:
          if (against >= 0) inside = false;
          break;
      }
    }
    if (inside) verdict.affected = true;
  }
  if (!verdict.affected) verdict.fixed_version.clear();
  return verdict;
}

}  // namespace pier::vuln
