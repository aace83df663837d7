// The built descriptor set is the gateway's and Envoy's input: every RPC of the contract must be in
// it with the REST mapping of the spec.
#include "descriptor_set.h"

#include <google/api/annotations.pb.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <gtest/gtest.h>

#include <map>

namespace oauthd {
namespace {

std::string Rule(const google::api::HttpRule& r) {
  switch (r.pattern_case()) {
    case google::api::HttpRule::kGet:
      return "GET " + r.get();
    case google::api::HttpRule::kPost:
      return "POST " + r.post();
    case google::api::HttpRule::kPut:
      return "PUT " + r.put();
    case google::api::HttpRule::kDelete:
      return "DELETE " + r.delete_();
    case google::api::HttpRule::kPatch:
      return "PATCH " + r.patch();
    default:
      return "?";
  }
}

TEST(DescriptorSet, ListsEveryRpcWithItsHttpRule) {
  google::protobuf::FileDescriptorSet fds;
  ASSERT_TRUE(fds.ParseFromArray(EmbeddedDescriptorSet().data(), EmbeddedDescriptorSet().size()));
  google::protobuf::DescriptorPool pool;
  for (const auto& f : fds.file()) ASSERT_NE(pool.BuildFile(f), nullptr) << f.name();

  std::map<std::string, std::string> got;
  std::map<std::string, std::string> response_body;
  for (const auto& f : fds.file()) {
    const auto* file = pool.FindFileByName(f.name());
    for (int s = 0; s < file->service_count(); ++s) {
      for (int m = 0; m < file->service(s)->method_count(); ++m) {
        const auto* method = file->service(s)->method(m);
        ASSERT_TRUE(method->options().HasExtension(google::api::http)) << method->full_name();
        const auto& rule = method->options().GetExtension(google::api::http);
        got[method->name()] = Rule(rule) + (rule.body().empty() ? "" : " body=" + rule.body());
        response_body[method->name()] = rule.response_body();
      }
    }
  }
  const std::map<std::string, std::string> want = {
      {"CreateOAuthApp", "POST /api/v4/oauth/apps body=*"},
      {"GetOAuthApps", "GET /api/v4/oauth/apps"},
      {"GetOAuthApp", "GET /api/v4/oauth/apps/{app_id}"},
      {"UpdateOAuthApp", "PUT /api/v4/oauth/apps/{app_id} body=body"},
      {"DeleteOAuthApp", "DELETE /api/v4/oauth/apps/{app_id}"},
      {"RegenerateOAuthAppSecret", "POST /api/v4/oauth/apps/{app_id}/regen_secret"},
      {"GetOAuthAppInfo", "GET /api/v4/oauth/apps/{app_id}/info"},
      {"GetAuthorizedOAuthAppsForUser", "GET /api/v4/users/{user_id}/oauth/apps/authorized"},
      {"GetAuthorizationServerMetadata", "GET /.well-known/oauth-authorization-server"},
      {"RegisterOAuthClient", "POST /api/v4/oauth/apps/register body=body"},
      {"SetOAuthAppResourceServer", "PUT /api/v4/oauth/apps/{app_id}/resource_server body=*"},
      {"IntrospectToken", "POST /oauth/introspect body=body"},
      {"RevokeToken", "POST /oauth/revoke body=body"},
      {"AuthorizePage", "GET /oauth/authorize"},
      {"Authorize", "POST /oauth/authorize body=request"},
      {"AccessToken", "POST /oauth/access_token body=body"},
      {"Deauthorize", "POST /oauth/deauthorize body=*"},
  };
  EXPECT_EQ(got, want);
  EXPECT_EQ(response_body["GetOAuthApps"], "apps");
  EXPECT_EQ(response_body["GetAuthorizedOAuthAppsForUser"], "apps");
  // The error bodies travel in the descriptor set too, so any transcoder can render them.
  EXPECT_NE(pool.FindMessageTypeByName("oauthd.v1.AppError"), nullptr);
  EXPECT_NE(pool.FindMessageTypeByName("oauthd.v1.OAuthError"), nullptr);
  EXPECT_NE(pool.FindMessageTypeByName("google.rpc.Status"), nullptr);
}

}  // namespace
}  // namespace oauthd
