// gRPC handlers of oauthd.v1.Authorization: the browser flow and the token endpoint.
#ifndef OAUTHD_SERVER_RPC_AUTHORIZATION_HANDLER_H_
#define OAUTHD_SERVER_RPC_AUTHORIZATION_HANDLER_H_

#include "oauthd/v1/authorize.grpc.pb.h"
#include "server/app/authorization_service.h"
#include "server/rpc/call_runner.h"

namespace oauthd::rpc {

class AuthorizationHandler final : public oauthd::v1::Authorization::CallbackService {
 public:
  AuthorizationHandler(CallRunner* runner, app::AuthorizationService* service)
      : runner_(runner), service_(service) {}

  grpc::ServerUnaryReactor* AuthorizePage(grpc::CallbackServerContext* ctx,
                                          const oauthd::v1::AuthorizeRequest* req,
                                          google::api::HttpBody* resp) override;
  grpc::ServerUnaryReactor* Authorize(grpc::CallbackServerContext* ctx,
                                      const oauthd::v1::AuthorizePostRequest* req,
                                      oauthd::v1::AuthorizeResponse* resp) override;
  grpc::ServerUnaryReactor* AccessToken(grpc::CallbackServerContext* ctx,
                                        const oauthd::v1::AccessTokenRequest* req,
                                        oauthd::v1::AccessTokenResponse* resp) override;
  grpc::ServerUnaryReactor* Deauthorize(grpc::CallbackServerContext* ctx,
                                        const oauthd::v1::DeauthorizeRequest* req,
                                        oauthd::v1::StatusOK* resp) override;

 private:
  CallRunner* runner_;
  app::AuthorizationService* service_;
};

}  // namespace oauthd::rpc

#endif  // OAUTHD_SERVER_RPC_AUTHORIZATION_HANDLER_H_
