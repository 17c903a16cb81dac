#include "services/notification_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>

#include "common/glob.h"
#include "common/names.h"
#include "notify/method.h"
#include "notify/rule_config.h"
#include "notify/sender.h"
#include "vuln/severity.h"
#include "vuln/vulnerability_index.h"

namespace pier::services {

namespace {

constexpr std::size_t kDispatchBatch = 500;
// After a change wakes the dispatcher, the events that follow within this long go out with it:
// one delivery job per rule and batch rather than per push.
constexpr std::chrono::milliseconds kGathering{25};
constexpr std::size_t kRecentDeliveries = 20;
constexpr std::size_t kMaxTitle = 200;
constexpr std::size_t kMaxFindingsListed = 50;
constexpr std::int64_t kEventsKeptSeconds = 3600;  // once their deliveries are done

Error bad_request(std::string message) { return make_error(ErrorCode::kBadRequest, std::move(message)); }
Error no_such_rule() { return make_error(ErrorCode::kNameUnknown, "no such notification rule"); }

std::optional<boost::json::object> object_of(std::string_view json) {
  boost::system::error_code failed;
  auto parsed = boost::json::parse(json, failed);
  if (failed || !parsed.is_object()) return std::nullopt;
  return std::move(parsed.as_object());
}

std::vector<std::string> tags_of(const boost::json::object& payload) {
  std::vector<std::string> tags;
  if (const auto* listed = payload.if_contains("tags"); listed && listed->is_array()) {
    for (const auto& tag : listed->as_array()) {
      if (tag.is_string()) tags.emplace_back(tag.as_string());
    }
  }
  return tags;
}

std::string text_of(const boost::json::object& payload, std::string_view key) {
  if (const auto* value = payload.if_contains(key); value && value->is_string()) return std::string(value->as_string());
  return {};
}

// The events that name tags, which a tag filter can match.
bool has_tags(std::string_view event) {
  return event == "push" || event == "delete" || event == "tag_expired" || event == "tag_pruned" || event == "pull";
}

Result<void> check_filter(std::string_view event, std::string_view tag_filter, std::string_view min_severity) {
  if (!tag_filter.empty() && !is_valid_glob(tag_filter)) return bad_request("filter.tags: not a valid glob pattern");
  if (!tag_filter.empty() && !has_tags(event)) {
    return bad_request("filter.tags: " + std::string(event) + " events name no tags, so no event would match");
  }
  if (!min_severity.empty()) {
    const auto severity = vuln::parse_severity(min_severity);
    if (!severity || *severity < vuln::Severity::kLow) {
      return bad_request("filter.min_severity: one of low, medium, high, critical");
    }
    if (event != "vulnerability_found") return bad_request("filter.min_severity applies to vulnerability_found only");
  }
  return {};
}

// Whether `rule` asks for `event`, whose payload is `payload`.
bool matches(const meta::NotificationRule& rule, const meta::OutboxEvent& event, const boost::json::object& payload) {
  if (rule.event != event.kind || rule.namespace_name != event.namespace_name) return false;
  if (rule.repository && *rule.repository != event.repository) return false;
  if (!rule.tag_filter.empty()) {
    const auto tags = tags_of(payload);
    if (std::none_of(tags.begin(), tags.end(), [&](const auto& tag) { return glob_matches(rule.tag_filter, tag); })) {
      return false;
    }
  }
  if (!rule.min_severity.empty()) {
    const auto wanted = vuln::parse_severity(rule.min_severity);
    const auto found = vuln::parse_severity(text_of(payload, "severity"));
    if (!wanted || !found || *found < *wanted) return false;
  }
  return true;
}

}  // namespace

NotificationService::NotificationService(meta::NotificationStore& store, notify::Sender& sender, Clock& clock,
                                         NotificationSettings settings, std::shared_ptr<spdlog::logger> log)
    : store_(store), sender_(sender), clock_(clock), settings_(std::move(settings)), log_(std::move(log)) {}

NotificationService::~NotificationService() { stop(); }

const std::vector<std::string_view>& NotificationService::events() {
  static const std::vector<std::string_view> kEvents = {
      "push",          "delete",         "tag_expired",         "tag_pruned",      "pull",
      "quota_warning", "quota_exceeded", "vulnerability_found", "signature_added"};
  return kEvents;
}

std::chrono::seconds NotificationService::retry_delay(int failed_attempts) {
  constexpr std::chrono::seconds kLongest{300};
  std::chrono::seconds delay{1};
  for (int i = 1; i < failed_attempts && delay < kLongest; ++i) delay *= 2;
  return std::min(delay, kLongest);
}

// --- Rules.

Result<RuleView> NotificationService::create(const RuleRequest& request) {
  const auto& known = events();
  if (std::find(known.begin(), known.end(), request.event) == known.end()) {
    return bad_request("event: unknown event '" + request.event + "'");
  }
  const auto method = notify::method_of(request.method);
  if (!method) return bad_request("method: one of webhook, slack, cloudevents, email");
  auto config = notify::check_config(*method, request.config_json);
  if (!config) return config.error();
  if (request.title.size() > kMaxTitle) return bad_request("title: at most 200 characters");
  if (request.repository && request.event.starts_with("quota_")) {
    return bad_request("event: quotas are a namespace's; make the rule on the namespace");
  }
  if (auto checked = check_filter(request.event, request.tag_filter, request.min_severity); !checked) {
    return checked.error();
  }
  meta::NotificationRule rule;
  rule.namespace_name = request.namespace_name;
  rule.repository = request.repository;
  rule.event = request.event;
  rule.method = request.method;
  rule.config = std::move(*config);
  rule.title = request.title;
  rule.tag_filter = request.tag_filter;
  rule.min_severity = request.min_severity;
  rule.created_at = clock_.unix_seconds();
  auto created = store_.create_rule(rule);
  if (!created) return created.error();
  rules_changed();
  return view_of(std::move(*created));
}

Result<std::vector<RuleView>> NotificationService::list(std::string_view namespace_name,
                                                        const std::optional<std::string>& repository) {
  auto rules = store_.rules_of(namespace_name, repository);
  if (!rules) return rules.error();
  std::vector<RuleView> views;
  for (auto& rule : *rules) {
    auto view = view_of(std::move(rule));
    if (!view) return view.error();
    views.push_back(std::move(*view));
  }
  return views;
}

Result<std::optional<RuleView>> NotificationService::get(std::int64_t id) {
  auto rule = store_.rule(id);
  if (!rule) return rule.error();
  if (!*rule) return std::optional<RuleView>();
  auto view = view_of(std::move(**rule));
  if (!view) return view.error();
  return std::optional<RuleView>(std::move(*view));
}

Result<RuleView> NotificationService::update(std::int64_t id, const RuleChange& change) {
  auto found = store_.rule(id);
  if (!found) return found.error();
  if (!*found) return no_such_rule();
  auto rule = std::move(**found);
  if (change.config_json) {
    const auto method = notify::method_of(rule.method);
    if (!method) return make_error(ErrorCode::kInternal, "rule " + std::to_string(id) + " has an unknown method");
    auto merged = notify::merged_config(*method, rule.config, *change.config_json);
    if (!merged) return merged.error();
    rule.config = std::move(*merged);
  }
  if (change.title) {
    if (change.title->size() > kMaxTitle) return bad_request("title: at most 200 characters");
    rule.title = *change.title;
  }
  if (change.tag_filter) rule.tag_filter = *change.tag_filter;
  if (change.min_severity) rule.min_severity = *change.min_severity;
  if (auto checked = check_filter(rule.event, rule.tag_filter, rule.min_severity); !checked) return checked.error();
  if (change.enabled) {
    if (*change.enabled && !rule.enabled) {
      rule.disabled_reason.clear();
      rule.failures_in_a_row = 0;
    } else if (!*change.enabled && rule.enabled) {
      rule.disabled_reason = "disabled by a user";
    }
    rule.enabled = *change.enabled;
  }
  auto updated = store_.update_rule(rule);
  if (!updated) return updated.error();
  if (!*updated) return no_such_rule();
  rules_changed();
  return view_of(std::move(rule));
}

Result<bool> NotificationService::remove(std::int64_t id) {
  auto removed = store_.delete_rule(id);
  if (removed && *removed) rules_changed();
  return removed;
}

Result<void> NotificationService::forget_namespace(std::string_view namespace_name) {
  auto removed = store_.delete_namespace_rules(namespace_name);
  rules_changed();
  return removed;
}

Result<void> NotificationService::forget_repository(std::string_view repository) {
  auto removed = store_.delete_repository_rules(repository);
  rules_changed();
  return removed;
}

Result<TestOutcome> NotificationService::test(std::int64_t id) {
  auto found = store_.rule(id);
  if (!found) return found.error();
  if (!*found) return no_such_rule();
  const auto& rule = **found;
  const auto method = notify::method_of(rule.method);
  if (!method) return make_error(ErrorCode::kInternal, "rule " + std::to_string(id) + " has an unknown method");
  const auto now = clock_.unix_seconds();
  boost::json::object payload{{"namespace", rule.namespace_name},
                              {"message", "A test notification from Pier, sent from the rule's page."},
                              {"actor", ""}};
  if (rule.repository) payload["repository"] = *rule.repository;
  const meta::OutboxEvent event{0, "test", rule.namespace_name, rule.repository.value_or(""),
                                boost::json::serialize(payload), now};
  auto full = object_of(full_payload(event)).value_or(boost::json::object{});
  full["id"] = "test-" + std::to_string(id) + "-" + std::to_string(now);
  const notify::Outgoing outgoing{"test", boost::json::serialize(full), "test-" + std::to_string(id)};
  const auto attempt = sender_.send(*method, rule.config, outgoing);
  meta::AttemptOutcome outcome;
  outcome.state = attempt.delivered ? meta::DeliveryState::kDelivered : meta::DeliveryState::kFailed;
  outcome.attempts = 1;
  outcome.status_code = static_cast<int>(attempt.status_code);
  outcome.error = attempt.error;
  outcome.now = now;
  if (auto recorded = store_.record_test_delivery(id, outcome); !recorded) return recorded.error();
  return TestOutcome{attempt.delivered, static_cast<int>(attempt.status_code), attempt.error};
}

Result<RuleView> NotificationService::view_of(meta::NotificationRule rule) {
  auto deliveries = store_.recent_deliveries(rule.id, kRecentDeliveries);
  if (!deliveries) return deliveries.error();
  rule.config = notify::redacted_config(rule.config);
  return RuleView{std::move(rule), std::move(*deliveries)};
}

// --- Events.

void NotificationService::changed() {
  if (wake_pending_.exchange(true)) return;
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_one();
}

bool NotificationService::wants_pulls_of(std::string_view repository) const {
  if (!any_pull_rules_.load(std::memory_order_relaxed)) return false;
  const auto namespace_name = namespace_of(repository);
  std::lock_guard lock(rules_mutex_);
  return std::any_of(pull_rules_.begin(), pull_rules_.end(), [&](const meta::NotificationRule& rule) {
    return rule.namespace_name == namespace_name && (!rule.repository || *rule.repository == repository);
  });
}

void NotificationService::pulled(std::string_view repository, std::string_view digest, std::string_view tag,
                                 std::string_view actor) {
  if (!wants_pulls_of(repository)) return;
  boost::json::array tags;
  if (!tag.empty()) tags.emplace_back(tag);
  const auto namespace_name = namespace_of(repository);
  const boost::json::object payload{{"namespace", namespace_name}, {"repository", repository},
                                    {"digest", digest},            {"tags", std::move(tags)},
                                    {"actor", actor}};
  {
    std::lock_guard lock(mutex_);
    pending_.push_back(meta::OutboxEvent{0, "pull", std::string(namespace_name), std::string(repository),
                                         boost::json::serialize(payload), clock_.unix_seconds()});
    woken_ = true;
  }
  wake_.notify_one();
}

void NotificationService::signature_added(std::string_view repository, std::string_view digest, std::string_view kind,
                                          std::string_view actor) {
  const auto namespace_name = namespace_of(repository);
  const boost::json::object payload{{"namespace", namespace_name},
                                    {"repository", repository},
                                    {"digest", digest},
                                    {"signature", boost::json::object{{"kind", kind}}},
                                    {"actor", actor}};
  record_quietly(meta::OutboxEvent{0, "signature_added", std::string(namespace_name), std::string(repository),
                                   boost::json::serialize(payload), clock_.unix_seconds()});
}

void NotificationService::quota_refused(const Error& refusal) {
  const auto detail = object_of(refusal.detail);
  if (!detail) return;
  const auto namespace_name = text_of(*detail, "namespace");
  const auto* limit = detail->if_contains("limit_bytes");
  const auto* used = detail->if_contains("used_bytes");
  if (namespace_name.empty() || limit == nullptr || used == nullptr) return;
  const boost::json::object payload{{"namespace", namespace_name},
                                    {"quota_bytes", *limit},
                                    {"usage_bytes", *used},
                                    {"actor", ""}};
  record_quietly(meta::OutboxEvent{0, "quota_exceeded", namespace_name, "", boost::json::serialize(payload),
                                   clock_.unix_seconds()});
}

void NotificationService::vulnerabilities_found(std::string_view repository, std::string_view digest,
                                                const std::vector<vuln::Finding>& findings) {
  if (findings.empty()) return;
  vuln::Severity highest = vuln::Severity::kUnknown;
  boost::json::object summary{{"critical", 0}, {"high", 0}, {"medium", 0}, {"low", 0}, {"unknown", 0}};
  boost::json::array listed;
  for (const auto& finding : findings) {
    highest = std::max(highest, finding.severity);
    const std::string level(finding.severity >= vuln::Severity::kLow ? vuln::to_text(finding.severity) : "unknown");
    summary[level] = summary[level].to_number<std::int64_t>() + 1;
    if (listed.size() < kMaxFindingsListed) {
      listed.push_back(boost::json::object{{"id", finding.id},
                                           {"package", finding.package},
                                           {"severity", vuln::to_text(finding.severity)},
                                           {"fixed_version", finding.fixed_version}});
    }
  }
  const auto namespace_name = namespace_of(repository);
  const boost::json::object payload{{"namespace", namespace_name},
                                    {"repository", repository},
                                    {"digest", digest},
                                    {"severity", vuln::to_text(highest)},
                                    {"summary", std::move(summary)},
                                    {"vulnerabilities", std::move(listed)},
                                    {"actor", ""}};
  record_quietly(meta::OutboxEvent{0, "vulnerability_found", std::string(namespace_name), std::string(repository),
                                   boost::json::serialize(payload), clock_.unix_seconds()});
}

void NotificationService::record_quietly(meta::OutboxEvent event) {
  if (auto recorded = store_.record_event(event); !recorded) {
    log_->error("cannot record the {} event of {}: {}", event.kind, event.namespace_name, recorded.error().message);
    return;
  }
  changed();
}

std::string NotificationService::full_payload(const meta::OutboxEvent& event) const {
  boost::json::object full{{"id", std::to_string(event.id)},
                           {"event", event.kind},
                           {"occurred_at", format_utc(event.occurred_at)},
                           {"registry", settings_.registry}};
  if (auto own = object_of(event.payload)) {
    for (auto& [key, value] : *own) full[key] = std::move(value);
  }
  return boost::json::serialize(full);
}

// --- Background work.

void NotificationService::rules_changed() {
  if (auto refreshed = refresh_rules(); !refreshed) {
    log_->error("cannot read notification rules: {}", refreshed.error().message);
  }
}

Result<void> NotificationService::refresh_rules() {
  auto rules = store_.enabled_rules();
  if (!rules) return rules.error();
  std::vector<meta::NotificationRule> pulls;
  for (auto& rule : *rules) {
    if (rule.event == "pull") pulls.push_back(std::move(rule));
  }
  std::lock_guard lock(rules_mutex_);
  any_pull_rules_.store(!pulls.empty(), std::memory_order_relaxed);
  pull_rules_ = std::move(pulls);
  return {};
}

void NotificationService::start(std::function<void()> deliveries_added) {
  deliveries_added_ = std::move(deliveries_added);
  rules_changed();
  dispatcher_ = std::thread([this] { run_dispatcher(); });
}

void NotificationService::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (dispatcher_.joinable()) dispatcher_.join();
}

void NotificationService::run_dispatcher() {
  std::unique_lock lock(mutex_);
  bool first = true;
  while (!stopping_) {
    // Rules changed here are read again as they change (rules_changed); the poll reads those
    // other replicas changed, so a wake by a push reads no rules.
    bool polled = false;
    if (!first) {
      if (wake_.wait_for(lock, settings_.poll_interval, [this] { return stopping_ || woken_; })) {
        wake_.wait_for(lock, kGathering, [this] { return stopping_; });
      } else {
        polled = true;
      }
    }
    first = false;
    if (stopping_) break;
    woken_ = false;
    wake_pending_.store(false);
    auto pulls = std::move(pending_);
    pending_.clear();
    lock.unlock();
    for (const auto& pull : pulls) {
      if (auto recorded = store_.record_event(pull); !recorded) {
        log_->error("cannot record a pull of {}: {}", pull.repository, recorded.error().message);
      }
    }
    if (auto refreshed = polled ? refresh_rules() : Result<void>(); !refreshed) {
      log_->warn("cannot read notification rules: {}", refreshed.error().message);
    }
    std::size_t added = 0;
    for (;;) {
      auto dispatched = dispatch();
      if (!dispatched) {
        log_->warn("cannot dispatch events: {}", dispatched.error().message);
        break;
      }
      added += *dispatched;
      if (*dispatched == 0) break;
    }
    if (added > 0 && deliveries_added_) deliveries_added_();
    lock.lock();
  }
}

Result<std::size_t> NotificationService::dispatch() {
  std::size_t added = 0;
  for (;;) {
    auto events = store_.undispatched_events(kDispatchBatch);
    if (!events) return events.error();
    if (events->empty()) return added;
    auto rules = store_.enabled_rules();
    if (!rules) return rules.error();
    std::vector<std::int64_t> ids;
    std::vector<meta::NewDelivery> deliveries;
    for (const auto& event : *events) {
      ids.push_back(event.id);
      if (rules->empty()) continue;
      const auto payload = object_of(event.payload).value_or(boost::json::object{});
      for (const auto& rule : *rules) {
        if (matches(rule, event, payload)) deliveries.push_back(meta::NewDelivery{rule.id, event.id, event.kind});
      }
    }
    const auto now = clock_.unix_seconds();
    const meta::NewJob job{std::string(kDeliveryJob), "{}", now, settings_.max_attempts, std::nullopt};
    auto made = store_.dispatch(ids, deliveries, job, now);
    if (!made) return made.error();
    added += *made;
    if (events->size() < kDispatchBatch) return added;
  }
}

Result<void> NotificationService::deliver(const std::vector<std::int64_t>& ids, int attempt, int max_attempts) {
  auto works = store_.deliveries(ids);
  if (!works) return works.error();
  const auto now = clock_.unix_seconds();
  const bool last_attempt = attempt >= max_attempts;
  std::vector<std::pair<std::int64_t, meta::AttemptOutcome>> outcomes;
  std::string failure;  // the first failed send's; the rest of the batch then waits
  for (const auto& work : *works) {
    // Gone with its rule, or already delivered by an attempt whose completion was lost.
    if (!work.rule || work.delivery.state != meta::DeliveryState::kPending) continue;
    const auto& rule = *work.rule;
    meta::AttemptOutcome outcome;
    outcome.attempts = attempt;
    outcome.now = now;
    outcome.disable_after = settings_.disable_after;
    const auto method = notify::method_of(rule.method);
    if (!rule.enabled || !work.event || !method) {
      outcome.state = meta::DeliveryState::kFailed;
      outcome.error = !rule.enabled ? "not sent: the rule is disabled"
                      : method      ? "the event is no longer kept"
                                    : "the rule's method is unknown";
      outcome.disable_after = std::numeric_limits<int>::max();
      outcomes.emplace_back(work.delivery.id, std::move(outcome));
      continue;
    }
    if (!failure.empty()) {
      outcome.error = "not sent: an earlier delivery to the same receiver failed (" + failure + ")";
    } else {
      const auto& event = *work.event;
      const auto sent = sender_.send(*method, rule.config,
                                     notify::Outgoing{event.kind, full_payload(event), std::to_string(work.delivery.id)});
      outcome.status_code = static_cast<int>(sent.status_code);
      outcome.error = sent.error;
      if (sent.delivered) {
        outcome.state = meta::DeliveryState::kDelivered;
        outcomes.emplace_back(work.delivery.id, std::move(outcome));
        continue;
      }
      failure = sent.error;
    }
    if (last_attempt) {
      outcome.state = meta::DeliveryState::kFailed;
      outcome.disable_reason = "disabled after " + std::to_string(settings_.disable_after) +
                               " deliveries in a row failed; the last: " + failure;
    }
    outcomes.emplace_back(work.delivery.id, std::move(outcome));
  }
  if (auto recorded = store_.record_attempts(outcomes); !recorded) return recorded.error();
  if (last_attempt && !failure.empty()) rules_changed();
  if (failure.empty()) return {};
  return make_error(ErrorCode::kUnavailable, "deliveries failed: " + failure);
}

Result<std::uint64_t> NotificationService::upkeep() {
  return store_.remove_old(clock_.unix_seconds() - kEventsKeptSeconds, kRecentDeliveries);
}

}  // namespace pier::services
