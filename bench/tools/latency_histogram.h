// HDR-style latency recording: log-linear buckets (128 per power of two, under 1% error) from 1 µs
// to about a minute, constant memory, mergeable across threads.
#ifndef OAUTHD_BENCH_LATENCY_HISTOGRAM_H_
#define OAUTHD_BENCH_LATENCY_HISTOGRAM_H_

#include <array>
#include <cstdint>

namespace oauthd::bench {

class LatencyHistogram {
 public:
  void Record(uint64_t micros);
  void Merge(const LatencyHistogram& other);
  // The value at quantile q in [0, 1], in microseconds.
  double Percentile(double q) const;
  uint64_t count() const { return count_; }

 private:
  static constexpr int kSubBits = 7;  // 128 sub-buckets
  static constexpr int kMagnitudes = 27;
  static int Index(uint64_t v);
  static uint64_t ValueAt(int index);
  std::array<uint64_t, (kMagnitudes + 1) << kSubBits> buckets_{};
  uint64_t count_ = 0;
};

}  // namespace oauthd::bench

#endif  // OAUTHD_BENCH_LATENCY_HISTOGRAM_H_
