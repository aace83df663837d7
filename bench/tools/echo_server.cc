// Ceiling (a): a bare gRPC unary echo server on the callback API, built from the same gRPC/protobuf
// as oauthd.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <thread>

#include "bench/tools/echo.grpc.pb.h"
#include "common/flag_set.h"
#include "common/runtime.h"

namespace {

std::atomic<bool> g_stop{false};

class EchoService final : public bench::v1::Echo::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* ctx,
                                 const bench::v1::EchoMessage* req,
                                 bench::v1::EchoMessage* resp) override {
    resp->set_payload(req->payload());
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

}  // namespace

int main(int argc, char** argv) {
  oauthd::ConfigureRuntimeForProduction();
  std::string listen = "127.0.0.1:0";
  oauthd::FlagSet flags(
      "OAUTHD_BENCH_",
      "Usage: oauthd-bench-echo [--listen=HOST:PORT]\n\n"
      "A bare gRPC echo server: the ceiling oauthd's gRPC rates are compared with.\n");
  flags.String("listen", &listen, "gRPC address (port 0 picks a free one, printed on stdout)");
  std::vector<std::string> pos;
  absl::Status st = flags.Parse(std::vector<std::string>(argv + 1, argv + argc), &pos);
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  if (!st.ok()) {
    std::fprintf(stderr, "oauthd-bench-echo: %s\n", std::string(st.message()).c_str());
    return 2;
  }
  EchoService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  if (!server) return 1;
  std::printf("port %d\n", port);
  std::fflush(stdout);
  std::signal(SIGTERM, [](int) { g_stop = true; });
  std::signal(SIGINT, [](int) { g_stop = true; });
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server->Shutdown();
  return 0;
}
