// oauthd-gateway: a generic HTTP/JSON ⇄ gRPC transcoder. Its routes come from the google.api.http
// rules of a descriptor set (by default the one built into the binary); it knows nothing else about
// the API behind it.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/flag_set.h"
#include "common/metrics.h"
#include "common/pem_file.h"
#include "common/runtime.h"
#include "descriptor_set.h"
#include "gateway/gateway.h"
#include "gateway/http_server.h"
#include "gateway/route_table.h"

namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

int Fail(const std::string& message, int code = 1) {
  std::fprintf(stderr, "oauthd-gateway: %s\n", message.c_str());
  return code;
}

// Plain text, or TLS checked against --upstream-ca (mutual with a client certificate).
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> UpstreamCredentials(
    bool tls, const std::string& ca, const std::string& cert, const std::string& key) {
  if (!tls) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions options;
  if (!ca.empty()) {
    auto pem = oauthd::ReadPemFile(ca, "--upstream-ca");
    if (!pem.ok()) return pem.status();
    options.pem_root_certs = *pem;
  }
  if (!cert.empty()) {
    auto cert_pem = oauthd::ReadPemFile(cert, "--upstream-client-cert");
    if (!cert_pem.ok()) return cert_pem.status();
    auto key_pem = oauthd::ReadPemFile(key, "--upstream-client-key");
    if (!key_pem.ok()) return key_pem.status();
    options.pem_cert_chain = *cert_pem;
    options.pem_private_key = *key_pem;
  }
  return grpc::SslCredentials(options);
}

}  // namespace

int main(int argc, char** argv) {
  oauthd::ConfigureRuntimeForProduction();
  using namespace oauthd;
  gateway::HttpServerOptions http;
  gateway::GatewayOptions options;
  std::string upstream = "127.0.0.1:50051", descriptor_set_path, cors;
  int max_body = static_cast<int>(http.max_body_bytes),
      max_url = static_cast<int>(options.max_url_bytes);
  bool log_requests = true;
  FlagSet flags(
      "OAUTHD_GATEWAY_",
      "Usage: oauthd-gateway [--listen=HOST:PORT] [--upstream=TARGET] [flags]\n\n"
      "Serves HTTP/1.1 + JSON and forwards each request as a gRPC call, routing by the "
      "google.api.http\n"
      "rules of the descriptor set. Also answers GET /healthz and GET /metrics itself.\n");
  flags.String("listen", &http.listen,
               "HTTP address, HOST:PORT (port 0 picks a free one and logs it)");
  flags.String(
      "upstream", &upstream,
      "gRPC target of the service: HOST:PORT, or dns:///NAME:PORT to balance round-robin over\n"
      "every address the name resolves to (e.g. a Kubernetes headless Service)");
  flags.String("descriptor-set", &descriptor_set_path,
               "FileDescriptorSet (protoc --include_imports) to route by; empty: the one built in");
  flags.Int("max-body-bytes", &max_body, "largest request body accepted; larger ones get 413");
  flags.Int("max-url-bytes", &max_url,
            "longest request target (path and query) accepted; longer ones get 414");
  flags.Duration("timeout", &options.timeout,
                 "deadline of each upstream call; past it the answer is 504");
  flags.Duration("read-timeout", &http.read_timeout,
                 "time a client has to send a whole request, once it has begun (and a new\n"
                 "connection's first)");
  flags.Duration("idle-timeout", &http.idle_timeout,
                 "how long a keep-alive connection may sit idle between requests (announced as\n"
                 "Keep-Alive: timeout=N). Keep it above the idle timeout of the proxies in front\n"
                 "(nginx, AWS ALB: 60s; Google's load balancers: 600s), so that they close first");
  absl::Duration upstream_keepalive = absl::Seconds(30);
  flags.Duration("upstream-keepalive", &upstream_keepalive,
                 "how often the gateway pings oauthd on an idle connection, to notice a dead one\n"
                 "(oauthd accepts pings down to --keepalive-min-ping-interval, 10s by default)");
  flags.String(
      "cors-allowed-origins", &cors,
      "space- or comma-separated origins allowed to call from browsers, or *; empty: no CORS");
  flags.Int("threads", &http.threads, "HTTP I/O threads");
  flags.Int("max-connections", &http.max_connections,
            "connections open at once; one more is answered 503 and closed");
  int cache_entries = static_cast<int>(options.response_cache_entries);
  flags.Int("response-cache-entries", &cache_entries,
            "GET answers the upstream marks Cache-Control: public (with max-age or s-maxage) are\n"
            "served from memory until they expire, or until the upstream connection is lost (a\n"
            "restarted upstream may answer differently); this many at most. 0 disables the cache");
  flags.Duration("response-cache-max-age", &options.response_cache_max_age,
                 "longest time a cached answer is reused, whatever the upstream declares");
  flags.Bool("log-requests", &log_requests, "log one JSON line per request to stderr");
  absl::Duration shutdown_delay = absl::ZeroDuration(), shutdown_grace = absl::Seconds(10);
  flags.Duration("shutdown-delay", &shutdown_delay,
                 "on SIGTERM, how long /healthz answers 503 while requests are still accepted, so\n"
                 "that load balancers stop sending new ones (Kubernetes: or a preStop sleep)");
  flags.Duration("shutdown-grace", &shutdown_grace,
                 "on SIGTERM, after the delay: how long requests being answered may take before\n"
                 "their connections are closed");
  flags.String("tls-cert", &http.tls_cert_file,
               "PEM certificate chain: serve HTTPS instead of HTTP (with --tls-key)");
  flags.String("tls-key", &http.tls_key_file, "PEM private key of --tls-cert");
  bool upstream_tls = false;
  std::string upstream_ca, upstream_cert, upstream_key, upstream_server_name;
  flags.Bool("upstream-tls", &upstream_tls, "call the upstream over TLS (oauthd --tls-cert)");
  flags.String("upstream-ca", &upstream_ca,
               "PEM CA bundle the upstream's certificate must chain to (empty: the system's)");
  flags.String("upstream-client-cert", &upstream_cert,
               "PEM certificate to present to the upstream (mutual TLS; oauthd --tls-client-ca)");
  flags.String("upstream-client-key", &upstream_key, "PEM private key of --upstream-client-cert");
  flags.String("upstream-server-name", &upstream_server_name,
               "name the upstream's certificate must carry (empty: the host of --upstream)");
  std::vector<std::string> positional;
  absl::Status st = flags.Parse(std::vector<std::string>(argv + 1, argv + argc), &positional);
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  if (!st.ok()) return Fail(std::string(st.message()), 2);
  if (!positional.empty()) return Fail("unexpected argument " + positional[0] + " (see --help)", 2);
  if (max_body <= 0 || max_url <= 0)
    return Fail("--max-body-bytes and --max-url-bytes must be positive", 2);
  if (cache_entries < 0) return Fail("--response-cache-entries must be 0 or more", 2);
  if (http.max_connections < 1) return Fail("--max-connections must be at least 1", 2);
  if (shutdown_delay < absl::ZeroDuration() || shutdown_grace < absl::ZeroDuration())
    return Fail("--shutdown-delay and --shutdown-grace must not be negative", 2);
  if (http.read_timeout < absl::Seconds(1) || http.idle_timeout < absl::Seconds(1))
    return Fail("--read-timeout and --idle-timeout must be at least 1s", 2);
  if (upstream_keepalive < absl::Seconds(1))
    return Fail("--upstream-keepalive must be at least 1s", 2);
  if (http.tls_cert_file.empty() != http.tls_key_file.empty())
    return Fail("--tls-cert and --tls-key go together", 2);
  if (upstream_cert.empty() != upstream_key.empty())
    return Fail("--upstream-client-cert and --upstream-client-key go together", 2);
  if (!upstream_tls &&
      !(upstream_ca.empty() && upstream_cert.empty() && upstream_server_name.empty()))
    return Fail(
        "--upstream-ca, --upstream-client-cert and --upstream-server-name need --upstream-tls", 2);
  auto credentials = UpstreamCredentials(upstream_tls, upstream_ca, upstream_cert, upstream_key);
  if (!credentials.ok()) return Fail(std::string(credentials.status().message()), 2);
  options.response_cache_entries = static_cast<size_t>(cache_entries);
  http.max_body_bytes = static_cast<size_t>(max_body);
  options.max_url_bytes = static_cast<size_t>(max_url);
  options.log_requests = log_requests;
  for (absl::string_view o : absl::StrSplit(cors, absl::ByAnyChar(" ,"), absl::SkipWhitespace())) {
    options.cors_allowed_origins.emplace_back(absl::StripAsciiWhitespace(o));
  }

  std::string descriptors(EmbeddedDescriptorSet());
  if (!descriptor_set_path.empty()) {
    std::ifstream in(descriptor_set_path, std::ios::binary);
    if (!in) return Fail("cannot read " + descriptor_set_path, 2);
    std::stringstream ss;
    ss << in.rdbuf();
    descriptors = ss.str();
  }
  auto routes = gateway::RouteTable::FromDescriptorSet(descriptors);
  if (!routes.ok()) return Fail(std::string(routes.status().message()), 2);
  std::fprintf(stderr, "oauthd-gateway: %zu routes\n", (*routes)->bindings().size());

  grpc::ChannelArguments args;
  // Round robin over every upstream address, each watched with the standard health protocol
  // (grpc.health.v1 Watch): an upstream that answers NOT_SERVING, as one shutting down does, gets
  // no new calls while it finishes the ones it has. One without the health service counts as
  // healthy.
  args.SetServiceConfigJSON(
      R"({"loadBalancingConfig":[{"round_robin":{}}],"healthCheckConfig":{"serviceName":""}})");
  // Pings on idle connections, so that one a middlebox dropped is found before a call needs it;
  // oauthd accepts them (--keepalive-min-ping-interval), so it never answers GOAWAY
  // too_many_pings. A call that meets a GOAWAY before it was sent goes to a fresh connection
  // (gRPC's transparent retry, kept on explicitly).
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS,
              static_cast<int>(absl::ToInt64Milliseconds(upstream_keepalive)));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 1);
  // Pods come and go in a rollout: reconnect to a restarted one within 2 s (gRPC's default backoff
  // grows to 120 s), and learn a headless Service's new addresses within 5 s (default 30 s).
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  args.SetInt(GRPC_ARG_DNS_MIN_TIME_BETWEEN_RESOLUTIONS_MS, 5000);
  if (!upstream_server_name.empty()) args.SetSslTargetNameOverride(upstream_server_name);
  auto channel = grpc::CreateCustomChannel(upstream, *credentials, args);

  Metrics metrics("oauthd_gateway");
  gateway::Gateway gw(*std::move(routes), channel, options, &metrics);
  gateway::HttpServer server(
      http, [&gw](gateway::HttpRequest req, std::function<void(gateway::HttpResponse)> done) {
        gw.Handle(std::move(req), std::move(done));
      });
  if (absl::Status s = server.Start(); !s.ok()) return Fail(std::string(s.message()));
  std::fprintf(stderr, "oauthd-gateway: serving %s on port %d (%s), upstream %s%s\n",
               http.tls_cert_file.empty() ? "HTTP" : "HTTPS", server.port(), http.listen.c_str(),
               upstream.c_str(),
               !upstream_tls           ? ""
               : upstream_cert.empty() ? " over TLS"
                                       : " over mutual TLS");
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::fprintf(
      stderr,
      "oauthd-gateway: shutting down: /healthz answers 503, answers say Connection: close\n");
  gw.StartDraining();
  server.StartDraining();
  if (shutdown_delay > absl::ZeroDuration()) {
    std::fprintf(stderr, "oauthd-gateway: still accepting requests for %s (--shutdown-delay)\n",
                 absl::FormatDuration(shutdown_delay).c_str());
    absl::SleepFor(shutdown_delay);
  }
  std::fprintf(stderr,
               "oauthd-gateway: no longer accepting connections; finishing requests in flight "
               "(up to %s)\n",
               absl::FormatDuration(shutdown_grace).c_str());
  server.Stop(shutdown_grace);
  std::fprintf(stderr, "oauthd-gateway: stopped\n");
  return 0;
}
