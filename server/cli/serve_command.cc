// `oauthd serve`: the gRPC server.
#include <csignal>
#include <cstdio>
#include <memory>
#include <thread>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include "absl/strings/str_cat.h"
#include "server/cli/command.h"
#include "storage/connection_pool.h"

namespace oauthd::cli {
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

}  // namespace

int RunServe(const std::vector<std::string>& args) {
  std::string db, listen = "127.0.0.1:50051";
  int db_pool_size = 8;
  FlagSet flags("OAUTHD_", "Usage: oauthd serve --db=URL [--grpc-listen=HOST:PORT]\n\nRuns the gRPC server.\n");
  flags.String("db", &db, kDbHelp);
  flags.String("grpc-listen", &listen, "address for gRPC, HOST:PORT");
  flags.Int("db-pool-size", &db_pool_size, "most MySQL connections held open");
  std::vector<std::string> pos;
  if (int rc = ParseOrExit(flags, args, &pos); rc >= 0) return rc;
  if (db.empty()) {
    std::fprintf(stderr, "oauthd: --db is required (or OAUTHD_DB)\n");
    return 2;
  }
  auto url = storage::ParseDbUrl(db);
  if (!url.ok()) {
    std::fprintf(stderr, "oauthd: %s\n", std::string(url.status().message()).c_str());
    return 2;
  }
  storage::PoolOptions options;
  options.url = *url;
  options.max_connections = db_pool_size;
  storage::ConnectionPool pool(options);
  if (absl::Status st = pool.Ping(); !st.ok()) {
    std::fprintf(stderr, "oauthd: %s\n", std::string(st.message()).c_str());
    return 1;
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::fprintf(stderr, "oauthd: cannot listen on %s\n", listen.c_str());
    return 1;
  }
  std::fprintf(stderr, "oauthd: serving gRPC on %s\n", listen.c_str());
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::fprintf(stderr, "oauthd: draining\n");
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return 0;
}

}  // namespace oauthd::cli
