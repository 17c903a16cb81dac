#include "http/metrics.h"

#include <fmt/format.h>

#include <map>
#include <tuple>
#include <unordered_map>

namespace pier::http {

namespace {
constexpr double kLatencyBounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
constexpr std::size_t kBucketCount = std::size(kLatencyBounds);

struct Histogram {
  std::uint64_t buckets[kBucketCount] = {};  // cumulative counts per bound
  std::uint64_t count = 0;
  double sum = 0;

  void add(const Histogram& other) {
    for (std::size_t i = 0; i < kBucketCount; ++i) buckets[i] += other.buckets[i];
    count += other.count;
    sum += other.sum;
  }
};

using RequestKey = std::tuple<std::string_view, std::string_view, unsigned>;
}  // namespace

struct Metrics::Shard {
  std::mutex mutex;
  std::map<RequestKey, std::uint64_t> requests;        // guarded by mutex
  std::map<std::string_view, Histogram> latency;       // guarded by mutex
  std::uint64_t bytes_in = 0;                          // guarded by mutex
  std::uint64_t bytes_out = 0;                         // guarded by mutex
};

Metrics::Metrics() = default;
Metrics::~Metrics() = default;

void Metrics::add_gauge(std::string name, std::string help, std::function<double()> read) {
  gauges_.push_back({std::move(name), std::move(help), std::move(read)});
}

Metrics::Shard& Metrics::local_shard() {
  thread_local std::unordered_map<const Metrics*, Shard*> shards;
  auto& shard = shards[this];
  if (!shard) {
    std::lock_guard lock(shards_mutex_);
    shards_.push_back(std::make_unique<Shard>());
    shard = shards_.back().get();
  }
  return *shard;
}

void Metrics::record(std::string_view route, std::string_view method, unsigned status, std::uint64_t bytes_in,
                     std::uint64_t bytes_out, double seconds) {
  auto& shard = local_shard();
  std::lock_guard lock(shard.mutex);
  ++shard.requests[{route, method, status}];
  shard.bytes_in += bytes_in;
  shard.bytes_out += bytes_out;
  auto& histogram = shard.latency[route];
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    if (seconds <= kLatencyBounds[i]) ++histogram.buckets[i];
  }
  ++histogram.count;
  histogram.sum += seconds;
}

std::string Metrics::render() const {
  std::map<RequestKey, std::uint64_t> requests;
  std::map<std::string_view, Histogram> latency;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  {
    std::lock_guard lock(shards_mutex_);
    for (const auto& shard : shards_) {
      std::lock_guard shard_lock(shard->mutex);
      for (const auto& [key, count] : shard->requests) requests[key] += count;
      for (const auto& [route, h] : shard->latency) latency[route].add(h);
      bytes_in += shard->bytes_in;
      bytes_out += shard->bytes_out;
    }
  }
  std::string out;
  out += "# HELP pier_http_requests_total HTTP requests by route, method and status.\n"
         "# TYPE pier_http_requests_total counter\n";
  for (const auto& [key, count] : requests) {
    const auto& [route, method, status] = key;
    out += fmt::format("pier_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}\n", route, method,
                       status, count);
  }
  out += fmt::format(
      "# HELP pier_http_received_bytes_total Request body bytes received.\n"
      "# TYPE pier_http_received_bytes_total counter\npier_http_received_bytes_total {}\n"
      "# HELP pier_http_sent_bytes_total Response body bytes sent.\n"
      "# TYPE pier_http_sent_bytes_total counter\npier_http_sent_bytes_total {}\n",
      bytes_in, bytes_out);
  out += "# HELP pier_http_request_duration_seconds Time from request headers to response sent.\n"
         "# TYPE pier_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency) {
    for (std::size_t i = 0; i < kBucketCount; ++i) {
      out += fmt::format("pier_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", route,
                         kLatencyBounds[i], h.buckets[i]);
    }
    out += fmt::format("pier_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", route, h.count);
    out += fmt::format("pier_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", route, h.sum);
    out += fmt::format("pier_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", route, h.count);
  }
  for (const auto& gauge : gauges_) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} gauge\n{0} {2}\n", gauge.name, gauge.help, gauge.read());
  }
  return out;
}

}  // namespace pier::http
