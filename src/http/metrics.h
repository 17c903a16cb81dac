// http/metrics.h: request counters and latency histograms, rendered in Prometheus text format.
//
// Each thread records into a shard of its own, so the request path takes only an
// uncontended lock; render() adds the shards up.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace pier::http {

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // A value read when /metrics is scraped, e.g. the number of open upload sessions.
  void add_gauge(std::string name, std::string help, std::function<double()> read);

  // `route` and `method` must be static strings (labels, not request data).
  void record(std::string_view route, std::string_view method, unsigned status, std::uint64_t bytes_in,
              std::uint64_t bytes_out, double seconds);
  std::string render() const;

 private:
  struct Shard;
  struct Gauge {
    std::string name;
    std::string help;
    std::function<double()> read;
  };
  Shard& local_shard();

  mutable std::mutex shards_mutex_;
  std::vector<std::unique_ptr<Shard>> shards_;  // guarded by shards_mutex_
  std::vector<Gauge> gauges_;                   // set before serving
};

}  // namespace pier::http
