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
  explicit WorkerPool(int threads);
  ~WorkerPool();  // runs what is queued, then joins
  void Submit(std::function<void()> task);

 private:
  void Loop();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace oauthd::rpc

#endif  // OAUTHD_SERVER_RPC_WORKER_POOL_H_
