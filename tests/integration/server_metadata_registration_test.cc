// RFC 8414 metadata and RFC 7591 dynamic client registration (spec §4, §5) over gRPC with the real
// binary.
#include <gtest/gtest.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "tests/lib/server_fixture.h"

namespace oauthd::testing {
namespace {

using oauthd::v1::AuthorizationServer;
using oauthd::v1::AuthorizationServerMetadata;
using oauthd::v1::ClientRegistrationResponse;
using oauthd::v1::GetAuthorizationServerMetadataRequest;
using oauthd::v1::RegisterOAuthClientRequest;

CallResult Metadata_(AuthorizationServer::Stub* stub, AuthorizationServerMetadata* out) {
  return Call(stub, &AuthorizationServer::Stub::GetAuthorizationServerMetadata,
              GetAuthorizationServerMetadataRequest(), out);
}

CallResult Register(AuthorizationServer::Stub* stub, const std::string& json,
                    ClientRegistrationResponse* out, const std::string& client_ip = "203.0.113.7") {
  RegisterOAuthClientRequest req;
  *req.mutable_body() = JsonBody(json);
  return Call(stub, &AuthorizationServer::Stub::RegisterOAuthClient, req, out,
              Metadata().Add("x-forwarded-for", "10.0.0.1, " + client_ip));
}

std::unique_ptr<AuthorizationServer::Stub> Stub(const OauthdProcess& p) {
  return AuthorizationServer::NewStub(
      grpc::CreateChannel(p.target(), grpc::InsecureChannelCredentials()));
}

class MetadataTest : public ServerTest {};

TEST_F(MetadataTest, PublishesTheDocumentFromTheSiteUrl) {
  AuthorizationServerMetadata m;
  auto r = Metadata_(as_.get(), &m);
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(m.issuer(), "https://chat.example.com");
  EXPECT_EQ(m.authorization_endpoint(), "https://chat.example.com/oauth/authorize");
  EXPECT_EQ(m.token_endpoint(), "https://chat.example.com/oauth/access_token");
  EXPECT_FALSE(m.has_registration_endpoint());  // DCR is off by default
  EXPECT_EQ(std::vector<std::string>(m.response_types_supported().begin(),
                                     m.response_types_supported().end()),
            std::vector<std::string>{"code"});
  EXPECT_EQ(
      std::vector<std::string>(m.grant_types_supported().begin(), m.grant_types_supported().end()),
      (std::vector<std::string>{"authorization_code", "refresh_token"}));
  EXPECT_EQ(std::vector<std::string>(m.token_endpoint_auth_methods_supported().begin(),
                                     m.token_endpoint_auth_methods_supported().end()),
            (std::vector<std::string>{"client_secret_post", "none"}));
  EXPECT_EQ(m.code_challenge_methods_supported(0), "S256");
  EXPECT_EQ(m.scopes_supported(0), "user");
  // Shareable by any cache for a minute (the gateway's response cache relies on it).
  auto cc = r.metadata.equal_range("cache-control");
  ASSERT_NE(cc.first, cc.second) << r.Describe();
  EXPECT_EQ(cc.first->second, "public, max-age=60");
}

TEST_F(MetadataTest, MaxAgeIsConfigurableAndZeroSendsNoCacheControl) {
  AuthorizationServerMetadata m;
  {
    auto p = StartServer({"--metadata-max-age=10m"});
    auto r = Metadata_(Stub(*p).get(), &m);
    ASSERT_TRUE(r.ok()) << r.Describe();
    EXPECT_EQ(r.metadata.find("cache-control")->second, "public, max-age=600");
  }
  {
    auto p = StartServer({"--metadata-max-age=0s"});
    auto r = Metadata_(Stub(*p).get(), &m);
    ASSERT_TRUE(r.ok()) << r.Describe();
    EXPECT_EQ(r.metadata.count("cache-control"), 0u);
  }
  {
    // Errors are never marked cacheable.
    auto p = StartServer({"--enable-oauth-service-provider=false"});
    auto r = Metadata_(Stub(*p).get(), &m);
    EXPECT_EQ(r.http_status(), 501);
    EXPECT_EQ(r.metadata.count("cache-control"), 0u);
  }
}

TEST_F(MetadataTest, SiteUrlVariantsAndFailures) {
  {
    auto p = StartServer(
        {"--site-url=https://example.com/mm/", "--enable-dynamic-client-registration=true"});
    AuthorizationServerMetadata m;
    ASSERT_TRUE(Metadata_(Stub(*p).get(), &m).ok());
    EXPECT_EQ(m.issuer(), "https://example.com/mm/");  // verbatim
    EXPECT_EQ(m.authorization_endpoint(), "https://example.com/mm/oauth/authorize");
    EXPECT_EQ(m.registration_endpoint(), "https://example.com/mm/api/v4/oauth/apps/register");
  }
  {
    auto p = StartServer({"--site-url="});
    AuthorizationServerMetadata m;
    auto r = Metadata_(Stub(*p).get(), &m);
    EXPECT_EQ(r.http_status(), 500) << r.Describe();
    EXPECT_EQ(r.app_error.id(),
              "api.oauth.authorization_server_metadata.site_url_required.app_error");
  }
  {
    auto p = StartServer({"--site-url=not a url"});
    AuthorizationServerMetadata m;
    auto r = Metadata_(Stub(*p).get(), &m);
    EXPECT_EQ(r.app_error.id(), "api.oauth.authorization_server_metadata.invalid_url.app_error")
        << r.Describe();
  }
  {
    auto p = StartServer({"--enable-oauth-service-provider=false"});
    AuthorizationServerMetadata m;
    auto r = Metadata_(Stub(*p).get(), &m);
    EXPECT_EQ(r.http_status(), 501) << r.Describe();
    EXPECT_EQ(r.app_error.id(), "api.oauth.authorization_server_metadata.disabled.app_error");
  }
}

class RegistrationTest : public ServerTest {
 protected:
  std::vector<std::string> ExtraFlags() override {
    return {"--enable-dynamic-client-registration=true", "--dcr-rate-limit=1000",
            "--dcr-rate-burst=1000"};
  }
  void ExpectOAuthError(const CallResult& r, int http, const std::string& error) {
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(r.has_oauth_error) << r.Describe();
    EXPECT_EQ(r.http_status(), http) << r.Describe();
    EXPECT_EQ(r.oauth_error.error(), error) << r.Describe();
  }
};

TEST_F(RegistrationTest, ConfidentialClient) {
  ClientRegistrationResponse resp;
  auto r =
      Register(as_.get(),
               R"({"redirect_uris":["https://client.example.com/cb"],"client_name":"MCP client",
                        "client_uri":"https://client.example.com","grant_types":["authorization_code"],
                        "logo_uri":"https://ignored"})",
               &resp);
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(r.http_status(), 201);
  EXPECT_EQ(resp.client_id().size(), 26u);
  EXPECT_EQ(resp.client_secret().size(), 26u);
  EXPECT_TRUE(resp.has_client_secret_expires_at());
  EXPECT_EQ(resp.client_secret_expires_at(), 0);
  EXPECT_GT(resp.client_id_issued_at(), 1600000000);
  EXPECT_LT(resp.client_id_issued_at(), 100000000000);  // seconds, not ms
  EXPECT_EQ(resp.token_endpoint_auth_method(), "client_secret_post");
  EXPECT_EQ(resp.grant_types_size(), 2);
  EXPECT_EQ(resp.response_types(0), "code");
  EXPECT_EQ(resp.scope(), "user");
  EXPECT_EQ(resp.client_name(), "MCP client");
  EXPECT_EQ(resp.client_uri(), "https://client.example.com");
  // The app exists, dynamically registered, without a creator: only system-wide managers see it.
  oauthd::v1::OAuthApp app;
  oauthd::v1::OAuthAppIdRequest id;
  id.set_app_id(resp.client_id());
  auto g = Call(apps_.get(), &oauthd::v1::OAuthApps::Stub::GetOAuthApp, id, &app,
                Metadata().Bearer(admin_.token));
  ASSERT_TRUE(g.ok()) << g.Describe();
  EXPECT_EQ(app.creator_id(), "");
  EXPECT_TRUE(app.is_dynamically_registered());
  EXPECT_EQ(app.client_secret(), resp.client_secret());
  EXPECT_EQ(Call(apps_.get(), &oauthd::v1::OAuthApps::Stub::GetOAuthApp, id, &app,
                 Metadata().Bearer(manager_.token))
                .http_status(),
            403);
}

TEST_F(RegistrationTest, PublicClientWithCustomScheme) {
  ClientRegistrationResponse resp;
  auto r = Register(as_.get(),
                    R"({"redirect_uris":["cursor://anysphere.cursor-mcp/oauth/callback"],
                        "token_endpoint_auth_method":"none"})",
                    &resp);
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_FALSE(resp.has_client_secret());
  EXPECT_FALSE(resp.has_client_secret_expires_at());
  EXPECT_EQ(resp.token_endpoint_auth_method(), "none");
  EXPECT_EQ(resp.client_name(), "Dynamically Registered Client");
  EXPECT_FALSE(resp.has_client_uri());
}

TEST_F(RegistrationTest, ValidationErrors) {
  ClientRegistrationResponse resp;
  ExpectOAuthError(Register(as_.get(), "{not json", &resp), 400, "invalid_client_metadata");
  EXPECT_EQ(Register(as_.get(), "{not json", &resp).oauth_error.error_description(),
            "Invalid JSON in request body");
  ExpectOAuthError(Register(as_.get(), R"({"redirect_uris":[]})", &resp), 400,
                   "invalid_client_metadata");
  ExpectOAuthError(Register(as_.get(), R"({})", &resp), 400, "invalid_client_metadata");
  for (const char* bad :
       {"javascript://x/alert", "DATA://x/y", "/relative/cb", "https:///nohost", " https://x/cb"}) {
    ExpectOAuthError(
        Register(as_.get(), absl::StrCat(R"({"redirect_uris":[")", bad, R"("]})"), &resp), 400,
        "invalid_client_metadata");
  }
  ExpectOAuthError(Register(as_.get(),
                            absl::StrCat(R"({"redirect_uris":["https://x/cb"],"client_name":")",
                                         std::string(65, 'n'), R"("})"),
                            &resp),
                   400, "invalid_client_metadata");
  ExpectOAuthError(
      Register(as_.get(), R"({"redirect_uris":["https://x/cb"],"client_uri":"ftp://x"})", &resp),
      400, "invalid_client_metadata");
  ExpectOAuthError(
      Register(as_.get(),
               absl::StrCat(R"({"redirect_uris":["https://x/cb"],"client_uri":"https://x/)",
                            std::string(250, 'a'), R"("})"),
               &resp),
      400, "invalid_client_metadata");
  ExpectOAuthError(
      Register(
          as_.get(),
          R"({"redirect_uris":["https://x/cb"],"token_endpoint_auth_method":"private_key_jwt"})",
          &resp),
      400, "invalid_client_metadata");
  // A present but empty name fails the app's own validation (400, still invalid_client_metadata).
  ExpectOAuthError(
      Register(as_.get(), R"({"redirect_uris":["https://x/cb"],"client_name":""})", &resp), 400,
      "invalid_client_metadata");
}

TEST_F(RegistrationTest, GatesComeAfterDecoding) {
  auto off = StartServer({"--enable-dynamic-client-registration=false", "--dcr-rate-burst=100"});
  auto stub = Stub(*off);
  ClientRegistrationResponse resp;
  ExpectOAuthError(Register(stub.get(), "{bad", &resp), 400, "invalid_client_metadata");
  auto r = Register(stub.get(), R"({"redirect_uris":["https://x/cb"]})", &resp);
  ExpectOAuthError(r, 400, "unsupported_operation");
  EXPECT_EQ(r.oauth_error.error_description(), "Dynamic client registration is disabled");
  auto provider_off =
      StartServer({"--enable-dynamic-client-registration=true",
                   "--enable-oauth-service-provider=false", "--dcr-rate-burst=100"});
  auto r2 = Register(Stub(*provider_off).get(), R"({"redirect_uris":["https://x/cb"]})", &resp);
  ExpectOAuthError(r2, 400, "unsupported_operation");
  EXPECT_EQ(r2.oauth_error.error_description(), "OAuth service provider is disabled");
}

TEST_F(RegistrationTest, AllowlistMatchesPerComponent) {
  auto p =
      StartServer({"--enable-dynamic-client-registration=true", "--dcr-rate-limit=1000",
                   "--dcr-rate-burst=1000",
                   "--dcr-redirect-uri-allowlist=https://*.example.com/**, http://localhost:*/cb"});
  auto stub = Stub(*p);
  ClientRegistrationResponse resp;
  auto reg = [&](const std::string& uri) {
    return Register(stub.get(), absl::StrCat(R"({"redirect_uris":[")", uri, R"("]})"), &resp);
  };
  EXPECT_TRUE(reg("https://app.example.com/oauth/cb").ok());
  EXPECT_TRUE(reg("http://localhost:33418/cb").ok());
  ExpectOAuthError(reg("https://attacker.example.net?x=.example.com/cb"), 400,
                   "invalid_redirect_uri");
  ExpectOAuthError(reg("https://evil.com/.example.com/cb"), 400, "invalid_redirect_uri");
  ExpectOAuthError(reg("https://app.example.com/cb?x=1"), 400,
                   "invalid_redirect_uri");  // pattern has no query
  ExpectOAuthError(reg("http://localhost:8080/other"), 400, "invalid_redirect_uri");
  EXPECT_EQ(reg("https://evil.com/cb").oauth_error.error_description(),
            "One or more redirect URIs do not match the allowlist");
  // Every redirect URI must match.
  auto r = Register(
      stub.get(), R"({"redirect_uris":["https://a.example.com/cb","https://evil.com/cb"]})", &resp);
  ExpectOAuthError(r, 400, "invalid_redirect_uri");
}

class RateLimitTest : public ServerTest {
 protected:
  // The test calls from loopback as the proxies 10.0.0.1 → 127.0.0.1 would, naming the client.
  std::vector<std::string> ExtraFlags() override {
    return {"--enable-dynamic-client-registration=true", "--trusted-proxies=127.0.0.1,10.0.0.0/8"};
  }
};

TEST_F(RateLimitTest, SecondRegistrationFromOneAddressIs429) {
  ClientRegistrationResponse resp;
  const std::string body = R"({"redirect_uris":["https://x.example.com/cb"]})";
  ASSERT_TRUE(Register(as_.get(), body, &resp, "198.51.100.1").ok());
  auto r = Register(as_.get(), body, &resp, "198.51.100.1");
  EXPECT_EQ(r.http_status(), 429) << r.Describe();
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  ASSERT_TRUE(r.has_raw_error) << r.Describe();
  EXPECT_EQ(r.raw_error.data(), "limit exceeded\n");
  EXPECT_EQ(r.raw_error.content_type(), "text/plain; charset=utf-8");
  EXPECT_EQ(r.Header("retry-after"), "1");
  EXPECT_FALSE(r.Header("x-ratelimit-limit").empty());
  // Another address has its own bucket; the first gets a token back after half a second (2 per
  // second).
  EXPECT_TRUE(Register(as_.get(), body, &resp, "198.51.100.2").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_TRUE(Register(as_.get(), body, &resp, "198.51.100.1").ok());
}

TEST_F(MetadataTest, ForwardedForIsIgnoredWithoutTrustedProxies) {
  // By default no proxy is trusted: the limit keys on the peer, whatever the header claims.
  auto server = StartServer({"--enable-dynamic-client-registration=true"});
  auto stub = Stub(*server);
  ClientRegistrationResponse resp;
  const std::string body = R"({"redirect_uris":["https://x.example.com/cb"]})";
  ASSERT_TRUE(Register(stub.get(), body, &resp, "198.51.100.1").ok());
  EXPECT_EQ(Register(stub.get(), body, &resp, "198.51.100.2").http_status(), 429);
}

}  // namespace
}  // namespace oauthd::testing
