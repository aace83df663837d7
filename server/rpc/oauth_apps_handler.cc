#include "server/rpc/oauth_apps_handler.h"

namespace oauthd::rpc {
namespace {

using oauthd::v1::OAuthApp;
using oauthd::v1::OAuthAppList;

absl::Status AssignList(absl::StatusOr<std::vector<OAuthApp>> result, OAuthAppList* out) {
  if (!result.ok()) return result.status();
  for (auto& app : *result) *out->add_apps() = std::move(app);
  return absl::OkStatus();
}

}  // namespace

grpc::ServerUnaryReactor* OAuthAppsHandler::CreateOAuthApp(
    grpc::CallbackServerContext* ctx, const oauthd::v1::CreateOAuthAppRequest* req,
    OAuthApp* resp) {
  return runner_->Run(ctx, {"CreateOAuthApp", false, 201, "oauth_app.create"}, [=](app::Caller* c) {
    absl::Status st = Assign(service_->Create(c, *req), resp);
    c->app_id = resp->id();
    return st;
  });
}

grpc::ServerUnaryReactor* OAuthAppsHandler::GetOAuthApps(grpc::CallbackServerContext* ctx,
                                                         const oauthd::v1::GetOAuthAppsRequest* req,
                                                         OAuthAppList* resp) {
  return runner_->Run(ctx, {"GetOAuthApps", true, 200},
                      [=](app::Caller* c) { return AssignList(service_->List(c, *req), resp); });
}

grpc::ServerUnaryReactor* OAuthAppsHandler::GetOAuthApp(grpc::CallbackServerContext* ctx,
                                                        const oauthd::v1::OAuthAppIdRequest* req,
                                                        OAuthApp* resp) {
  return runner_->RunNonBlocking(
      ctx, {"GetOAuthApp", true, 200},
      [=](app::Caller* c, CallRunner::Finisher finish) {
        return service_->TryGetAsync(
            c, req->app_id(), [resp, finish = std::move(finish)](absl::StatusOr<OAuthApp> app) {
              finish(Assign(std::move(app), resp));
            });
      },
      [=](app::Caller* c) { return Assign(service_->Get(c, req->app_id()), resp); });
}

grpc::ServerUnaryReactor* OAuthAppsHandler::UpdateOAuthApp(
    grpc::CallbackServerContext* ctx, const oauthd::v1::UpdateOAuthAppRequest* req,
    OAuthApp* resp) {
  return runner_->Run(ctx, {"UpdateOAuthApp", false, 200, "oauth_app.update"}, [=](app::Caller* c) {
    c->app_id = req->app_id();
    return Assign(service_->Update(c, req->app_id(), req->body()), resp);
  });
}

grpc::ServerUnaryReactor* OAuthAppsHandler::DeleteOAuthApp(grpc::CallbackServerContext* ctx,
                                                           const oauthd::v1::OAuthAppIdRequest* req,
                                                           oauthd::v1::StatusOK* resp) {
  return runner_->Run(ctx, {"DeleteOAuthApp", false, 200, "oauth_app.delete"}, [=](app::Caller* c) {
    c->app_id = req->app_id();
    absl::Status st = service_->Delete(c, req->app_id());
    if (st.ok()) resp->set_status("OK");
    return st;
  });
}

grpc::ServerUnaryReactor* OAuthAppsHandler::RegenerateOAuthAppSecret(
    grpc::CallbackServerContext* ctx, const oauthd::v1::OAuthAppIdRequest* req, OAuthApp* resp) {
  return runner_->Run(ctx, {"RegenerateOAuthAppSecret", false, 200, "oauth_app.regenerate_secret"},
                      [=](app::Caller* c) {
                        c->app_id = req->app_id();
                        return Assign(service_->RegenerateSecret(c, req->app_id()), resp);
                      });
}

grpc::ServerUnaryReactor* OAuthAppsHandler::GetOAuthAppInfo(
    grpc::CallbackServerContext* ctx, const oauthd::v1::OAuthAppIdRequest* req, OAuthApp* resp) {
  return runner_->Run(ctx, {"GetOAuthAppInfo", true, 200}, [=](app::Caller* c) {
    return Assign(service_->Info(c, req->app_id()), resp);
  });
}

grpc::ServerUnaryReactor* OAuthAppsHandler::SetOAuthAppResourceServer(
    grpc::CallbackServerContext* ctx, const oauthd::v1::SetOAuthAppResourceServerRequest* req,
    OAuthApp* resp) {
  return runner_->Run(
      ctx, {"SetOAuthAppResourceServer", false, 200, "oauth_app.resource_server"},
      [=](app::Caller* c) { return Assign(service_->SetResourceServer(c, *req), resp); });
}

grpc::ServerUnaryReactor* OAuthAppsHandler::GetAuthorizedOAuthAppsForUser(
    grpc::CallbackServerContext* ctx, const oauthd::v1::GetAuthorizedOAuthAppsRequest* req,
    OAuthAppList* resp) {
  return runner_->Run(ctx, {"GetAuthorizedOAuthAppsForUser", true, 200}, [=](app::Caller* c) {
    return AssignList(service_->AuthorizedForUser(c, *req), resp);
  });
}

}  // namespace oauthd::rpc
