// Prometheus text metrics: requests by method and status, a latency histogram, and extra gauges the
// binary adds (e.g. database pool use). StartMetricsServer serves them at GET /metrics on a
// separate port.
#ifndef OAUTHD_COMMON_METRICS_H_
#define OAUTHD_COMMON_METRICS_H_

#include <array>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace oauthd {

class Metrics {
 public:
  explicit Metrics(std::string prefix) : prefix_(std::move(prefix)) {}

  void ObserveRequest(absl::string_view method, int status, double seconds);
  // Text appended to every scrape, in Prometheus exposition format.
  void SetExtra(std::function<std::string()> extra);
  std::string Render();

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1,    2.5};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t total = 0;
    double sum = 0;
  };
  struct MethodStats {
    std::map<int, uint64_t> by_status;
    Histogram latency;
  };
  std::string prefix_;
  std::mutex mu_;
  // std::less<> finds by string_view: no string is built per request.
  std::map<std::string, MethodStats, std::less<>> methods_;
  std::function<std::string()> extra_;
};

// Listens on HOST:PORT and answers GET /metrics from a background thread for the life of the
// process.
absl::Status StartMetricsServer(const std::string& address, Metrics* metrics);

}  // namespace oauthd

#endif  // OAUTHD_COMMON_METRICS_H_
