#include "bench/tools/latency_histogram.h"

#include <cstddef>

namespace oauthd::bench {

// Values below 128 have exact buckets. Above, a value whose top bit is h falls in magnitude m = h -
// 7 and keeps its top 8 bits (128..255) as the sub-bucket: bucket (m + 1) * 128 + (sub - 128),
// worth sub << m.
int LatencyHistogram::Index(uint64_t v) {
  if (v < (1u << kSubBits)) return static_cast<int>(v);
  int m = 63 - __builtin_clzll(v) - kSubBits;
  if (m > kMagnitudes - 1) {
    m = kMagnitudes - 1;
    v = (uint64_t{256} << m) - 1;
  }
  const uint64_t sub = v >> m;  // 128..255
  return ((m + 1) << kSubBits) + static_cast<int>(sub - (1u << kSubBits));
}

uint64_t LatencyHistogram::ValueAt(int index) {
  if (index < (1 << kSubBits)) return static_cast<uint64_t>(index);
  const int m = (index >> kSubBits) - 1;
  const uint64_t sub = static_cast<uint64_t>(index & ((1 << kSubBits) - 1)) + (1u << kSubBits);
  return sub << m;
}

void LatencyHistogram::Record(uint64_t micros) {
  int i = Index(micros);
  if (i >= static_cast<int>(buckets_.size())) i = static_cast<int>(buckets_.size()) - 1;
  ++buckets_[i];
  ++count_;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
}

double LatencyHistogram::Percentile(double q) const {
  if (count_ == 0) return 0;
  const uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(count_ - 1)) + 1;
  uint64_t seen = 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank) return static_cast<double>(ValueAt(static_cast<int>(i)));
  }
  return static_cast<double>(ValueAt(static_cast<int>(buckets_.size()) - 1));
}

}  // namespace oauthd::bench
