// Runs one RPC: builds the transport-neutral Caller from gRPC metadata, runs the service logic on
// the worker pool, and finishes the call — success with `x-http-code` when not 200, failure as a
// gRPC status whose details carry the error body — then logs one line and records metrics. Every
// handler goes through here.
#ifndef OAUTHD_SERVER_RPC_CALL_RUNNER_H_
#define OAUTHD_SERVER_RPC_CALL_RUNNER_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/metrics.h"
#include "server/app/authenticator.h"
#include "server/rpc/audit_log.h"
#include "server/rpc/client_address.h"
#include "server/rpc/worker_pool.h"

namespace oauthd::rpc {

struct CallOptions {
  const char* method;           // for logs and metrics
  bool safe_method = false;     // the REST verb is GET (no CSRF check)
  int success_http = 200;       // e.g. 201 for creations
  const char* audit = nullptr;  // the audit event every call of this RPC is, if any
};

class CallRunner {
 public:
  // `audit` may be null (no audit log); `proxies` decides whose X-Forwarded-For is believed.
  CallRunner(WorkerPool* workers, Metrics* metrics, bool developer_mode,
             const TrustedProxies* proxies, AuditLog* audit)
      : workers_(workers),
        metrics_(metrics),
        developer_mode_(developer_mode),
        proxies_(proxies),
        audit_(audit) {}

  grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* ctx, const CallOptions& options,
                                std::function<absl::Status(app::Caller*)> body);

  // A call its service can often answer without blocking: `fast` runs at once on gRPC's thread and
  // either returns false, having done nothing (then `slow` runs on the worker pool, as in Run), or
  // takes the call and later hands its outcome to the finish function it was given (from any
  // thread, once). Saves the worker hand-off (bench/README.md, "the hand-off").
  using Finisher = std::function<void(absl::Status)>;
  grpc::ServerUnaryReactor* RunNonBlocking(grpc::CallbackServerContext* ctx,
                                           const CallOptions& options,
                                           std::function<bool(app::Caller*, Finisher)> fast,
                                           std::function<absl::Status(app::Caller*)> slow);

 private:
  // Runs `body` for `caller` on the worker pool, or answers 503 at once when its queue is full.
  void Submit(grpc::CallbackServerContext* ctx, grpc::ServerUnaryReactor* reactor,
              const CallOptions& options, app::Caller caller,
              std::function<absl::Status(app::Caller*)> body);
  // Answers the call: logs it, counts it, turns a failure into its gRPC status and error body.
  void Finish(grpc::CallbackServerContext* ctx, grpc::ServerUnaryReactor* reactor,
              const CallOptions& options, app::Caller& caller, const absl::Status& st,
              absl::Time start);

  WorkerPool* workers_;
  Metrics* metrics_;
  bool developer_mode_;
  const TrustedProxies* proxies_;
  AuditLog* audit_;
};

// Moves a service result into the response message.
template <typename T>
absl::Status Assign(absl::StatusOr<T> result, T* out) {
  if (!result.ok()) return result.status();
  *out = std::move(*result);
  return absl::OkStatus();
}

// The caller as the metadata describes it (exposed for tests).
app::Caller CallerFromMetadata(const grpc::CallbackServerContext& ctx, bool safe_method,
                               const TrustedProxies& proxies);

}  // namespace oauthd::rpc

#endif  // OAUTHD_SERVER_RPC_CALL_RUNNER_H_
