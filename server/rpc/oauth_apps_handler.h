// gRPC handlers of oauthd.v1.OAuthApps: decode nothing, decide nothing — hand each call to
// OAuthAppService.
#ifndef OAUTHD_SERVER_RPC_OAUTH_APPS_HANDLER_H_
#define OAUTHD_SERVER_RPC_OAUTH_APPS_HANDLER_H_

#include "oauthd/v1/apps.grpc.pb.h"
#include "server/app/oauth_app_service.h"
#include "server/rpc/call_runner.h"

namespace oauthd::rpc {

class OAuthAppsHandler final : public oauthd::v1::OAuthApps::CallbackService {
 public:
  OAuthAppsHandler(CallRunner* runner, app::OAuthAppService* service)
      : runner_(runner), service_(service) {}

  grpc::ServerUnaryReactor* CreateOAuthApp(grpc::CallbackServerContext* ctx,
                                           const oauthd::v1::CreateOAuthAppRequest* req,
                                           oauthd::v1::OAuthApp* resp) override;
  grpc::ServerUnaryReactor* GetOAuthApps(grpc::CallbackServerContext* ctx,
                                         const oauthd::v1::GetOAuthAppsRequest* req,
                                         oauthd::v1::OAuthAppList* resp) override;
  grpc::ServerUnaryReactor* GetOAuthApp(grpc::CallbackServerContext* ctx,
                                        const oauthd::v1::OAuthAppIdRequest* req,
                                        oauthd::v1::OAuthApp* resp) override;
  grpc::ServerUnaryReactor* UpdateOAuthApp(grpc::CallbackServerContext* ctx,
                                           const oauthd::v1::UpdateOAuthAppRequest* req,
                                           oauthd::v1::OAuthApp* resp) override;
  grpc::ServerUnaryReactor* DeleteOAuthApp(grpc::CallbackServerContext* ctx,
                                           const oauthd::v1::OAuthAppIdRequest* req,
                                           oauthd::v1::StatusOK* resp) override;
  grpc::ServerUnaryReactor* RegenerateOAuthAppSecret(grpc::CallbackServerContext* ctx,
                                                     const oauthd::v1::OAuthAppIdRequest* req,
                                                     oauthd::v1::OAuthApp* resp) override;
  grpc::ServerUnaryReactor* GetOAuthAppInfo(grpc::CallbackServerContext* ctx,
                                            const oauthd::v1::OAuthAppIdRequest* req,
                                            oauthd::v1::OAuthApp* resp) override;
  grpc::ServerUnaryReactor* SetOAuthAppResourceServer(
      grpc::CallbackServerContext* ctx, const oauthd::v1::SetOAuthAppResourceServerRequest* req,
      oauthd::v1::OAuthApp* resp) override;
  grpc::ServerUnaryReactor* GetAuthorizedOAuthAppsForUser(
      grpc::CallbackServerContext* ctx, const oauthd::v1::GetAuthorizedOAuthAppsRequest* req,
      oauthd::v1::OAuthAppList* resp) override;

 private:
  CallRunner* runner_;
  app::OAuthAppService* service_;
};

}  // namespace oauthd::rpc

#endif  // OAUTHD_SERVER_RPC_OAUTH_APPS_HANDLER_H_
