// HTTP/1.1 with keep-alive over Boost.Beast, in clear text or TLS (tls_cert_file): N io_context
// threads, one asynchronous session per connection (none parked on a thread), a read timeout
// against slow clients (the TLS handshake included) apart from a long idle keep-alive timeout,
// body and header size limits. A connection the server closes on purpose says so first
// (Connection: close on its last answer); an idle one is closed only after the time it announced.
// Requests go to a handler that answers through a callback, possibly from another thread.
#ifndef OAUTHD_GATEWAY_HTTP_SERVER_H_
#define OAUTHD_GATEWAY_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gateway/http_types.h"

namespace oauthd::gateway {

struct HttpServerOptions {
  std::string listen = "127.0.0.1:8065";
  int threads = 2;
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16 * 1024;
  int max_connections = 10000;  // open at once; more are answered 503 and closed
  // To receive one whole request once its first byte arrived (and a new connection's first).
  absl::Duration read_timeout = absl::Seconds(10);
  // How long a keep-alive connection may wait, idle, for its next request. Longer than the idle
  // time of the load balancers and proxies in front (nginx and AWS ALB 60 s, Google's 600 s), so
  // that they close first: a request they send just as the server closes would fail. Announced
  // to clients in Keep-Alive: timeout=N.
  absl::Duration idle_timeout = absl::Seconds(620);
  absl::Duration write_timeout = absl::Seconds(30);
  // PEM files: HTTPS instead of HTTP when set.
  std::string tls_cert_file;
  std::string tls_key_file;
};

using HttpHandler = std::function<void(HttpRequest, std::function<void(HttpResponse)>)>;

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();

  // Binds and starts the threads; the port actually bound is port() (the listen port may be 0).
  absl::Status Start();
  int port() const;
  // From now on every answer says Connection: close and the connection closes after it, so that
  // keep-alive clients (and proxies pooling connections) reconnect elsewhere while the server
  // still accepts new ones (the pod's shutdown delay).
  void StartDraining();
  // Stops accepting, lets requests being answered finish for up to `grace` (their answers say
  // Connection: close), then closes every connection and stops. It returns once every answer
  // callback handed to the handler has been called or dropped (an answer may be written by the
  // thread that calls it).
  void Stop(absl::Duration grace);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace oauthd::gateway

#endif  // OAUTHD_GATEWAY_HTTP_SERVER_H_
