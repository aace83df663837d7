// gRPC load generator: one completion-queue thread keeps N unary calls in flight for a fixed time
// against one operation and prints {op, rps, p50_ms, p99_ms, count, errors} as a JSON line.
// Requests follow the id scheme of bench/seed.sql, so every call hits real rows.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/tools/echo.pb.h"
#include "bench/tools/latency_histogram.h"
#include "common/flag_set.h"
#include "common/runtime.h"
#include "oauthd/v1/apps.pb.h"
#include "oauthd/v1/authorize.pb.h"
#include "oauthd/v1/server.pb.h"
#include "oauthd/v1/tokens.pb.h"

namespace {

struct Request {
  std::string method;
  std::string bytes;
  std::vector<std::pair<std::string, std::string>> metadata;
};

struct Scheme {
  int scale = 1;
  int64_t apps() const { return 100000LL * scale; }
  int64_t sessions() const { return 100000LL * scale; }
  int64_t creators() const { return 1000LL * scale; }
  static std::string App(int64_t n) { return absl::StrFormat("app%023d", n); }
  static std::string Secret(int64_t n) { return absl::StrFormat("sec%023d", n); }
  static std::string Token(int64_t n) { return absl::StrFormat("tok%023d", n); }
  static std::string Code(int64_t n) { return absl::StrFormat("code%048d", n); }
  static constexpr char kAdminToken[] = "admintoken0000000000000000";
  static constexpr char kCallback[] = "https://app.example.com/cb";
  static constexpr int kExchangeClients = 10;   // apps 1..10 redeem the seeded codes
  static constexpr int kIntrospectClient = 11;  // app 11 introspects its seeded grants
  // The apps the writes may change: none of the above, whose secrets the load needs.
  static constexpr int kFirstWritableApp = 12;
};

template <typename M>
Request Make(const std::string& method, const M& message, const std::string& token) {
  Request r{method, message.SerializeAsString(), {}};
  if (!token.empty()) r.metadata.emplace_back("authorization", "Bearer " + token);
  return r;
}

using Generator = std::function<Request(uint64_t, std::mt19937_64&)>;

std::map<std::string, Generator> Generators(const Scheme& s) {
  auto random_app = [s](std::mt19937_64& rng, int64_t from = 1) {
    return Scheme::App(std::uniform_int_distribution<int64_t>(from, s.apps())(rng));
  };
  auto random_token = [s](std::mt19937_64& rng) {
    return Scheme::Token(std::uniform_int_distribution<int64_t>(1, s.sessions())(rng));
  };
  const std::string apps = "/oauthd.v1.OAuthApps/";
  std::map<std::string, Generator> g;
  g["echo"] = [](uint64_t, std::mt19937_64&) {
    bench::v1::EchoMessage m;
    m.set_payload(std::string(64, 'e'));
    return Make("/bench.v1.Echo/Echo", m, "");
  };
  g["GetOAuthApp"] = [=](uint64_t, std::mt19937_64& rng) {
    oauthd::v1::OAuthAppIdRequest m;
    m.set_app_id(random_app(rng));
    return Make(apps + "GetOAuthApp", m, Scheme::kAdminToken);
  };
  g["GetOAuthAppInfo"] = [=](uint64_t, std::mt19937_64& rng) {
    oauthd::v1::OAuthAppIdRequest m;
    m.set_app_id(random_app(rng));
    return Make(apps + "GetOAuthAppInfo", m, random_token(rng));
  };
  g["GetOAuthApps_owner"] = [=](uint64_t, std::mt19937_64& rng) {
    oauthd::v1::GetOAuthAppsRequest m;
    m.set_page("0");
    m.set_per_page("60");
    // Sessions 1..creators belong to the creators (users 1..creators), who hold manage_oauth only.
    return Make(apps + "GetOAuthApps", m,
                Scheme::Token(std::uniform_int_distribution<int64_t>(1, s.creators())(rng)));
  };
  g["GetOAuthApps_systemwide"] = [=](uint64_t, std::mt19937_64&) {
    oauthd::v1::GetOAuthAppsRequest m;
    m.set_page("0");
    m.set_per_page("60");
    return Make(apps + "GetOAuthApps", m, Scheme::kAdminToken);
  };
  g["GetAuthorizedOAuthAppsForUser"] = [=](uint64_t, std::mt19937_64& rng) {
    oauthd::v1::GetAuthorizedOAuthAppsRequest m;
    m.set_user_id("me");
    m.set_per_page("60");
    return Make(apps + "GetAuthorizedOAuthAppsForUser", m, random_token(rng));
  };
  g["CreateOAuthApp"] = [=](uint64_t i, std::mt19937_64&) {
    oauthd::v1::CreateOAuthAppRequest m;
    m.set_name(absl::StrCat("Bench app ", i));
    m.set_description("created by the benchmark");
    m.set_homepage("https://app.example.com");
    m.add_callback_urls(Scheme::kCallback);
    return Make(apps + "CreateOAuthApp", m, Scheme::kAdminToken);
  };
  g["UpdateOAuthApp"] = [=](uint64_t i, std::mt19937_64& rng) {
    const std::string id = random_app(rng, Scheme::kFirstWritableApp);
    oauthd::v1::UpdateOAuthAppRequest m;
    m.set_app_id(id);
    m.mutable_body()->set_content_type("application/json");
    m.mutable_body()->set_data(absl::StrCat(R"({"id":")", id, R"(","name":"Updated )", i,
                                            R"(","callback_urls":["https://app.example.com/cb"],)"
                                            R"("homepage":"https://app.example.com"})"));
    return Make(apps + "UpdateOAuthApp", m, Scheme::kAdminToken);
  };
  g["RegenerateOAuthAppSecret"] = [=](uint64_t, std::mt19937_64& rng) {
    oauthd::v1::OAuthAppIdRequest m;
    m.set_app_id(random_app(rng, Scheme::kFirstWritableApp));
    return Make(apps + "RegenerateOAuthAppSecret", m, Scheme::kAdminToken);
  };
  g["GetAuthorizationServerMetadata"] = [](uint64_t, std::mt19937_64&) {
    return Make("/oauthd.v1.AuthorizationServer/GetAuthorizationServerMetadata",
                oauthd::v1::GetAuthorizationServerMetadataRequest(), "");
  };
  g["RegisterOAuthClient"] = [](uint64_t, std::mt19937_64&) {
    oauthd::v1::RegisterOAuthClientRequest m;
    m.mutable_body()->set_content_type("application/json");
    m.mutable_body()->set_data(
        R"({"redirect_uris":["https://mcp.example.com/cb"],"client_name":"bench"})");
    return Make("/oauthd.v1.AuthorizationServer/RegisterOAuthClient", m, "");
  };
  g["AccessToken"] = [=](uint64_t i, std::mt19937_64&) {
    // Each call redeems the next seeded code; code n belongs to client ((n - 1) % 10) + 1 and a
    // distinct user.
    const int64_t n = static_cast<int64_t>(i % static_cast<uint64_t>(s.sessions())) + 1;
    const int64_t client = (n - 1) % Scheme::kExchangeClients + 1;
    oauthd::v1::AccessTokenRequest m;
    m.mutable_body()->set_content_type("application/x-www-form-urlencoded");
    m.mutable_body()->set_data(
        absl::StrCat("grant_type=authorization_code&client_id=", Scheme::App(client),
                     "&client_secret=", Scheme::Secret(client), "&code=", Scheme::Code(n),
                     "&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb"));
    return Make("/oauthd.v1.Authorization/AccessToken", m, "");
  };
  g["IntrospectToken"] = [=](uint64_t, std::mt19937_64& rng) {
    // The introspecting client asks about one of its own grants' access tokens (user n's, seeded).
    const int64_t n = std::uniform_int_distribution<int64_t>(1, 10000LL * s.scale)(rng);
    oauthd::v1::TokenRequest m;
    m.set_token(absl::StrFormat("otk%023d", n));
    m.set_client_id(Scheme::App(Scheme::kIntrospectClient));
    m.set_client_secret(Scheme::Secret(Scheme::kIntrospectClient));
    return Make("/oauthd.v1.Tokens/IntrospectToken", m, "");
  };
  return g;
}

struct Call {
  grpc::ClientContext ctx;
  grpc::ByteBuffer response;
  grpc::Status status;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader;
  absl::Time start;
};

}  // namespace

int main(int argc, char** argv) {
  oauthd::ConfigureRuntimeForProduction();
  std::string target, op;
  int in_flight = 32, seconds = 5, warmup = 1, scale = 1, offset = 0;
  oauthd::FlagSet flags(
      "OAUTHD_BENCH_",
      "Usage: oauthd-bench-grpc --target=HOST:PORT --op=NAME [flags]\n\n"
      "Drives one gRPC operation with N calls in flight and prints rps, p50 and p99 as JSON.\n"
      "Operations: echo, GetOAuthApp, GetOAuthAppInfo, GetOAuthApps_owner, IntrospectToken, "
      "GetOAuthApps_systemwide,\n"
      "GetAuthorizedOAuthAppsForUser, CreateOAuthApp, UpdateOAuthApp, RegenerateOAuthAppSecret,\n"
      "GetAuthorizationServerMetadata, RegisterOAuthClient, AccessToken.\n");
  flags.String("target", &target, "gRPC target");
  flags.String("op", &op, "operation to drive");
  flags.Int("in-flight", &in_flight, "calls kept in flight");
  flags.Int("seconds", &seconds, "measured duration");
  flags.Int("warmup", &warmup, "seconds of unmeasured load first");
  flags.Int("scale", &scale, "the data set's --scale (id ranges)");
  flags.Int("offset", &offset,
            "first request number (AccessToken: codes already redeemed by earlier runs)");
  std::vector<std::string> pos;
  absl::Status st = flags.Parse(std::vector<std::string>(argv + 1, argv + argc), &pos);
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  Scheme scheme{scale};
  auto generators = Generators(scheme);
  if (!st.ok() || target.empty() || generators.count(op) == 0 || in_flight < 1) {
    std::fprintf(stderr, "oauthd-bench-grpc: %s (see --help)\n",
                 st.ok() ? "need --target and a known --op" : std::string(st.message()).c_str());
    return 2;
  }
  const Generator& generate = generators[op];
  auto channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(5))) {
    std::fprintf(stderr, "oauthd-bench-grpc: cannot connect to %s\n", target.c_str());
    return 1;
  }
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  std::mt19937_64 rng(42);
  uint64_t next = static_cast<uint64_t>(offset);
  auto start_call = [&] {
    Request r = generate(next++, rng);
    auto* call = new Call;
    for (const auto& [k, v] : r.metadata) call->ctx.AddMetadata(k, v);
    call->ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    grpc::Slice slice(r.bytes);
    grpc::ByteBuffer request(&slice, 1);
    call->start = absl::Now();
    call->reader = stub.PrepareUnaryCall(&call->ctx, r.method, request, &cq);
    call->reader->StartCall();
    call->reader->Finish(&call->response, &call->status, call);
  };
  oauthd::bench::LatencyHistogram hist;
  uint64_t errors = 0;
  std::string first_error;
  const absl::Time measure_from = absl::Now() + absl::Seconds(warmup);
  const absl::Time end = measure_from + absl::Seconds(seconds);
  for (int i = 0; i < in_flight; ++i) start_call();
  int outstanding = in_flight;
  uint64_t completed = 0;  // every call, warm-up included: what per-call costs divide by
  while (outstanding > 0) {
    void* tag;
    bool ok;
    if (!cq.Next(&tag, &ok)) break;
    auto* call = static_cast<Call*>(tag);
    const absl::Time now = absl::Now();
    if (call->start >= measure_from && now <= end) {
      hist.Record(static_cast<uint64_t>(absl::ToInt64Microseconds(now - call->start)));
      if (!ok || !call->status.ok()) {
        if (first_error.empty()) first_error = call->status.error_message();
        ++errors;
      }
    }
    delete call;
    ++completed;
    --outstanding;
    if (now < end) {
      start_call();
      ++outstanding;
    }
  }
  cq.Shutdown();
  void* tag;
  bool ok;
  while (cq.Next(&tag, &ok)) {
  }
  std::printf(
      "{\"op\":\"%s\",\"rps\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"count\":%llu,\"errors\":%llu,"
      "\"in_flight\":%d,\"next_offset\":%llu,\"calls_total\":%llu}\n",
      op.c_str(), static_cast<double>(hist.count()) / seconds, hist.Percentile(0.5) / 1000,
      hist.Percentile(0.99) / 1000, static_cast<unsigned long long>(hist.count()),
      static_cast<unsigned long long>(errors), in_flight, static_cast<unsigned long long>(next),
      static_cast<unsigned long long>(completed));
  if (errors > 0)
    std::fprintf(stderr, "oauthd-bench-grpc: %s: %llu errors, first: %s\n", op.c_str(),
                 static_cast<unsigned long long>(errors), first_error.c_str());
  return 0;
}
