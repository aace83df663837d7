// Ceiling (b): a bare HTTP/1.1 server on the gateway's own Beast server code, answering every
// request with the same 300-byte JSON body — what the gateway would cost if transcoding and the
// upstream call were free.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>

#include "common/flag_set.h"
#include "common/runtime.h"
#include "gateway/http_server.h"

namespace {
std::atomic<bool> g_stop{false};
}

int main(int argc, char** argv) {
  oauthd::ConfigureRuntimeForProduction();
  oauthd::gateway::HttpServerOptions options;
  options.listen = "127.0.0.1:0";
  oauthd::FlagSet flags("OAUTHD_BENCH_",
                        "Usage: oauthd-bench-http-fixed [--listen=HOST:PORT] [--threads=N]\n\n"
                        "Answers every request with a fixed 300-byte JSON body.\n");
  flags.String("listen", &options.listen,
               "HTTP address (port 0 picks a free one, printed on stdout)");
  flags.Int("threads", &options.threads, "I/O threads (the gateway's default is 2)");
  std::vector<std::string> pos;
  absl::Status st = flags.Parse(std::vector<std::string>(argv + 1, argv + argc), &pos);
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  if (!st.ok()) return 2;
  std::string body = "{\"id\":\"abcdefghijklmnopqrstuvwxyz\",\"name\":\"fixed\",\"padding\":\"";
  body += std::string(300 - body.size() - 2, 'x') + "\"}";
  oauthd::gateway::HttpServer server(
      options, [&body](oauthd::gateway::HttpRequest,
                       std::function<void(oauthd::gateway::HttpResponse)> done) {
        oauthd::gateway::HttpResponse r;
        r.body = body;
        r.SetHeader("Content-Type", "application/json");
        done(std::move(r));
      });
  if (!server.Start().ok()) return 1;
  std::printf("port %d\n", server.port());
  std::fflush(stdout);
  std::signal(SIGTERM, [](int) { g_stop = true; });
  std::signal(SIGINT, [](int) { g_stop = true; });
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server.Stop(absl::Seconds(1));
  return 0;
}
