#include "server/rpc/call_runner.h"

#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/mattermost_id.h"
#include "google/rpc/status.pb.h"
#include "server/app/api_error.h"

namespace oauthd::rpc {
namespace {

std::string Header(const grpc::CallbackServerContext& ctx, const char* key) {
  auto it = ctx.client_metadata().find(key);
  if (it == ctx.client_metadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

std::string QueryParam(absl::string_view uri, absl::string_view name) {
  size_t q = uri.find('?');
  if (q == absl::string_view::npos) return "";
  for (absl::string_view kv : absl::StrSplit(uri.substr(q + 1), '&')) {
    if (absl::ConsumePrefix(&kv, name) && absl::ConsumePrefix(&kv, "=")) return std::string(kv);
  }
  return "";
}

std::string JsonEscape(absl::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out.push_back(c);
  }
  return out;
}

grpc::Status ToGrpcStatus(const app::ErrorBody& body) {
  google::rpc::Status rpc;
  rpc.set_code(app::GrpcCodeForHttpStatus(body.http_status));
  switch (body.kind) {
    case app::ErrorBody::Kind::kOAuth:
      rpc.set_message(body.oauth.error_description());
      rpc.add_details()->PackFrom(body.oauth);
      break;
    case app::ErrorBody::Kind::kRaw:
      rpc.set_message(body.raw.data());
      rpc.add_details()->PackFrom(body.raw);
      break;
    case app::ErrorBody::Kind::kApp:
      rpc.set_message(body.app.message());
      rpc.add_details()->PackFrom(body.app);
      break;
  }
  return grpc::Status(static_cast<grpc::StatusCode>(rpc.code()), rpc.message(),
                      rpc.SerializeAsString());
}

}  // namespace

app::Caller CallerFromMetadata(const grpc::CallbackServerContext& ctx, bool safe_method,
                               const TrustedProxies& proxies) {
  app::Caller c;
  const std::string supplied_id = Header(ctx, "x-request-id");
  c.request_id = IsPlainRequestId(supplied_id) ? supplied_id : NewRequestId();
  c.cookie = Header(ctx, "cookie");
  c.authorization = Header(ctx, "authorization");
  c.csrf_token = Header(ctx, "x-csrf-token");
  c.requested_with = Header(ctx, "x-requested-with");
  c.original_uri = Header(ctx, "x-original-uri");
  c.query_access_token = QueryParam(c.original_uri, "access_token");
  c.client_ip = proxies.ClientAddress(ctx.peer(), Header(ctx, "x-forwarded-for"));
  c.safe_method = safe_method;
  return c;
}

grpc::ServerUnaryReactor* CallRunner::Run(grpc::CallbackServerContext* ctx,
                                          const CallOptions& options,
                                          std::function<absl::Status(app::Caller*)> body) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  Submit(ctx, reactor, options, CallerFromMetadata(*ctx, options.safe_method, *proxies_),
         std::move(body));
  return reactor;
}

grpc::ServerUnaryReactor* CallRunner::RunNonBlocking(
    grpc::CallbackServerContext* ctx, const CallOptions& options,
    std::function<bool(app::Caller*, Finisher)> fast,
    std::function<absl::Status(app::Caller*)> slow) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  struct Pending {
    app::Caller caller;
    absl::Time start;
  };
  auto call = std::make_shared<Pending>();
  call->start = absl::Now();
  call->caller = CallerFromMetadata(*ctx, options.safe_method, *proxies_);
  const bool taken = fast(&call->caller, [this, ctx, reactor, options, call](absl::Status st) {
    Finish(ctx, reactor, options, call->caller, st, call->start);
  });
  // Declining, `fast` left the caller as it was: the worker path takes it as is.
  if (!taken) Submit(ctx, reactor, options, std::move(call->caller), std::move(slow));
  return reactor;
}

void CallRunner::Submit(grpc::CallbackServerContext* ctx, grpc::ServerUnaryReactor* reactor,
                        const CallOptions& options, app::Caller caller,
                        std::function<absl::Status(app::Caller*)> body) {
  // The caller is copied in: it is still needed here if the queue is full.
  const bool queued =
      workers_->TrySubmit([this, ctx, reactor, options, caller, body = std::move(body)]() mutable {
        const absl::Time start = absl::Now();
        absl::Status st;
        if (ctx->IsCancelled()) {
          st = absl::CancelledError("the caller went away");
        } else {
          st = body(&caller);
        }
        Finish(ctx, reactor, options, caller, st, start);
      });
  if (!queued) {
    // Every worker is busy and the queue is full: a fast 503 (the caller may retry elsewhere)
    // rather than an ever longer queue.
    Finish(ctx, reactor, options, caller, app::AppError(503, "api.context.server_busy.app_error"),
           absl::Now());
  }
}

void CallRunner::Finish(grpc::CallbackServerContext* ctx, grpc::ServerUnaryReactor* reactor,
                        const CallOptions& options, app::Caller& caller, const absl::Status& st,
                        absl::Time start) {
  ctx->AddInitialMetadata("x-request-id", caller.request_id);
  grpc::Status result = grpc::Status::OK;
  int http = options.success_http;
  std::string error_id, cause;
  if (st.ok()) {
    if (caller.http_status != 0) http = caller.http_status;
    if (http != 200) ctx->AddInitialMetadata("x-http-code", absl::StrCat(http));
    for (const auto& [name, value] : caller.response_headers) ctx->AddInitialMetadata(name, value);
  } else {
    app::ErrorBody err = app::ExtractErrorBody(st);
    for (const auto& [name, value] : err.headers) ctx->AddInitialMetadata(name, value);
    if (err.kind == app::ErrorBody::Kind::kApp) {
      err.app.set_request_id(caller.request_id);
      // A server-side failure's cause goes to the log whatever the mode (store failures name the
      // SQL error and statement, never a value: storage/connection_pool.h).
      if (err.http_status >= 500) cause = err.app.detailed_error();
      if (!developer_mode_) err.app.set_detailed_error("");
    }
    http = err.http_status;
    error_id = err.kind == app::ErrorBody::Kind::kApp     ? err.app.id()
               : err.kind == app::ErrorBody::Kind::kOAuth ? err.oauth.error()
                                                          : absl::StrCat("http_", http);
    result = ToGrpcStatus(err);
  }
  const char* audit_event = options.audit != nullptr ? options.audit : caller.audit_event;
  // What goes to standard error, written at once: the audit line (when the audit log is standard
  // error) and the request's log line.
  std::string lines;
  if (audit_ != nullptr && audit_event != nullptr) {
    const AuditRecord record{start,
                             audit_event,
                             caller.user_id,
                             caller.app_id,
                             caller.client_ip,
                             caller.request_id,
                             http,
                             caller.audit_error != nullptr ? absl::string_view(caller.audit_error)
                                                           : absl::string_view(error_id)};
    if (audit_->to_stderr()) {
      lines = absl::StrCat(AuditLog::Format(record), "\n");
    } else {
      audit_->Write(record);
    }
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  metrics_->ObserveRequest(options.method, http, seconds);
  const std::string failure = http >= 500 ? absl::StrCat(",\"error\":\"", JsonEscape(error_id),
                                                         "\",\"cause\":\"", JsonEscape(cause), "\"")
                                          : "";
  absl::StrAppendFormat(
      &lines,
      "{\"ts\":\"%s\",\"request_id\":\"%s\",\"method\":\"%s\",\"user_id\":\"%s\",\"status\":%d,"
      "\"grpc_code\":%d,\"latency_ms\":%.3f%s}\n",
      absl::FormatTime(absl::RFC3339_full, start, absl::UTCTimeZone()), caller.request_id,
      options.method, JsonEscape(caller.user_id), http, static_cast<int>(result.error_code()),
      seconds * 1000, failure);
  std::fwrite(lines.data(), 1, lines.size(), stderr);  // unbuffered: one write
  reactor->Finish(result);
}

}  // namespace oauthd::rpc
