#include "storage/replica_reads.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <utility>

#include "absl/time/clock.h"
#include "storage/cluster_lease.h"

namespace oauthd::storage {
namespace {

// Rows of processes that stopped this long ago are deleted (by any of them, once an hour).
constexpr int64_t kForgetAfterMs = 24 * 3600 * 1000;
constexpr absl::Duration kForgetEvery = absl::Hours(1);

// Microseconds on this process's monotonic clock: what heartbeats are stamped and judged with.
int64_t SteadyMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ReplicaReads::ReplicaReads(ConnectionPool* primary, ReplicaOptions options)
    : primary_(primary),
      replica_(std::move(options.pool)),
      max_lag_(options.max_lag),
      holder_(LeaseHolderId()),
      thread_([this] { Loop(); }) {}

ReplicaReads::~ReplicaReads() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool ReplicaReads::fresh() const {
  return SteadyMicros() < fresh_until_us_.load(std::memory_order_relaxed);
}

ReplicaReads::Stats ReplicaReads::stats() const {
  Stats s;
  s.replica_reads = replica_reads_.load(std::memory_order_relaxed);
  s.primary_reads = primary_reads_.load(std::memory_order_relaxed);
  const int64_t lag = lag_us_.load(std::memory_order_relaxed);
  s.lag = lag < 0 ? absl::Seconds(-1) : absl::Microseconds(lag);
  return s;
}

void ReplicaReads::Beat() {
  const int64_t sent = SteadyMicros();
  // Sent again after a lost connection: writing the same row twice does no harm.
  (void)primary_->Run(
      [&](DbConn& c) -> absl::Status {
        auto& st = c.Prepare(
            "INSERT INTO oauthd_replica_heartbeats (Holder, SentAt, WrittenAt) "
            "VALUES (?, ?, ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000)) "
            "ON DUPLICATE KEY UPDATE SentAt = VALUES(SentAt), WrittenAt = VALUES(WrittenAt)");
        st.setString(1, holder_);
        st.setInt64(2, sent);
        st.executeUpdate();
        return absl::OkStatus();
      },
      /*idempotent=*/true);
  auto seen = replica_.Run([&](DbConn& c) -> absl::StatusOr<int64_t> {
    auto& st = c.Prepare("SELECT SentAt FROM oauthd_replica_heartbeats WHERE Holder = ?");
    st.setString(1, holder_);
    std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
    return rs->next() ? GetInt(*rs, 1) : int64_t{-1};
  });
  // Not answering, or no heartbeat of ours yet: the replica keeps the freshness it had proven,
  // which runs out by itself.
  if (!seen.ok() || *seen < 0) return;
  const int64_t until = *seen + absl::ToInt64Microseconds(max_lag_);
  int64_t was = fresh_until_us_.load(std::memory_order_relaxed);
  while (until > was && !fresh_until_us_.compare_exchange_weak(was, until)) {
  }
  lag_us_.store(std::max<int64_t>(0, SteadyMicros() - *seen), std::memory_order_relaxed);
}

void ReplicaReads::Loop() {
  const absl::Duration interval = max_lag_ / 4;
  absl::Time next_forget = absl::Now();
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    Beat();
    if (absl::Now() >= next_forget) {
      (void)primary_->Run([&](DbConn& c) -> absl::Status {
        auto& st = c.Prepare(
            "DELETE FROM oauthd_replica_heartbeats "
            "WHERE WrittenAt < ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000) - ?");
        st.setInt64(1, kForgetAfterMs);
        st.executeUpdate();
        return absl::OkStatus();
      });
      next_forget = absl::Now() + kForgetEvery;
    }
    lock.lock();
    cv_.wait_for(lock, absl::ToChronoMicroseconds(interval), [this] { return stopping_; });
  }
}

}  // namespace oauthd::storage
