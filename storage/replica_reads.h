// Reads that may lag a little (the app lists) go to an asynchronous read replica while it is known
// to be at most `max_lag` behind the primary, and to the primary otherwise: when the replica falls
// behind, stops applying, or fails.
//
// How it knows: a thread writes this process's heartbeat row on the primary every `max_lag` / 4
// (oauthd_replica_heartbeats, with the time it was sent on this process's monotonic clock) and
// reads it back from the replica. The replica applies the primary's commits in commit order, so a
// heartbeat sent at T that shows there means everything committed before T is there too; the
// replica is used until T + max_lag. No lag figure from the server (Seconds_Behind_Master is whole
// seconds, and 0 while the replica's I/O thread is itself behind) and no agreement between clocks
// is needed.
//
// What never comes here: anything a caller expects to see right after its own write, and every
// check of a code, token, session or secret. Those stay on the primary's pool.
#ifndef OAUTHD_STORAGE_REPLICA_READS_H_
#define OAUTHD_STORAGE_REPLICA_READS_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "absl/time/time.h"
#include "storage/connection_pool.h"

namespace oauthd::storage {

struct ReplicaOptions {
  PoolOptions pool;  // the replica's URL (one or several hosts, tried in order) and pool size
  absl::Duration max_lag = absl::Seconds(1);
};

class ReplicaReads {
 public:
  // Starts the heartbeat thread; `primary` must outlive this.
  ReplicaReads(ConnectionPool* primary, ReplicaOptions options);
  ~ReplicaReads();
  ReplicaReads(const ReplicaReads&) = delete;
  ReplicaReads& operator=(const ReplicaReads&) = delete;

  // Runs the read-only `fn` on the replica while it is fresh enough, else on the primary; a read
  // the replica fails is run again on the primary (a read is safe to repeat).
  template <typename Fn>
  auto Run(Fn&& fn) -> decltype(fn(std::declval<DbConn&>()));

  struct Stats {
    int64_t replica_reads = 0;  // answered by the replica
    int64_t primary_reads = 0;  // sent to the primary: the replica was stale or failed
    // How far behind the replica was at the last heartbeat it showed (-1 before the first).
    absl::Duration lag = absl::Seconds(-1);
  };
  Stats stats() const;
  // Whether a read now would go to the replica.
  bool fresh() const;

 private:
  void Beat();
  void Loop();

  ConnectionPool* primary_;
  ConnectionPool replica_;
  const absl::Duration max_lag_;
  const std::string holder_;
  // Until when (µs on the monotonic clock) the replica may be read: the newest heartbeat it
  // showed, plus max_lag.
  std::atomic<int64_t> fresh_until_us_{0};
  std::atomic<int64_t> lag_us_{-1};
  std::atomic<int64_t> replica_reads_{0};
  std::atomic<int64_t> primary_reads_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

template <typename Fn>
auto ReplicaReads::Run(Fn&& fn) -> decltype(fn(std::declval<DbConn&>())) {
  if (fresh()) {
    auto result = replica_.Run(fn);
    if (result.ok()) {
      replica_reads_.fetch_add(1, std::memory_order_relaxed);
      return result;
    }
    // A replica that fails a read is not read again until a heartbeat shows it is well.
    fresh_until_us_.store(0, std::memory_order_relaxed);
  }
  primary_reads_.fetch_add(1, std::memory_order_relaxed);
  return primary_->Run(fn);
}

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_REPLICA_READS_H_
