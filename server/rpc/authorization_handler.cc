#include "server/rpc/authorization_handler.h"

namespace oauthd::rpc {

grpc::ServerUnaryReactor* AuthorizationHandler::AuthorizePage(
    grpc::CallbackServerContext* ctx, const oauthd::v1::AuthorizeRequest* req,
    google::api::HttpBody* resp) {
  return runner_->Run(ctx, {"AuthorizePage", true, 200}, [=](app::Caller* c) {
    return Assign(service_->AuthorizePage(c, *req), resp);
  });
}

grpc::ServerUnaryReactor* AuthorizationHandler::Authorize(
    grpc::CallbackServerContext* ctx, const oauthd::v1::AuthorizePostRequest* req,
    oauthd::v1::AuthorizeResponse* resp) {
  return runner_->Run(ctx, {"Authorize", false, 200, "oauth.authorize"}, [=](app::Caller* c) {
    c->app_id = req->request().client_id();
    return Assign(service_->Authorize(c, *req), resp);
  });
}

grpc::ServerUnaryReactor* AuthorizationHandler::AccessToken(
    grpc::CallbackServerContext* ctx, const oauthd::v1::AccessTokenRequest* req,
    oauthd::v1::AccessTokenResponse* resp) {
  // Every OAuth client hits this most: with the non-blocking database client it never leaves
  // gRPC's thread and the database loop (no worker hand-off; bench/README.md, issue 21's entry).
  return runner_->RunNonBlocking(
      ctx, {"AccessToken", false, 200, "oauth.token"},
      [=](app::Caller* c, CallRunner::Finisher finish) {
        if (!service_->exchanges_without_blocking()) return false;
        service_->AccessToken(c, req->body(), [resp, finish = std::move(finish)](auto result) {
          finish(Assign(std::move(result), resp));
        });
        return true;
      },
      [=](app::Caller* c) {
        absl::Status out;
        service_->AccessToken(c, req->body(),
                              [&](auto result) { out = Assign(std::move(result), resp); });
        return out;
      });
}

grpc::ServerUnaryReactor* AuthorizationHandler::Deauthorize(
    grpc::CallbackServerContext* ctx, const oauthd::v1::DeauthorizeRequest* req,
    oauthd::v1::StatusOK* resp) {
  return runner_->Run(ctx, {"Deauthorize", false, 200, "oauth.deauthorize"}, [=](app::Caller* c) {
    c->app_id = req->client_id();
    absl::Status st = service_->Deauthorize(c, req->client_id());
    if (st.ok()) resp->set_status("OK");
    return st;
  });
}

}  // namespace oauthd::rpc
