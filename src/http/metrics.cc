#include "http/metrics.h"

#include <fmt/format.h>

namespace pier::http {

namespace {
constexpr double kLatencyBounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
constexpr std::size_t kBucketCount = std::size(kLatencyBounds);
}  // namespace

void Metrics::add_gauge(std::string name, std::string help, std::function<double()> read) {
  gauges_.push_back({std::move(name), std::move(help), std::move(read)});
}

void Metrics::record(std::string_view route, std::string_view method, unsigned status, std::uint64_t bytes_in,
                     std::uint64_t bytes_out, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{std::string(route), std::string(method), status}];
  bytes_in_ += bytes_in;
  bytes_out_ += bytes_out;
  auto& histogram = latency_[std::string(route)];
  if (histogram.buckets.empty()) histogram.buckets.resize(kBucketCount);
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    if (seconds <= kLatencyBounds[i]) ++histogram.buckets[i];
  }
  ++histogram.count;
  histogram.sum += seconds;
}

std::string Metrics::render() const {
  std::string out;
  {
    std::lock_guard lock(mutex_);
    out += "# HELP pier_http_requests_total HTTP requests by route, method and status.\n"
           "# TYPE pier_http_requests_total counter\n";
    for (const auto& [key, count] : requests_) {
      const auto& [route, method, status] = key;
      out += fmt::format("pier_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}\n", route, method,
                         status, count);
    }
    out += fmt::format(
        "# HELP pier_http_received_bytes_total Request body bytes received.\n"
        "# TYPE pier_http_received_bytes_total counter\npier_http_received_bytes_total {}\n"
        "# HELP pier_http_sent_bytes_total Response body bytes sent.\n"
        "# TYPE pier_http_sent_bytes_total counter\npier_http_sent_bytes_total {}\n",
        bytes_in_, bytes_out_);
    out += "# HELP pier_http_request_duration_seconds Time from request headers to response sent.\n"
           "# TYPE pier_http_request_duration_seconds histogram\n";
    for (const auto& [route, h] : latency_) {
      for (std::size_t i = 0; i < kBucketCount; ++i) {
        out += fmt::format("pier_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", route,
                           kLatencyBounds[i], h.buckets[i]);
      }
      out += fmt::format("pier_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", route, h.count);
      out += fmt::format("pier_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", route, h.sum);
      out += fmt::format("pier_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", route, h.count);
    }
  }
  for (const auto& gauge : gauges_) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} gauge\n{0} {2}\n", gauge.name, gauge.help, gauge.read());
  }
  return out;
}

}  // namespace pier::http
