// Batches that form by themselves: at most a few sends of one kind ("lane") are on the wire at
// once; whatever arrives meanwhile waits, and when a send returns, the waiting items of its lane
// go together as the next. An idle lane sends each item at once and alone, so batching adds no
// wait; under load, batches grow with the queue. Lanes do not wait for each other.
#ifndef OAUTHD_STORAGE_BATCH_QUEUE_H_
#define OAUTHD_STORAGE_BATCH_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace oauthd::storage {

struct BatchStats {
  int64_t batches = 0;  // sends of two items or more
  int64_t batched = 0;  // items in them
};

template <typename Item>
class BatchQueue {
 public:
  BatchQueue(int max_in_flight, size_t max_batch)
      : max_in_flight_(max_in_flight), max_batch_(max_batch) {}

  // `item` in `lane`: returned, to be sent now and alone, while fewer than max_in_flight sends of
  // the lane are on the wire; otherwise it waits (and the answer is empty).
  std::vector<Item> Add(const std::string& lane, Item item) {
    std::vector<Item> now;
    std::lock_guard<std::mutex> lock(mu_);
    Lane& l = lanes_[lane];
    if (l.in_flight >= max_in_flight_) {
      l.waiting.push_back(std::move(item));
      return now;
    }
    ++l.in_flight;
    now.push_back(std::move(item));
    return now;
  }

  // A send of `lane` returned: what of the lane waited (up to max_batch items), to be sent next as
  // one. Empty when nothing waited: the lane has a free slot again.
  std::vector<Item> Next(const std::string& lane) {
    std::vector<Item> next;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = lanes_.find(lane);
    if (it == lanes_.end()) return next;
    Lane& l = it->second;
    while (!l.waiting.empty() && next.size() < max_batch_) {
      next.push_back(std::move(l.waiting.front()));
      l.waiting.pop_front();
    }
    if (next.empty()) {
      if (--l.in_flight == 0) lanes_.erase(it);
    } else if (next.size() > 1) {
      ++stats_.batches;
      stats_.batched += static_cast<int64_t>(next.size());
    }
    return next;
  }

  BatchStats stats() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
  }

 private:
  struct Lane {
    int in_flight = 0;
    std::deque<Item> waiting;
  };
  const int max_in_flight_;
  const size_t max_batch_;
  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, Lane> lanes_;
  BatchStats stats_;
};

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_BATCH_QUEUE_H_
