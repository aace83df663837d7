// A fixed set of threads for blocking work (MySQL calls), so gRPC's callback threads never block on
// the database.
#ifndef OAUTHD_SERVER_RPC_WORKER_POOL_H_
#define OAUTHD_SERVER_RPC_WORKER_POOL_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace oauthd::rpc {

class WorkerPool {
 public:
  // At most `max_queued` tasks wait for a thread (0: no bound).
  explicit WorkerPool(int threads, size_t max_queued = 0);
  ~WorkerPool();  // runs what is queued, then joins
  // Queues `task` unless max_queued tasks already wait; false then (the caller answers "busy").
  bool TrySubmit(std::function<void()> task);

 private:
  void Loop();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  const size_t max_queued_;
  size_t idle_ = 0;  // workers waiting for a task
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace oauthd::rpc

#endif  // OAUTHD_SERVER_RPC_WORKER_POOL_H_
