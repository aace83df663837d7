#include "gateway/gateway.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/json_writer.h"
#include "common/mattermost_id.h"
#include "gateway/request_builder.h"
#include "gateway/response_renderer.h"

namespace oauthd::gateway {
namespace {

// Below gRPC's default limit on a request's header list (8 KB), leaving room for the headers gRPC
// adds itself (:path, content-type, grpc-timeout, …).
constexpr size_t kMaxUpstreamMetadataBytes = 7 * 1024;

// Metadata values must be printable ASCII; anything else is dropped rather than forwarded mangled.
bool PrintableAscii(const std::string& v) {
  return std::all_of(v.begin(), v.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

MetadataMap ToMap(const std::multimap<grpc::string_ref, grpc::string_ref>& md) {
  MetadataMap out;
  for (const auto& [k, v] : md)
    out.emplace(std::string(k.data(), k.size()), std::string(v.data(), v.size()));
  return out;
}

}  // namespace

const std::vector<std::string>& ForwardedRequestHeaders() {
  static const std::vector<std::string> kHeaders = {"authorization", "cookie",
                                                    "x-csrf-token",  "x-requested-with",
                                                    "user-agent",    "accept-language"};
  return kHeaders;
}

struct Gateway::Call {
  HttpRequest req;
  std::function<void(HttpResponse)> done;
  std::string request_id;
  std::string route;  // for metrics
  absl::Time start;
  const Binding* binding = nullptr;
  std::unique_ptr<grpc::ClientContext> ctx;  // only for calls that go upstream
  uint64_t cache_generation = 0;             // the response cache's, when the call went upstream
  grpc::ByteBuffer request_bytes;
  grpc::ByteBuffer response_bytes;
};

Gateway::Gateway(std::unique_ptr<RouteTable> routes, std::shared_ptr<grpc::Channel> upstream,
                 GatewayOptions options, Metrics* metrics)
    : routes_(std::move(routes)),
      channel_(std::move(upstream)),
      stub_(channel_),
      options_(std::move(options)),
      metrics_(metrics),
      log_requests_(options_.log_requests),
      cache_(options_.response_cache_entries, options_.response_cache_max_age) {
  if (options_.response_cache_entries > 0)
    upstream_watch_ = std::thread([this] { WatchUpstream(); });
}

Gateway::~Gateway() {
  stopping_.Notify();
  if (upstream_watch_.joinable()) upstream_watch_.join();
}

void Gateway::WatchUpstream() {
  grpc_connectivity_state last = channel_->GetState(/*try_to_connect=*/false);
  while (!stopping_.HasBeenNotified()) {
    // A bounded wait, so that the destructor is not kept waiting for a change that never comes.
    const auto deadline = std::chrono::system_clock::now() + std::chrono::milliseconds(200);
    if (!channel_->WaitForStateChange(last, deadline)) continue;
    // Leaving READY means a connection was lost: whatever answers next may be another process.
    // (Connecting for the first time, or again after a loss already acted on, changes nothing.)
    if (last == GRPC_CHANNEL_READY) cache_.Invalidate();
    last = channel_->GetState(/*try_to_connect=*/false);
  }
}

bool Gateway::ApplyCors(const HttpRequest& req, HttpResponse* resp) const {
  const std::string& origin = req.Header("origin");
  if (origin.empty() || options_.cors_allowed_origins.empty()) return false;
  const auto& allowed = options_.cors_allowed_origins;
  const bool any = std::find(allowed.begin(), allowed.end(), "*") != allowed.end();
  if (!any && std::find(allowed.begin(), allowed.end(), origin) == allowed.end()) return false;
  resp->SetHeader("Access-Control-Allow-Origin", any ? "*" : origin);
  resp->SetHeader("Vary", "Origin");
  resp->SetHeader("Access-Control-Expose-Headers", "X-Request-ID");
  return true;
}

void Gateway::Finish(Call* call, HttpResponse resp) {
  resp.SetHeader("X-Request-ID", call->request_id);
  resp.SetHeader("X-Content-Type-Options", "nosniff");
  resp.SetHeader("Referrer-Policy", "no-referrer");
  // Mattermost marks API GETs as expired; an answer the upstream made cacheable keeps its own rule.
  if (call->req.method == "GET" && !resp.HasHeader("Cache-Control")) resp.SetHeader("Expires", "0");
  ApplyCors(call->req, &resp);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - call->start);
  metrics_->ObserveRequest(call->route, resp.status, seconds);
  if (log_requests_) {
    // The path only: query strings may carry tokens (access_token, code).
    std::string path = call->req.target.substr(0, call->req.target.find('?'));
    std::string log = absl::StrCat(
        "{\"ts\":\"", absl::FormatTime(absl::RFC3339_full, call->start, absl::UTCTimeZone()),
        "\",\"request_id\":\"", call->request_id, "\",\"method\":");
    AppendJsonString(call->req.method, &log);
    absl::StrAppend(&log, ",\"path\":");
    AppendJsonString(path, &log);
    absl::StrAppend(&log, ",\"route\":\"", call->route, "\",\"status\":", resp.status,
                    ",\"latency_ms\":", seconds * 1000, "}\n");
    fputs(log.c_str(), stderr);
  }
  auto done = std::move(call->done);
  delete call;
  done(std::move(resp));
}

void Gateway::Handle(HttpRequest req, std::function<void(HttpResponse)> done) {
  auto* call = new Call;
  call->req = std::move(req);
  call->done = std::move(done);
  call->start = absl::Now();
  const std::string& supplied = call->req.Header("x-request-id");
  call->request_id = IsPlainRequestId(supplied) ? supplied : NewRequestId();
  const HttpRequest& r = call->req;
  call->route = "unmatched";

  if (r.target.size() > options_.max_url_bytes) {
    return Finish(call, AppErrorResponse(414, "basic_security_check.url.too_long_error",
                                         "The URL is too long.", call->request_id));
  }
  const size_t q = r.target.find('?');
  const std::string path = r.target.substr(0, q);
  const std::string query = q == std::string::npos ? "" : r.target.substr(q + 1);

  // The gateway's own endpoints.
  if (r.method == "GET" && path == "/healthz") {
    call->route = "healthz";
    HttpResponse health;
    if (draining_) {
      health.status = 503;
      health.body = "{\"status\":\"draining\"}";
    } else {
      health.body = "{\"status\":\"OK\"}";
    }
    health.SetHeader("Content-Type", "application/json");
    return Finish(call, std::move(health));
  }
  if (r.method == "GET" && path == "/metrics") {
    call->route = "metrics";
    HttpResponse m;
    m.body = metrics_->Render();
    m.SetHeader("Content-Type", "text/plain; version=0.0.4");
    return Finish(call, std::move(m));
  }
  // CORS preflight.
  if (r.method == "OPTIONS" && !r.Header("access-control-request-method").empty()) {
    call->route = "preflight";
    HttpResponse pre;
    if (ApplyCors(r, &pre)) {
      pre.status = 204;
      pre.SetHeader("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, PATCH");
      pre.SetHeader(
          "Access-Control-Allow-Headers",
          "Authorization, Content-Type, X-CSRF-Token, X-Requested-With, X-Request-ID, Accept");
      pre.SetHeader("Access-Control-Max-Age", "600");
    } else {
      pre.status = 403;
    }
    return Finish(call, std::move(pre));
  }

  // A GET the upstream answered earlier with a shareable (Cache-Control: public) response.
  // The generation is read first: an invalidation between here and storing the answer keeps
  // the answer out.
  call->cache_generation = cache_.generation();
  if (std::optional<CachedResponse> hit = cache_.Lookup(r, call->start)) {
    call->route = std::move(hit->tag);
    return Finish(call, std::move(hit->response));
  }

  PathMatch match;
  std::vector<std::string> allowed;
  const Binding* binding = nullptr;
  switch (routes_->Match(r.method, path, &binding, &match, &allowed)) {
    case PathMatcher::Result::kNoPath:
      return Finish(call, AppErrorResponse(404, "api.context.404.app_error",
                                           "Sorry, we could not find the page.", call->request_id));
    case PathMatcher::Result::kWrongMethod: {
      HttpResponse resp =
          AppErrorResponse(405, "api.context.405.app_error",
                           "The method is not allowed for this URL.", call->request_id);
      std::sort(allowed.begin(), allowed.end());
      resp.SetHeader("Allow", absl::StrJoin(allowed, ", "));
      return Finish(call, std::move(resp));
    }
    case PathMatcher::Result::kMatched:
      break;
  }
  call->binding = binding;
  call->route = binding->method->name();

  auto request = routes_->NewMessage(binding->method->input_type());
  BuildError err =
      BuildRequest(*binding, match, query, r.Header("content-type"), r.body, request.get());
  if (!err.status.ok()) {
    const bool body = err.part == RequestPart::kBody;
    return Finish(call, AppErrorResponse(400,
                                         body ? "api.context.invalid_body_param.app_error"
                                              : "api.context.invalid_url_param.app_error",
                                         body ? "Invalid or missing parameter in request body."
                                              : "Invalid or missing parameter in request URL.",
                                         call->request_id));
  }

  // Metadata: the allow-listed headers, the request id, who is calling, and the original target.
  call->ctx = std::make_unique<grpc::ClientContext>();
  grpc::ClientContext& ctx = *call->ctx;
  size_t metadata_bytes = 0;  // as HTTP/2 counts a header list: name + value + 32 per entry
  auto add = [&ctx, &metadata_bytes](const std::string& name, const std::string& value) {
    ctx.AddMetadata(name, value);
    metadata_bytes += name.size() + value.size() + 32;
  };
  for (const std::string& h : ForwardedRequestHeaders()) {
    const std::string& v = r.Header(h);
    if (!v.empty() && PrintableAscii(v)) add(h == "user-agent" ? "x-forwarded-user-agent" : h, v);
  }
  add("x-request-id", call->request_id);
  const std::string& xff = r.Header("x-forwarded-for");
  const std::string forwarded_for = xff.empty() ? r.peer_ip : absl::StrCat(xff, ", ", r.peer_ip);
  if (PrintableAscii(forwarded_for)) add("x-forwarded-for", forwarded_for);
  if (PrintableAscii(r.target)) add("x-original-uri", r.target);
  // gRPC servers refuse header lists over 8 KB by default, sometimes by resetting the connection,
  // which fails the other calls on it: such a request is answered here, as too large.
  if (metadata_bytes > kMaxUpstreamMetadataBytes) {
    return Finish(call, AppErrorResponse(431, "api.context.request_headers_too_large.app_error",
                                         "The request headers are too large.", call->request_id));
  }
  ctx.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(options_.timeout));

  std::string bytes = request->SerializeAsString();
  grpc::Slice slice(bytes);
  call->request_bytes = grpc::ByteBuffer(&slice, 1);
  stub_.UnaryCall(
      &ctx, binding->grpc_path, grpc::StubOptions(), &call->request_bytes, &call->response_bytes,
      [this, call](grpc::Status status) {
        MetadataMap md = ToMap(call->ctx->GetServerInitialMetadata());
        for (auto& kv : ToMap(call->ctx->GetServerTrailingMetadata())) md.insert(kv);
        if (auto it = md.find("x-request-id"); it != md.end() && IsPlainRequestId(it->second)) {
          call->request_id = it->second;
        }
        if (!status.ok()) {
          // A failure the upstream did not describe (no error body) is a transport event the
          // operator should see; its text stays out of the answer.
          if (status.error_details().empty()) {
            std::fprintf(stderr, "oauthd-gateway: upstream call %s failed: gRPC code %d: %s\n",
                         call->route.c_str(), static_cast<int>(status.error_code()),
                         status.error_message().c_str());
          }
          return Finish(call, RenderFailure(*routes_, status.error_code(), status.error_message(),
                                            status.error_details(), md, call->request_id));
        }
        auto response = routes_->NewMessage(call->binding->method->output_type());
        std::vector<grpc::Slice> slices;
        std::string data;
        if (call->response_bytes.Dump(&slices).ok()) {
          for (const auto& s : slices)
            data.append(reinterpret_cast<const char*>(s.begin()), s.size());
        }
        if (!response->ParseFromString(data)) {
          return Finish(call, AppErrorResponse(502, "api.gateway.bad_upstream_response.app_error",
                                               "The service sent a response that does not parse.",
                                               call->request_id));
        }
        HttpResponse rendered = RenderSuccess(*call->binding, *response, md);
        cache_.MaybeStore(call->req, rendered, call->route, absl::Now(), call->cache_generation);
        Finish(call, std::move(rendered));
      });
}

}  // namespace oauthd::gateway
