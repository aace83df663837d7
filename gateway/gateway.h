// The transcoding pipeline: match route → build request → call upstream → render response (GETs the
// upstream marked shareable are answered from a small cache before routing). Also
// answers /healthz and /metrics itself, applies CORS, and adds the headers every response carries.
#ifndef OAUTHD_GATEWAY_GATEWAY_H_
#define OAUTHD_GATEWAY_GATEWAY_H_

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/metrics.h"
#include "gateway/http_types.h"
#include "gateway/response_cache.h"
#include "gateway/route_table.h"

namespace oauthd::gateway {

struct GatewayOptions {
  absl::Duration timeout = absl::Seconds(30);
  size_t max_url_bytes = 2048;
  // "*" or exact origins; empty: no CORS headers.
  std::vector<std::string> cors_allowed_origins;
  bool log_requests = true;  // one JSON line per request on stderr
  // Shared cache for GET answers marked Cache-Control: public (see response_cache.h); 0 disables.
  size_t response_cache_entries = 256;
  absl::Duration response_cache_max_age = absl::Minutes(5);  // cap on what the upstream declares
};

class Gateway {
 public:
  Gateway(std::unique_ptr<RouteTable> routes, std::shared_ptr<grpc::Channel> upstream,
          GatewayOptions options, Metrics* metrics);
  ~Gateway();

  // Answers `req` through `done`, possibly on another thread.
  void Handle(HttpRequest req, std::function<void(HttpResponse)> done);
  // From now on /healthz answers 503, so that probes and balancers stop choosing this process;
  // everything else is still served.
  void StartDraining() { draining_ = true; }

 private:
  struct Call;
  void Finish(Call* call, HttpResponse response);
  bool ApplyCors(const HttpRequest& req, HttpResponse* resp) const;
  // Invalidates the response cache whenever the upstream channel leaves READY (a connection was
  // lost): cached answers must not outlive the upstream process that made them, since a restarted
  // one may be configured differently.
  void WatchUpstream();

  std::unique_ptr<RouteTable> routes_;
  std::shared_ptr<grpc::Channel> channel_;
  grpc::GenericStub stub_;
  GatewayOptions options_;
  Metrics* metrics_;
  bool log_requests_;
  ResponseCache cache_;
  std::atomic<bool> draining_{false};
  absl::Notification stopping_;
  std::thread upstream_watch_;
};

// Request headers forwarded to the upstream as metadata.
const std::vector<std::string>& ForwardedRequestHeaders();

}  // namespace oauthd::gateway

#endif  // OAUTHD_GATEWAY_GATEWAY_H_
