// http/metrics.h: request counters and latency histograms, rendered in Prometheus text format.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace pier::http {

class Metrics {
 public:
  // A value read when /metrics is scraped, e.g. the number of open upload sessions.
  void add_gauge(std::string name, std::string help, std::function<double()> read);

  void record(std::string_view route, std::string_view method, unsigned status, std::uint64_t bytes_in,
              std::uint64_t bytes_out, double seconds);
  std::string render() const;

 private:
  struct Histogram {
    std::vector<std::uint64_t> buckets;  // cumulative counts per bound
    std::uint64_t count = 0;
    double sum = 0;
  };
  struct Gauge {
    std::string name;
    std::string help;
    std::function<double()> read;
  };

  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, unsigned>, std::uint64_t> requests_;  // guarded by mutex_
  std::map<std::string, Histogram> latency_;                                           // guarded by mutex_
  std::uint64_t bytes_in_ = 0;                                                         // guarded by mutex_
  std::uint64_t bytes_out_ = 0;                                                        // guarded by mutex_
  std::vector<Gauge> gauges_;  // set before serving
};

}  // namespace pier::http
