// `oauthd serve`: wires the stores, the service logic and the gRPC handlers together and runs the
// server until SIGTERM/SIGINT, then drains in-flight calls.
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/metrics.h"
#include "common/pem_file.h"
#include "server/app/authenticator.h"
#include "server/app/authorization_service.h"
#include "server/app/oauth_app_service.h"
#include "server/app/rate_limiter.h"
#include "server/app/registration_service.h"
#include "server/app/token_service.h"
#include "server/cli/command.h"
#include "server/cli/secret_flags.h"
#include "server/rpc/audit_log.h"
#include "server/rpc/authorization_handler.h"
#include "server/rpc/authorization_server_handler.h"
#include "server/rpc/call_runner.h"
#include "server/rpc/client_address.h"
#include "server/rpc/oauth_apps_handler.h"
#include "server/rpc/tokens_handler.h"
#include "server/rpc/worker_pool.h"
#include "storage/app_store.h"
#include "storage/connection_pool.h"
#include "storage/grant_store.h"
#include "storage/identity_store.h"
#include "storage/preference_store.h"
#include "storage/replica_reads.h"
#include "storage/schema_check.h"
#include "storage/secret_cipher.h"

namespace oauthd::cli {
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

int UsageError(const std::string& message) {
  std::fprintf(stderr, "oauthd serve: %s\n", message.c_str());
  return 2;
}

// Plain text without --tls-cert; TLS with it; mutual TLS with --tls-client-ca too.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(
    const std::string& cert, const std::string& key, const std::string& client_ca) {
  if (cert.empty() != key.empty())
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  if (cert.empty()) {
    if (!client_ca.empty()) return absl::InvalidArgumentError("--tls-client-ca needs --tls-cert");
    return grpc::InsecureServerCredentials();
  }
  auto cert_pem = ReadPemFile(cert, "--tls-cert");
  if (!cert_pem.ok()) return cert_pem.status();
  auto key_pem = ReadPemFile(key, "--tls-key");
  if (!key_pem.ok()) return key_pem.status();
  grpc::SslServerCredentialsOptions options(
      client_ca.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                        : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_key_cert_pairs.push_back({*key_pem, *cert_pem});
  if (!client_ca.empty()) {
    auto ca = ReadPemFile(client_ca, "--tls-client-ca");
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *ca;
  }
  return grpc::SslServerCredentials(options);
}

// One round of --dcr-idle-ttl reaping (a no-op on pods that do not get the lease).
void ReapIdleClients(storage::AppStore& apps, absl::Duration ttl, absl::Duration interval,
                     std::atomic<int64_t>* reaped) {
  auto n = apps.ReapIdleDynamicClients(absl::ToUnixMillis(absl::Now() - ttl), 500, interval * 0.9);
  if (!n.ok()) {
    std::fprintf(stderr, "oauthd: reaping idle registered clients failed: %s\n",
                 std::string(n.status().message()).c_str());
  } else if (*n > 0) {
    *reaped += *n;
    std::fprintf(stderr, "oauthd: deleted %d dynamically registered clients idle for %s\n", *n,
                 absl::FormatDuration(ttl).c_str());
  }
}

}  // namespace

int RunServe(const std::vector<std::string>& args) {
  std::string db, listen = "127.0.0.1:50051", metrics_listen, allowlist;
  app::ServiceConfig config;
  bool developer_mode = false;
  int db_pool_size = 8, workers = 0, cache_entries = 10000;
  absl::Duration cache_ttl = absl::Seconds(5);
  double dcr_rate = 2;
  int dcr_burst = 1;
  std::string dcr_rate_text = "2";
  FlagSet flags(
      "OAUTHD_",
      "Usage: oauthd serve --db=URL [flags]\n\n"
      "Runs the gRPC server (with grpc.health.v1 health checking and server reflection).\n");
  flags.String("db", &db, kDbHelp);
  flags.String("grpc-listen", &listen,
               "address for gRPC, HOST:PORT (port 0 picks a free one and logs it)");
  flags.String(
      "site-url", &config.site_url,
      "public URL of the service (issuer of the RFC 8414 metadata), e.g. https://chat.example.com");
  flags.Bool("enable-oauth-service-provider", &config.enable_oauth_service_provider,
             "serve the OAuth provider API; when false, calls answer 501 as Mattermost's do");
  flags.Bool("enable-dynamic-client-registration", &config.enable_dynamic_client_registration,
             "accept RFC 7591 registrations at /api/v4/oauth/apps/register");
  flags.String(
      "dcr-redirect-uri-allowlist", &allowlist,
      "comma-separated redirect-URI patterns a registration must match (empty: any); '*' matches\n"
      "within one URL component without '/', '**' anything, e.g. https://*.example.com/**");
  flags.String("dcr-rate-limit", &dcr_rate_text,
               "registrations allowed per second per client address");
  flags.Int("dcr-rate-burst", &dcr_burst, "registrations a client address may save up");
  std::string auth_failure_rate_text = "1";
  int auth_failure_burst = 10;
  flags.String("client-auth-failure-rate", &auth_failure_rate_text,
               "failed client authentications per second a client address may make at\n"
               "/oauth/introspect and /oauth/revoke before it gets 429 (whatever it sends)");
  flags.Int("client-auth-failure-burst", &auth_failure_burst,
            "failed client authentications a client address may save up");
  flags.Bool("developer-mode", &developer_mode, "fill AppError.detailed_error (off: always \"\")");
  flags.Duration(
      "oauth-session-length", &config.oauth_session_length,
      "lifetime of access tokens issued to OAuth apps (Mattermost's SessionLengthSSOInHours)");
  flags.Duration("metadata-max-age", &config.metadata_max_age,
                 "Cache-Control max-age of the RFC 8414 metadata document (public; the gateway\n"
                 "serves it from memory this long). 0s: sent without Cache-Control");
  flags.Duration(
      "cache-ttl", &cache_ttl,
      "how long sessions, users and role permissions are cached; a revoked session or a changed\n"
      "role can be honoured this long on a pod that cached it (OAuth tokens are never cached, so\n"
      "deauthorizing or deleting an app ends them at once). 0s disables the cache");
  flags.Int(
      "cache-entries", &cache_entries,
      "most sessions, and most users, the cache holds (under 1 KB each); when full it starts\n"
      "over");
  flags.String("metrics-listen", &metrics_listen,
               "HOST:PORT for Prometheus text metrics at /metrics (empty: off)");
  flags.Int("db-pool-size", &db_pool_size, "most MySQL connections held open");
  flags.Int("workers", &workers, "threads running requests' database work (0: the pool size)");
  int async_db_connections = 16, async_db_loops = 2;
  flags.Int("async-db-connections", &async_db_connections,
            "MySQL connections, opened as load needs them beside --db-pool-size, on which\n"
            "GetOAuthApp (when the caller's session is cached), the token exchange and\n"
            "introspection run without a worker (non-blocking Connector/C). 0: off");
  flags.Int("async-db-loops", &async_db_loops, "event-loop threads sharing --async-db-connections");
  int max_queued_calls = -1;
  flags.Int("max-queued-calls", &max_queued_calls,
            "calls that may wait for a worker; past that a call is answered 503 at once\n"
            "(api.context.server_busy.app_error). -1: 16 per worker; 0: no bound");
  absl::Duration db_timeout = absl::Seconds(5), db_commit_timeout = absl::Seconds(15);
  flags.Duration("db-timeout", &db_timeout,
                 "longest wait for the database: to connect, for a reply, and for a free pooled\n"
                 "connection; past it the call is answered 503");
  flags.Duration("db-commit-timeout", &db_commit_timeout,
                 "longest wait for the token exchange's write to commit (on a cluster a commit\n"
                 "waits while a dead node is detected, about 6s with Galera's defaults); past it\n"
                 "the exchange is answered 503, its outcome unknown");
  std::string db_replica;
  absl::Duration replica_max_lag = absl::Seconds(1);
  flags.String("db-replica", &db_replica,
               "an asynchronous read replica of --db, as mysql://USER:PASS@HOST:PORT/DB\n"
               "(several as HOST1:PORT1,HOST2:PORT2, tried in order): the app lists are read\n"
               "there while it is within --db-replica-max-lag of --db, else from --db.\n"
               "Everything else, and every check of a code, token or secret, reads --db.\n"
               "Empty: no replica");
  flags.Duration("db-replica-max-lag", &replica_max_lag,
                 "the most a list read from --db-replica may lag --db (proven by a heartbeat\n"
                 "written on --db every quarter of it and read back from the replica)");
  absl::Duration shutdown_delay = absl::ZeroDuration(), shutdown_grace = absl::Seconds(10);
  flags.Duration(
      "shutdown-delay", &shutdown_delay,
      "on SIGTERM, how long health checks answer NOT_SERVING while calls are still\n"
      "accepted, so that load balancers stop sending new ones (Kubernetes: or a preStop\n"
      "sleep)");
  flags.Duration("shutdown-grace", &shutdown_grace,
                 "on SIGTERM, after the delay: how long calls in flight may take to finish before\n"
                 "they are cancelled");
  absl::Duration min_ping_interval = absl::Seconds(10);
  flags.Duration(
      "keepalive-min-ping-interval", &min_ping_interval,
      "the shortest interval at which a client may ping an idle connection (keepalive);\n"
      "more often is answered with GOAWAY too_many_pings. Below the gateway's\n"
      "--upstream-keepalive (30s) and what other gRPC clients are configured with");
  std::string trusted_proxies, audit_path = "-";
  SecretFlags secret_flags;
  secret_flags.Register(flags);
  flags.Duration("secret-rotation-grace", &config.secret_rotation_grace,
                 "after regen_secret, how long the previous secret still works at the token\n"
                 "endpoint (one previous secret per app). 0s: at once invalid, as in Mattermost");
  flags.String("trusted-proxies", &trusted_proxies,
               "comma-separated CIDRs of proxies (the gateway, an ingress) whose X-Forwarded-For\n"
               "is believed when finding a caller's address for the registration limit; from any\n"
               "other peer the header is ignored. Empty: trust no one (every caller behind the\n"
               "gateway then shares the gateway's address), e.g. 127.0.0.1/32,10.0.0.0/8");
  int dcr_max_clients = 0;
  flags.Int("dcr-max-clients", &dcr_max_clients,
            "most dynamically registered clients; past it registration answers 400\n"
            "invalid_client_metadata. 0: no cap");
  flags.Duration("dcr-idle-ttl", &config.dcr_idle_ttl,
                 "delete dynamically registered clients that got no token or code for this long\n"
                 "and hold no refresh token (one pod at a time reaps). 0s: never");
  absl::Duration reap_interval = absl::Minutes(1);
  flags.Duration("dcr-reap-interval", &reap_interval, "how often idle clients are looked for");
  flags.String("audit-log", &audit_path,
               "where audit records go (one JSON line per state change): \"-\" for standard\n"
               "error, else a file appended to; empty: no audit log");
  std::string tls_cert, tls_key, tls_client_ca;
  flags.String("tls-cert", &tls_cert,
               "PEM certificate chain: serve gRPC over TLS (with --tls-key)");
  flags.String("tls-key", &tls_key, "PEM private key of --tls-cert");
  flags.String("tls-client-ca", &tls_client_ca,
               "PEM CA bundle: require and verify client certificates (mutual TLS)");
  std::vector<std::string> pos;
  if (int rc = ParseOrExit(flags, args, &pos); rc >= 0) return rc;
  if (!pos.empty()) return UsageError("serve takes no arguments");
  if (db.empty()) return UsageError("--db is required (or OAUTHD_DB)");
  if (!absl::SimpleAtod(dcr_rate_text, &dcr_rate) || dcr_rate <= 0) {
    return UsageError("--dcr-rate-limit must be a positive number");
  }
  if (dcr_burst < 1) return UsageError("--dcr-rate-burst must be at least 1");
  double auth_failure_rate = 0;
  if (!absl::SimpleAtod(auth_failure_rate_text, &auth_failure_rate) || auth_failure_rate <= 0)
    return UsageError("--client-auth-failure-rate must be a positive number");
  if (auth_failure_burst < 1) return UsageError("--client-auth-failure-burst must be at least 1");
  if (db_pool_size < 1) return UsageError("--db-pool-size must be at least 1");
  if (async_db_connections < 0) return UsageError("--async-db-connections must not be negative");
  if (async_db_loops < 1) return UsageError("--async-db-loops must be at least 1");
  if (max_queued_calls < -1) return UsageError("--max-queued-calls must be -1 or more");
  if (db_timeout < absl::Seconds(1)) return UsageError("--db-timeout must be at least 1s");
  if (db_commit_timeout < db_timeout)
    return UsageError("--db-commit-timeout must be at least --db-timeout");
  if (replica_max_lag < absl::Milliseconds(100))
    return UsageError("--db-replica-max-lag must be at least 100ms");
  if (cache_entries < 1) return UsageError("--cache-entries must be at least 1");
  if (shutdown_delay < absl::ZeroDuration() || shutdown_grace < absl::ZeroDuration())
    return UsageError("--shutdown-delay and --shutdown-grace must not be negative");
  if (min_ping_interval < absl::ZeroDuration())
    return UsageError("--keepalive-min-ping-interval must not be negative");
  if (config.oauth_session_length < absl::Minutes(1))
    return UsageError("--oauth-session-length must be at least 1m");
  for (absl::string_view p : absl::StrSplit(allowlist, ',', absl::SkipWhitespace())) {
    config.dcr_redirect_uri_allowlist.emplace_back(absl::StripAsciiWhitespace(p));
  }
  if (config.secret_rotation_grace < absl::ZeroDuration() ||
      config.dcr_idle_ttl < absl::ZeroDuration())
    return UsageError("--secret-rotation-grace and --dcr-idle-ttl must not be negative");
  if (dcr_max_clients < 0) return UsageError("--dcr-max-clients must not be negative");
  config.dcr_max_clients = dcr_max_clients;
  if (reap_interval < absl::Seconds(1))
    return UsageError("--dcr-reap-interval must be at least 1s");
  auto proxies = rpc::TrustedProxies::Parse(trusted_proxies);
  if (!proxies.ok()) return UsageError(std::string(proxies.status().message()));
  auto cipher_or = secret_flags.Cipher();
  if (!cipher_or.ok()) return UsageError(std::string(cipher_or.status().message()));
  const storage::SecretCipher* cipher = *cipher_or;
  auto credentials = ServerCredentials(tls_cert, tls_key, tls_client_ca);
  if (!credentials.ok()) return UsageError(std::string(credentials.status().message()));
  std::unique_ptr<rpc::AuditLog> audit;
  if (!audit_path.empty()) {
    auto opened = rpc::AuditLog::Open(audit_path);
    if (!opened.ok()) return UsageError(std::string(opened.status().message()));
    audit = std::move(*opened);
  }
  auto url = storage::ParseDbUrl(db);
  if (!url.ok()) return UsageError(std::string(url.status().message()));
  std::optional<storage::DbUrl> replica_url;
  if (!db_replica.empty()) {
    auto parsed = storage::ParseDbUrl(db_replica);
    if (!parsed.ok()) return UsageError(absl::StrCat("--db-replica: ", parsed.status().message()));
    replica_url = *std::move(parsed);
  }

  storage::PoolOptions options;
  options.url = *url;
  options.max_connections = db_pool_size;
  options.acquire_timeout = db_timeout;
  options.connect_timeout_seconds = static_cast<int>(absl::ToInt64Seconds(db_timeout));
  options.read_timeout_seconds = static_cast<int>(absl::ToInt64Seconds(db_timeout));
  storage::ConnectionPool pool(options);
  // A database without what this oauthd reads and writes would only show up as 500s: say so now,
  // and never report ready.
  for (absl::Status st : {pool.Ping(), storage::CheckSchema(pool)}) {
    if (!st.ok()) {
      std::fprintf(stderr, "oauthd serve: %s\n", std::string(st.message()).c_str());
      return 1;
    }
  }
  if (cipher->encrypts()) {
    std::fprintf(stderr,
                 "oauthd: secrets are protected at rest: client secrets sealed (AES-256-GCM, key "
                 "id %s), refresh tokens and authorization codes stored as digests\n",
                 cipher->key_id().c_str());
  } else {
    std::fprintf(stderr,
                 "oauthd: client secrets, refresh tokens and authorization codes are stored in "
                 "clear text (no --secret-encryption-key)\n");
  }
  std::unique_ptr<storage::AsyncDb> async_db;
  if (async_db_connections > 0) {
    storage::AsyncDbOptions async_options;
    async_options.url = *url;
    async_options.connections = async_db_connections;
    async_options.loops = async_db_loops;
    async_options.timeout = db_timeout;
    async_db = std::make_unique<storage::AsyncDb>(async_options);
  }
  std::unique_ptr<storage::ReplicaReads> replica;
  if (replica_url) {
    storage::ReplicaOptions replica_options;
    replica_options.pool = options;
    replica_options.pool.url = *replica_url;
    replica_options.max_lag = replica_max_lag;
    replica = std::make_unique<storage::ReplicaReads>(&pool, std::move(replica_options));
    std::fprintf(stderr, "oauthd: app lists are read from the replica while within %s of --db\n",
                 absl::FormatDuration(replica_max_lag).c_str());
  }
  storage::AppStore apps(&pool, cipher, async_db.get(), replica.get());
  storage::IdentityStore identity(&pool);
  storage::GrantStore grants(&pool, cipher, async_db.get(), db_commit_timeout);
  storage::PreferenceStore prefs(&pool);
  app::Authenticator auth(&identity, cache_ttl, static_cast<size_t>(cache_entries));
  app::RateLimiter limiter(dcr_rate, dcr_burst);
  app::OAuthAppService app_service(&config, &auth, &apps);
  app::RegistrationService registration(&config, &limiter, &apps);
  app::AuthorizationService authorization(&config, &auth, &apps, &grants, &prefs, &identity);
  app::RateLimiter auth_failures(auth_failure_rate, auth_failure_burst);
  app::TokenService tokens(&config, &grants, &auth_failures);

  Metrics metrics("oauthd");
  std::atomic<int64_t> reaped{0};
  metrics.SetExtra([&pool, &reaped, &async_db, &replica, &grants] {
    const storage::PoolStats s = pool.Stats();
    const storage::IssueBatcher::Stats b = grants.write_batches();
    const storage::BatchStats r = grants.read_batches();
    const storage::AsyncDb::Stats a = async_db ? async_db->stats() : storage::AsyncDb::Stats{};
    std::string replica_text;
    if (replica) {
      const storage::ReplicaReads::Stats r = replica->stats();
      replica_text = absl::StrCat(
          "# TYPE oauthd_db_list_reads_total counter\n",
          "oauthd_db_list_reads_total{served_by=\"replica\"} ", r.replica_reads,
          "\noauthd_db_list_reads_total{served_by=\"primary\"} ", r.primary_reads,
          "\n# TYPE oauthd_db_replica_lag_seconds gauge\noauthd_db_replica_lag_seconds ",
          absl::ToDoubleSeconds(r.lag), "\n");
    }
    return absl::StrCat(
        replica_text, "# TYPE oauthd_db_async_queries_total counter\n",
        "oauthd_db_async_queries_total{outcome=\"answered\"} ", a.queries,
        "\noauthd_db_async_queries_total{outcome=\"unavailable\"} ", a.failures, "\n",
        "# TYPE oauthd_token_write_batches_total counter\n",
        "oauthd_token_write_batches_total{outcome=\"written\"} ",
        b.sent.batches - b.split - b.unknown,
        "\noauthd_token_write_batches_total{outcome=\"split\"} ", b.split,
        "\noauthd_token_write_batches_total{outcome=\"unknown\"} ", b.unknown,
        "\n# TYPE oauthd_token_writes_batched_total counter\noauthd_token_writes_batched_total ",
        b.sent.batched,
        "\n# TYPE oauthd_token_read_batches_total counter\noauthd_token_read_batches_total ",
        r.batches,
        "\n# TYPE oauthd_token_reads_batched_total counter\noauthd_token_reads_batched_total ",
        r.batched, "\n", "# TYPE oauthd_db_pool_connections gauge\n",
        "oauthd_db_pool_connections{state=\"open\"} ", s.open,
        "\noauthd_db_pool_connections{state=\"in_use\"} ", s.in_use,
        "\noauthd_db_pool_connections{state=\"max\"} ", s.max,
        "\n# TYPE oauthd_db_pool_waits_total counter\noauthd_db_pool_waits_total ", s.waits,
        "\n# TYPE oauthd_db_pool_reconnects_total counter\noauthd_db_pool_reconnects_total ",
        s.reconnects,
        "\n# TYPE oauthd_dcr_reaped_clients_total counter\noauthd_dcr_reaped_clients_total ",
        reaped.load(), "\n");
  });
  if (!metrics_listen.empty()) {
    if (absl::Status st = StartMetricsServer(metrics_listen, &metrics); !st.ok()) {
      std::fprintf(stderr, "oauthd serve: %s\n", std::string(st.message()).c_str());
      return 1;
    }
  }

  const int threads = workers > 0 ? workers : db_pool_size;
  auto worker_pool = std::make_unique<rpc::WorkerPool>(
      threads, static_cast<size_t>(max_queued_calls >= 0 ? max_queued_calls : 16 * threads));
  rpc::CallRunner runner(worker_pool.get(), &metrics, developer_mode, &*proxies, audit.get());
  rpc::OAuthAppsHandler apps_handler(&runner, &app_service);
  rpc::AuthorizationServerHandler server_handler(&runner, &config, &registration);
  rpc::AuthorizationHandler authorization_handler(&runner, &authorization);
  rpc::TokensHandler tokens_handler(&runner, &tokens);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // Clients that keep idle connections alive with pings (the gateway every 30 s) are welcome as
  // often as --keepalive-min-ping-interval; gRPC's default (once in 5 minutes without calls, then
  // GOAWAY) cut off the gateway's idle channel, and its next call failed.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             static_cast<int>(absl::ToInt64Milliseconds(min_ping_interval)));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  int port = 0;
  builder.AddListeningPort(listen, *credentials, &port);
  builder.RegisterService(&apps_handler);
  builder.RegisterService(&server_handler);
  builder.RegisterService(&authorization_handler);
  builder.RegisterService(&tokens_handler);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::fprintf(stderr, "oauthd serve: cannot listen on %s\n", listen.c_str());
    return 1;
  }
  std::fprintf(stderr, "oauthd: serving gRPC%s on port %d (%s)\n",
               tls_cert.empty() ? "" : (tls_client_ca.empty() ? " over TLS" : " over mutual TLS"),
               port, listen.c_str());
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);  // a write to a closed socket is an error to handle, not an exit
  std::signal(SIGINT, OnSignal);
  absl::Time next_reap = absl::Now() + reap_interval;
  while (!g_stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (config.dcr_idle_ttl > absl::ZeroDuration() && absl::Now() >= next_reap) {
      ReapIdleClients(apps, config.dcr_idle_ttl, reap_interval, &reaped);
      next_reap = absl::Now() + reap_interval;
    }
  }
  // Health first, so that balancers and probes stop choosing this process; then no new calls; then
  // the calls in flight finish (or are cancelled at the deadline).
  std::fprintf(stderr, "oauthd: shutting down: health checks answer NOT_SERVING\n");
  server->GetHealthCheckService()->SetServingStatus(false);
  if (shutdown_delay > absl::ZeroDuration()) {
    std::fprintf(stderr, "oauthd: still accepting calls for %s (--shutdown-delay)\n",
                 absl::FormatDuration(shutdown_delay).c_str());
    absl::SleepFor(shutdown_delay);
  }
  std::fprintf(stderr, "oauthd: no longer accepting calls; finishing those in flight (up to %s)\n",
               absl::FormatDuration(shutdown_grace).c_str());
  server->Shutdown(absl::ToChronoTime(absl::Now() + shutdown_grace));
  worker_pool.reset();  // finishes queued work before the stores go away
  async_db.reset();     // likewise the non-blocking queries (their completions use the services)
  std::fprintf(stderr, "oauthd: stopped\n");
  return 0;
}

}  // namespace oauthd::cli
