// gRPC handlers of oauthd.v1.AuthorizationServer: RFC 8414 metadata and RFC 7591 registration.
#ifndef OAUTHD_SERVER_RPC_AUTHORIZATION_SERVER_HANDLER_H_
#define OAUTHD_SERVER_RPC_AUTHORIZATION_SERVER_HANDLER_H_

#include "oauthd/v1/server.grpc.pb.h"
#include "server/app/registration_service.h"
#include "server/app/service_config.h"
#include "server/rpc/call_runner.h"

namespace oauthd::rpc {

class AuthorizationServerHandler final : public oauthd::v1::AuthorizationServer::CallbackService {
 public:
  AuthorizationServerHandler(CallRunner* runner, const app::ServiceConfig* config,
                             app::RegistrationService* registration)
      : runner_(runner), config_(config), registration_(registration) {}

  grpc::ServerUnaryReactor* GetAuthorizationServerMetadata(
      grpc::CallbackServerContext* ctx,
      const oauthd::v1::GetAuthorizationServerMetadataRequest* req,
      oauthd::v1::AuthorizationServerMetadata* resp) override;
  grpc::ServerUnaryReactor* RegisterOAuthClient(
      grpc::CallbackServerContext* ctx, const oauthd::v1::RegisterOAuthClientRequest* req,
      oauthd::v1::ClientRegistrationResponse* resp) override;

 private:
  CallRunner* runner_;
  const app::ServiceConfig* config_;
  app::RegistrationService* registration_;
};

}  // namespace oauthd::rpc

#endif  // OAUTHD_SERVER_RPC_AUTHORIZATION_SERVER_HANDLER_H_
