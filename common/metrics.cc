#include "common/metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace oauthd {

void Metrics::ObserveRequest(absl::string_view method, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = methods_.find(method);
  if (it == methods_.end()) it = methods_.emplace(std::string(method), MethodStats{}).first;
  ++it->second.by_status[status];
  Histogram& h = it->second.latency;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.counts[i];
  }
  ++h.total;
  h.sum += seconds;
}

void Metrics::SetExtra(std::function<std::string()> extra) {
  std::lock_guard<std::mutex> lock(mu_);
  extra_ = std::move(extra);
}

std::string Metrics::Render() {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out = absl::StrCat("# TYPE ", prefix_, "_requests_total counter\n");
  for (const auto& [method, stats] : methods_) {
    for (const auto& [status, n] : stats.by_status) {
      absl::StrAppend(&out, prefix_, "_requests_total{method=\"", method, "\",code=\"", status,
                      "\"} ", n, "\n");
    }
  }
  absl::StrAppend(&out, "# TYPE ", prefix_, "_request_duration_seconds histogram\n");
  for (const auto& [method, stats] : methods_) {
    const Histogram& h = stats.latency;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      absl::StrAppend(&out, prefix_, "_request_duration_seconds_bucket{method=\"", method,
                      "\",le=\"", kBuckets[i], "\"} ", h.counts[i], "\n");
    }
    absl::StrAppend(&out, prefix_, "_request_duration_seconds_bucket{method=\"", method,
                    "\",le=\"+Inf\"} ", h.total, "\n", prefix_,
                    "_request_duration_seconds_sum{method=\"", method, "\"} ", h.sum, "\n", prefix_,
                    "_request_duration_seconds_count{method=\"", method, "\"} ", h.total, "\n");
  }
  if (extra_) out += extra_();
  return out;
}

absl::Status StartMetricsServer(const std::string& address, Metrics* metrics) {
  size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) ||
      port <= 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics address must be HOST:PORT, got ", address));
  }
  std::string host = address.substr(0, colon);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (host.empty() || host == "0.0.0.0") {
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
  } else if (inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host.c_str(), &addr.sin_addr) !=
             1) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics host must be an IPv4 address, got ", host));
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 16) != 0) {
    close(fd);
    return absl::UnavailableError(absl::StrCat("cannot listen for metrics on ", address));
  }
  std::thread([fd, metrics] {
    for (;;) {
      int c = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      timeval tv{2, 0};
      setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      char buf[2048];
      ssize_t n = recv(c, buf, sizeof buf - 1, 0);
      std::string req(buf, n > 0 ? static_cast<size_t>(n) : 0);
      std::string body, status = "200 OK";
      if (req.rfind("GET /metrics", 0) == 0) {
        body = metrics->Render();
      } else {
        status = "404 Not Found";
        body = "not found\n";
      }
      std::string resp =
          absl::StrCat("HTTP/1.1 ", status, "\r\nContent-Type: text/plain; version=0.0.4\r\n",
                       "Content-Length: ", body.size(), "\r\nConnection: close\r\n\r\n", body);
      for (size_t off = 0; off < resp.size();) {
        ssize_t w = send(c, resp.data() + off, resp.size() - off, MSG_NOSIGNAL);
        if (w <= 0) break;
        off += static_cast<size_t>(w);
      }
      close(c);
    }
  }).detach();
  return absl::OkStatus();
}

}  // namespace oauthd
