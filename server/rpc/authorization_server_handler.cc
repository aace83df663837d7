#include "server/rpc/authorization_server_handler.h"

#include "server/app/metadata_service.h"

namespace oauthd::rpc {

grpc::ServerUnaryReactor* AuthorizationServerHandler::GetAuthorizationServerMetadata(
    grpc::CallbackServerContext* ctx, const oauthd::v1::GetAuthorizationServerMetadataRequest*,
    oauthd::v1::AuthorizationServerMetadata* resp) {
  return runner_->Run(ctx, {"GetAuthorizationServerMetadata", true, 200}, [=](app::Caller* c) {
    return Assign(app::GetAuthorizationServerMetadata(*config_, c), resp);
  });
}

grpc::ServerUnaryReactor* AuthorizationServerHandler::RegisterOAuthClient(
    grpc::CallbackServerContext* ctx, const oauthd::v1::RegisterOAuthClientRequest* req,
    oauthd::v1::ClientRegistrationResponse* resp) {
  return runner_->Run(
      ctx, {"RegisterOAuthClient", false, 201, "oauth_app.register"},
      [=](app::Caller* c) { return Assign(registration_->Register(c, req->body()), resp); });
}

}  // namespace oauthd::rpc
