// gRPC handlers of oauthd.v1.Tokens: RFC 7662 introspection (answered without a worker when the
// non-blocking database client is on) and RFC 7009 revocation.
#ifndef OAUTHD_SERVER_RPC_TOKENS_HANDLER_H_
#define OAUTHD_SERVER_RPC_TOKENS_HANDLER_H_

#include "oauthd/v1/tokens.grpc.pb.h"
#include "server/app/token_service.h"
#include "server/rpc/call_runner.h"

namespace oauthd::rpc {

class TokensHandler final : public oauthd::v1::Tokens::CallbackService {
 public:
  TokensHandler(CallRunner* runner, app::TokenService* service)
      : runner_(runner), service_(service) {}

  grpc::ServerUnaryReactor* IntrospectToken(grpc::CallbackServerContext* ctx,
                                            const oauthd::v1::TokenRequest* req,
                                            oauthd::v1::IntrospectionResponse* resp) override;
  grpc::ServerUnaryReactor* RevokeToken(grpc::CallbackServerContext* ctx,
                                        const oauthd::v1::TokenRequest* req,
                                        oauthd::v1::RevocationResponse* resp) override;

 private:
  CallRunner* runner_;
  app::TokenService* service_;
};

}  // namespace oauthd::rpc

#endif  // OAUTHD_SERVER_RPC_TOKENS_HANDLER_H_
