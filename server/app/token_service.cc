#include "server/app/token_service.h"

#include <map>
#include <memory>

#include "absl/time/clock.h"
#include "server/app/api_error.h"
#include "server/model/url_encoding.h"

namespace oauthd::app {
namespace {

using oauthd::v1::IntrospectionResponse;
using storage::TokenKind;
using storage::TokenLookup;

int64_t NowMillis() { return absl::ToUnixMillis(absl::Now()); }

TokenKind Other(TokenKind k) {
  return k == TokenKind::kAccess ? TokenKind::kRefresh : TokenKind::kAccess;
}

// Whether a found token still works: its grant's app and user are there, and an access token's
// session is there and unexpired. (Revoked, deauthorized and deleted grants are not found at all.)
bool IsActive(const storage::TokenRecord& t, int64_t now) {
  if (!t.app_exists || !t.user_active) return false;
  if (t.refresh) return true;  // refresh tokens do not expire (as in Mattermost)
  return t.session_exists && (t.expires_at == 0 || now < t.expires_at);
}

IntrospectionResponse Inactive() {
  IntrospectionResponse r;
  r.set_active(false);
  return r;
}

constexpr char kIntrospect[] = "oauth.introspect";
constexpr char kRevoke[] = "oauth.revoke";

}  // namespace

absl::Status TokenService::CountFailure(Caller* caller, const char* audit_event,
                                        absl::Status failure) {
  absl::Duration retry_after;
  (void)failures_->Allow(caller->client_ip, absl::Now(), &retry_after);
  caller->audit_event = audit_event;
  return failure;
}

std::optional<storage::ClientCredentials> TokenService::Credentials(
    const TokenLookup& found) const {
  std::optional<storage::ClientCredentials> client = found.client;
  if (client && config_->secret_rotation_grace <= absl::ZeroDuration())
    client->previous_secret.clear();
  return client;
}

absl::StatusOr<TokenService::Parsed> TokenService::Parse(Caller* caller,
                                                         const oauthd::v1::TokenRequest& req,
                                                         const char* audit_event) {
  if (!config_->enable_oauth_service_provider) {
    return OAuthError(501, "server_error", "the OAuth service provider is disabled");
  }
  // A caller whose failures spent its allowance waits, whatever it sends now: the limit is on
  // guessing a secret, so it is checked before the secret is.
  absl::Duration retry_after;
  if (!failures_->Available(caller->client_ip, absl::Now(), &retry_after))
    return LimitExceeded(*failures_, retry_after);
  std::string token = req.token(), hint = req.token_type_hint(), client_id = req.client_id(),
              client_secret = req.client_secret();
  if (!req.body().data().empty()) {
    std::map<std::string, std::string> form;
    if (!model::ParseForm(req.body().data(), &form))
      return OAuthError(400, "invalid_request", "the body is not form-encoded");
    token = form["token"];
    hint = form["token_type_hint"];
    client_id = form["client_id"];
    client_secret = form["client_secret"];
  }
  auto claim = ClaimClient(caller->authorization, client_id, client_secret);
  if (!claim.ok()) {
    return ExtractErrorBody(claim.status()).http_status == 401
               ? CountFailure(caller, audit_event, claim.status())
               : claim.status();
  }
  caller->app_id = claim->client_id;
  if (token.empty()) return OAuthError(400, "invalid_request", "the token parameter is missing");
  Parsed parsed;
  parsed.token = std::move(token);
  parsed.first = hint == "refresh_token" ? TokenKind::kRefresh : TokenKind::kAccess;
  parsed.client = *std::move(claim);
  return parsed;
}

absl::StatusOr<IntrospectionResponse> TokenService::Answer(
    Caller* caller, const Parsed& parsed, const absl::StatusOr<TokenLookup>& found) {
  if (!found.ok()) return StoreFailure(found.status(), "app.internal_error");
  const std::optional<storage::ClientCredentials> client = Credentials(*found);
  if (absl::Status st = CheckClient(parsed.client, client, /*allow_public=*/false, absl::Now());
      !st.ok()) {
    return CountFailure(caller, kIntrospect, st);
  }
  const int64_t now = NowMillis();
  if (!found->token || !IsActive(*found->token, now)) return Inactive();
  const storage::TokenRecord& t = *found->token;
  if (t.client_id != parsed.client.client_id && !client->is_resource_server) {
    // Someone else's token: no more than for an unknown one, so guessing learns nothing.
    caller->audit_event = kIntrospect;
    caller->audit_error = "not_permitted";
    return Inactive();
  }
  IntrospectionResponse r;
  r.set_active(true);
  if (!t.scope.empty()) r.set_scope(t.scope);
  r.set_client_id(t.client_id);
  r.set_username(t.username);
  r.set_token_type(t.refresh ? "refresh_token" : "bearer");
  if (!t.refresh && t.expires_at != 0) r.set_exp(t.expires_at / 1000);
  if (t.session_exists && t.issued_at != 0) r.set_iat(t.issued_at / 1000);
  r.set_sub(t.user_id);
  if (!t.audience.empty()) r.set_aud(t.audience);
  r.set_iss(config_->site_url);
  return r;
}

void TokenService::Introspect(Caller* caller, const oauthd::v1::TokenRequest& req,
                              IntrospectionDone done) {
  caller->response_headers.emplace_back("cache-control", "no-store");
  auto parsed = Parse(caller, req, kIntrospect);
  if (!parsed.ok()) return done(parsed.status());
  // The token as its hint says first; a second query only when that finds nothing (the caller's
  // credentials come with either). Both lookups may run on the asynchronous database's loop.
  auto p = std::make_shared<Parsed>(*std::move(parsed));
  grants_->LookupTokenAsync(
      p->client.client_id, p->token, p->first,
      [this, caller, p, done = std::move(done)](absl::StatusOr<TokenLookup> first) mutable {
        if (!first.ok() || first->token || !first->client) return done(Answer(caller, *p, first));
        grants_->LookupTokenAsync(
            p->client.client_id, p->token, Other(p->first),
            [this, caller, p, done = std::move(done)](absl::StatusOr<TokenLookup> second) {
              done(Answer(caller, *p, second));
            });
      });
}

absl::StatusOr<oauthd::v1::RevocationResponse> TokenService::Revoke(
    Caller* caller, const oauthd::v1::TokenRequest& req) {
  auto parsed = Parse(caller, req, kRevoke);
  if (!parsed.ok()) return parsed.status();
  auto found = grants_->LookupToken(parsed->client.client_id, parsed->token, parsed->first);
  if (found.ok() && !found->token && found->client)
    found = grants_->LookupToken(parsed->client.client_id, parsed->token, Other(parsed->first));
  if (!found.ok()) return StoreFailure(found.status(), "app.internal_error");
  if (absl::Status st =
          CheckClient(parsed->client, Credentials(*found), /*allow_public=*/true, absl::Now());
      !st.ok()) {
    return CountFailure(caller, kRevoke, st);
  }
  // RFC 7009 §2.2: an unknown token is no error, and another client's token is treated the same
  // (revoking it is refused without saying whether it exists).
  if (!found->token) {
    caller->audit_error = "unknown_token";
  } else if (found->token->client_id != parsed->client.client_id) {
    caller->audit_error = "not_permitted";
  } else if (absl::Status st = grants_->RevokeGrant(found->token->user_id, found->token->client_id);
             !st.ok()) {
    return StoreFailure(st, "app.internal_error");
  }
  return oauthd::v1::RevocationResponse();
}

}  // namespace oauthd::app
