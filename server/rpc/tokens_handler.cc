#include "server/rpc/tokens_handler.h"

namespace oauthd::rpc {

grpc::ServerUnaryReactor* TokensHandler::IntrospectToken(grpc::CallbackServerContext* ctx,
                                                         const oauthd::v1::TokenRequest* req,
                                                         oauthd::v1::IntrospectionResponse* resp) {
  // Introspection sits in front of every request a resource server handles: with the non-blocking
  // database client it never leaves gRPC's thread and the database loop (no worker hand-off).
  return runner_->RunNonBlocking(
      ctx, {"IntrospectToken", false, 200},
      [=](app::Caller* c, CallRunner::Finisher finish) {
        if (!service_->introspects_without_blocking()) return false;
        service_->Introspect(c, *req, [resp, finish = std::move(finish)](auto result) {
          finish(Assign(std::move(result), resp));
        });
        return true;
      },
      [=](app::Caller* c) {
        absl::Status out;
        service_->Introspect(c, *req, [&](auto result) { out = Assign(std::move(result), resp); });
        return out;
      });
}

grpc::ServerUnaryReactor* TokensHandler::RevokeToken(grpc::CallbackServerContext* ctx,
                                                     const oauthd::v1::TokenRequest* req,
                                                     oauthd::v1::RevocationResponse* resp) {
  return runner_->Run(ctx, {"RevokeToken", false, 200, "oauth.revoke"},
                      [=](app::Caller* c) { return Assign(service_->Revoke(c, *req), resp); });
}

}  // namespace oauthd::rpc
