#include "server/app/authorization_service.h"

#include <map>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/json_writer.h"
#include "common/mattermost_id.h"
#include "server/app/api_error.h"
#include "server/app/app_lookup.h"
#include "server/app/metadata_service.h"
#include "server/app/pages.h"
#include "server/app/token_errors.h"
#include "server/model/authorize_request.h"
#include "server/model/oauth_app.h"
#include "server/model/url_encoding.h"

namespace oauthd::app {
namespace {

using oauthd::v1::AccessTokenResponse;
using oauthd::v1::AuthorizeRequest;
using oauthd::v1::OAuthApp;

constexpr int kCodeLifetimeSeconds = 600;
constexpr char kHtml[] = "text/html; charset=utf-8";

int64_t NowMillis() { return absl::ToUnixMillis(absl::Now()); }

absl::Status TokenError(int status, absl::string_view suffix) {
  return AppError(status, absl::StrCat("api.oauth.get_access_token.", suffix, ".app_error"));
}

absl::Status GrantError(int status, absl::string_view suffix) {
  return AppError(status, absl::StrCat("model.oauth.validate_grant.", suffix, ".app_error"));
}

// The browser side answers failures with a small HTML page and the same status.
absl::Status AsHtml(const absl::Status& st) {
  const ErrorBody err = ExtractErrorBody(st);
  if (err.kind == ErrorBody::Kind::kRaw) return st;
  const std::string message =
      err.kind == ErrorBody::Kind::kApp ? err.app.message() : err.oauth.error_description();
  Page page = ErrorPage(err.http_status, "Authorization failed", message);
  absl::Status html = RawError(err.http_status, kHtml, page.html);
  for (const auto& [k, v] : page.headers) html = WithHeader(html, k, v);
  return html;
}

bool IsPublic(const OAuthApp& app) { return app.client_secret().empty(); }

// Runs `attempt` again while it loses a race for the (client, user) grant (ABORTED from the grant
// store): each retry reads the grant the winner wrote. A few rounds settle any realistic race; one
// that still loses answers 503, which a client may retry.
constexpr int kRedeemAttempts = 4;

template <typename Fn>
absl::StatusOr<AccessTokenResponse> RetryLostRaces(Fn attempt) {
  absl::StatusOr<AccessTokenResponse> result;
  for (int i = 0; i < kRedeemAttempts; ++i) {
    result = attempt();
    if (!absl::IsAborted(result.status())) return result;
  }
  return StoreFailure(absl::UnavailableError(result.status().message()), "app.internal_error");
}

// RFC 6749 §5.1: a member with no value is left out (Mattermost sends "", which strict clients
// refuse); the scope is the one granted.
AccessTokenResponse TokenResponse(const storage::AccessDataRow& access, int64_t expires_in) {
  AccessTokenResponse resp;
  resp.set_access_token(access.token);
  resp.set_token_type("bearer");
  resp.set_expires_in(expires_in);
  if (!access.scope.empty()) resp.set_scope(access.scope);
  if (!access.refresh_token.empty()) resp.set_refresh_token(access.refresh_token);
  if (!access.audience.empty()) resp.set_audience(access.audience);
  return resp;
}

bool HasCallback(const OAuthApp& app, const std::string& uri) {
  for (const auto& cb : app.callback_urls()) {
    if (cb == uri) return true;
  }
  return false;
}

std::string SessionProps(const OAuthApp& app) {
  std::string props = "{\"platform\":";
  AppendJsonString(app.name(), &props);
  props += ",\"oauth_app_id\":";
  AppendJsonString(app.id(), &props);
  props += ",\"mattermost_app_id\":";
  AppendJsonString(app.mattermost_app_id(), &props);
  props += ",\"os\":\"OAuth2\",\"browser\":\"OAuth2\",\"csrf\":";
  AppendJsonString(NewId(), &props);
  props += "}";
  return props;
}

}  // namespace

absl::Status AuthorizationService::CheckRequestAgainstApp(const AuthorizeRequest& req,
                                                          const OAuthApp& app) {
  if (!HasCallback(app, req.redirect_uri()))
    return AppError(400, "api.oauth.allow_oauth.redirect_callback.app_error");
  if (IsPublic(app) && req.response_type() == "code" && req.code_challenge().empty()) {
    return AppError(400, "api.oauth.allow_oauth.pkce_required_public.app_error");
  }
  return absl::OkStatus();
}

absl::StatusOr<google::api::HttpBody> AuthorizationService::AuthorizePage(
    Caller* caller, const AuthorizeRequest& req) {
  if (!config_->enable_oauth_service_provider)
    return AsHtml(AppError(501, "api.oauth.allow_oauth.turn_off.app_error"));
  if (absl::Status st = model::ValidateAuthorizeRequest(req); !st.ok()) return AsHtml(st);
  auto app = LoadOAuthApp(*config_, *apps_, req.client_id());
  if (!app.ok()) return AsHtml(app.status());
  // Not logged in (or a stale token): off to the login page, which comes back here afterwards.
  auto session = auth_->RequireSession(caller);
  if (!session.ok()) {
    if (ExtractErrorBody(session.status()).http_status != 401) return AsHtml(session.status());
    auto base =
        JoinUrlPath(config_->site_url, req.login_hint() == "saml" ? "login/sso/saml" : "login");
    if (!base.ok())
      return AsHtml(AppError(500, "api.oauth.authorization_server_metadata.invalid_url.app_error"));
    caller->http_status = 302;
    caller->response_headers.emplace_back(
        "location", model::AddQueryParams(*base, {{"redirect_to", caller->original_uri}}));
    caller->response_headers.emplace_back("cache-control", "no-store");
    return google::api::HttpBody();
  }
  if (absl::Status st = CheckRequestAgainstApp(req, *app); !st.ok()) return AsHtml(st);
  const bool authorized =
      prefs_->Get(session->user_id(), storage::kOAuthAppPreferenceCategory, req.client_id()).ok();
  if (authorized || app->is_trusted()) {
    // Granted without a consent page: a state change like POST /oauth/authorize.
    caller->app_id = req.client_id();
    caller->audit_event = "oauth.authorize";
    auto redirect = AllowAccess(*session, req, *app);
    if (!redirect.ok()) return AsHtml(redirect.status());
    caller->http_status = 302;
    caller->response_headers.emplace_back("location", *redirect);
    caller->response_headers.emplace_back("cache-control", "no-store");
    return google::api::HttpBody();
  }
  const std::string deny = model::AddQueryParams(
      req.redirect_uri(), {{"error", "access_denied"}, {"state", req.state()}});
  // Which account is signing in, as other OAuth servers show it; the page goes without the line
  // rather than fail when the user cannot be read.
  auto user = auth_->LookupUser(session->user_id());
  const std::string account = user.ok() ? absl::StrCat("@", user->username) : "";
  Page page = ConsentPage(*app, req, CsrfFromProps(session->row.props_json), deny, account);
  caller->response_headers = page.headers;
  google::api::HttpBody body;
  body.set_content_type(kHtml);
  body.set_data(std::move(page.html));
  return body;
}

absl::StatusOr<oauthd::v1::AuthorizeResponse> AuthorizationService::Authorize(
    Caller* caller, const oauthd::v1::AuthorizePostRequest& post) {
  auto session = auth_->RequireSession(caller);
  if (!session.ok()) return session.status();
  // Mattermost decodes into a pointer: a `null` body leaves it nil, which is a bad body.
  if (!post.has_request()) return InvalidBodyParam("authorize_request");
  const AuthorizeRequest& req = post.request();
  if (absl::Status st = model::ValidateAuthorizeRequest(req); !st.ok()) return st;
  if (session->is_oauth()) {
    return AppError(403, "api.context.permissions.app_error", "attempted access by oauth app");
  }
  auto app = LoadOAuthApp(*config_, *apps_, req.client_id());
  if (!app.ok()) return app.status();
  if (absl::Status st = CheckRequestAgainstApp(req, *app); !st.ok()) return st;
  auto redirect = AllowAccess(*session, req, *app);
  if (!redirect.ok()) return redirect.status();
  oauthd::v1::AuthorizeResponse resp;
  resp.set_redirect(*redirect);
  return resp;
}

absl::StatusOr<std::string> AuthorizationService::AllowAccess(const Session& session,
                                                              AuthorizeRequest req,
                                                              const OAuthApp& app) {
  if (req.scope().empty()) req.set_scope("user");
  auto server_error = [&] {
    return model::AddQueryParams(req.redirect_uri(),
                                 {{"error", "server_error"}, {"state", req.state()}});
  };
  std::string redirect;
  if (req.response_type() == "code") {
    storage::AuthDataRow code;
    code.client_id = app.id();
    code.user_id = session.user_id();
    code.code = NewId() + NewId();
    code.expires_in = kCodeLifetimeSeconds;
    code.create_at = NowMillis();
    code.redirect_uri = req.redirect_uri();
    code.state = req.state();
    code.scope = req.scope();
    code.code_challenge = req.code_challenge();
    code.code_challenge_method = req.code_challenge_method();
    code.resource = req.resource();
    if (!grants_->SaveAuthData(code).ok()) return server_error();
    redirect =
        model::AddQueryParams(req.redirect_uri(), {{"code", code.code}, {"state", req.state()}});
  } else if (req.response_type() == "token") {
    auto user = identity_->GetUser(session.user_id());
    if (!user.ok()) return server_error();
    auto token = RetryLostRaces([&]() -> absl::StatusOr<AccessTokenResponse> {
      auto existing = grants_->GetAccessDataByClientUser(app.id(), session.user_id());
      if (!existing.ok() && !absl::IsNotFound(existing.status())) return existing.status();
      std::optional<std::string> replaced;
      if (existing.ok()) replaced = existing->token;
      return IssueToken(app, *user, req.redirect_uri(), req.scope(), req.resource(), replaced);
    });
    if (!token.ok()) return server_error();
    redirect = absl::StrCat(req.redirect_uri().substr(0, req.redirect_uri().find('#')),
                            "#access_token=", model::QueryEscape(token->access_token()),
                            "&token_type=bearer&expires_in=", token->expires_in(),
                            "&scope=", model::QueryEscape(req.scope()),
                            "&state=", model::QueryEscape(req.state()));
  } else {
    return model::AddQueryParams(req.redirect_uri(),
                                 {{"error", "unsupported_response_type"}, {"state", req.state()}});
  }
  // This is what the authorized-apps list and the "already authorized" shortcut read.
  if (!prefs_
           ->Save({session.user_id(), storage::kOAuthAppPreferenceCategory, app.id(), req.scope()})
           .ok()) {
    return server_error();
  }
  return redirect;
}

AuthorizationService::NewToken AuthorizationService::MintToken(
    const OAuthApp& app, const storage::UserRow& user, const std::string& redirect_uri,
    const std::string& scope, const std::string& audience, bool with_refresh_token) const {
  const int64_t now = NowMillis();
  NewToken t;
  t.session.id = NewId();
  t.session.token = NewId();
  t.session.create_at = t.session.last_activity_at = now;
  t.session.expires_at = now + absl::ToInt64Milliseconds(config_->oauth_session_length);
  t.session.user_id = user.id;
  t.session.roles = user.roles;
  t.session.is_oauth = true;
  t.session.props_json = SessionProps(app);
  t.access.token = t.session.token;
  t.access.refresh_token = with_refresh_token ? NewId() : "";
  t.access.redirect_uri = redirect_uri;
  t.access.client_id = app.id();
  t.access.user_id = user.id;
  t.access.expires_at = t.session.expires_at;
  t.access.scope = scope;
  t.access.audience = audience;
  return t;
}

AccessTokenResponse AuthorizationService::Issued(const NewToken& t) const {
  return TokenResponse(t.access, absl::ToInt64Seconds(config_->oauth_session_length));
}

absl::StatusOr<AccessTokenResponse> AuthorizationService::IssueToken(
    const OAuthApp& app, const storage::UserRow& user, const std::string& redirect_uri,
    const std::string& scope, const std::string& audience,
    const std::optional<std::string>& replaced) {
  const NewToken t = MintToken(app, user, redirect_uri, scope, audience, false);
  absl::Status st = grants_->IssueToken(t.session, t.access, replaced);
  if (absl::IsAborted(st)) return st;  // a concurrent change of the grant won; the caller decides
  if (!st.ok()) return StoreFailure(st, "api.oauth.get_access_token.internal_saving.app_error");
  return Issued(t);
}

// One token request on its way through the store's calls: on the asynchronous client's loop
// thread (which none of it may block), or on a worker with the blocking pool, where every call
// completes at once.
struct AuthorizationService::TokenRequest {
  std::map<std::string, std::string> form;
  bool code_grant = false;
  std::string client_id;
  OAuthApp app;  // once read
  bool public_client = false;
  int attempts = 0;  // reads of a code exchange that lost a race for the grant
  TokenDone done;

  std::string field(const char* name) const {
    auto it = form.find(name);
    return it == form.end() ? std::string() : it->second;
  }
};

void AuthorizationService::AccessToken(Caller* caller, const google::api::HttpBody& body,
                                       TokenDone done) {
  auto req = std::make_shared<TokenRequest>();
  req->done = [caller, done = std::move(done)](absl::StatusOr<AccessTokenResponse> resp) {
    if (!resp.ok()) return done(AsTokenError(resp.status()));
    caller->response_headers.emplace_back("cache-control", "no-store");
    caller->response_headers.emplace_back("pragma", "no-cache");
    done(std::move(resp));
  };
  if (!model::ParseForm(body.data(), &req->form)) return req->done(TokenError(400, "bad_request"));
  const std::string grant_type = req->field("grant_type");
  if (grant_type == "authorization_code") {
    if (req->field("code").empty()) return req->done(TokenError(400, "missing_code"));
  } else if (grant_type == "refresh_token") {
    if (req->field("refresh_token").empty())
      return req->done(TokenError(400, "missing_refresh_token"));
  } else {
    return req->done(TokenError(400, "bad_grant"));
  }
  req->code_grant = grant_type == "authorization_code";
  req->client_id = req->field("client_id");
  if (!IsValidId(req->client_id)) return req->done(TokenError(400, "bad_client_id"));
  caller->app_id = req->client_id;
  if (!config_->enable_oauth_service_provider) return req->done(TokenError(501, "disabled"));
  ReadExchange(std::move(req));
}

void AuthorizationService::ReadExchange(std::shared_ptr<TokenRequest> req) {
  // Mattermost reads the app, then the code or refresh token; oauthd reads both in one query and
  // checks them in that order.
  auto next = [this, req](absl::StatusOr<storage::Exchange> found) {
    // A database that cannot answer is no verdict on the code or refresh token: a client told
    // invalid_grant would drop it.
    if (!found.ok()) return req->done(StoreFailure(found.status(), "app.internal_error"));
    if (req->attempts == 0) {
      if (absl::Status st = AuthenticateClient(*req, *found); !st.ok()) return req->done(st);
    }
    if (req->code_grant) return RedeemCode(req, *found);
    RefreshGrant(req, *found);
  };
  if (req->code_grant) {
    grants_->ReadCodeExchangeAsync(req->client_id, req->field("code"), std::move(next));
  } else {
    grants_->ReadRefreshExchangeAsync(req->client_id, req->field("refresh_token"), std::move(next));
  }
}

absl::Status AuthorizationService::AuthenticateClient(TokenRequest& req,
                                                      const storage::Exchange& found) {
  if (!found.app) return TokenError(404, "credentials");
  req.app = model::ToProto(*found.app);
  req.public_client = IsPublic(req.app);
  // client_secret_post for confidential clients, none (plus PKCE) for public ones.
  if (req.public_client) {
    if (!req.field("client_secret").empty()) return GrantError(400, "public_client_secret");
    if (!req.code_grant) return GrantError(400, "public_client_refresh_token");
    if (req.field("code_verifier").empty()) return GrantError(400, "pkce_required");
    return absl::OkStatus();
  }
  const std::string secret = req.field("client_secret");
  if (model::ConstantTimeEquals(secret, req.app.client_secret())) return absl::OkStatus();
  // Not the current secret: the previous one while --secret-rotation-grace runs since the
  // regeneration.
  const std::optional<storage::PreviousSecret>& previous = found.previous_secret;
  if (config_->secret_rotation_grace <= absl::ZeroDuration() || secret.empty() || !previous ||
      NowMillis() >= previous->expires_at ||
      !model::ConstantTimeEquals(secret, previous->client_secret)) {
    return GrantError(401, "credentials");
  }
  return absl::OkStatus();
}

void AuthorizationService::RedeemCode(std::shared_ptr<TokenRequest> req,
                                      const storage::Exchange& found) {
  // Checked in Mattermost's order.
  const std::string code = req->field("code");
  if (!found.code || found.code->client_id != req->app.id())
    return req->done(TokenError(400, "expired_code"));
  const storage::AuthDataRow& data = *found.code;
  const int64_t now = NowMillis();
  if (now > data.create_at + int64_t{data.expires_in} * 1000) {
    // Gone before the answer, as Mattermost does; a failure to delete changes nothing for the
    // client (the code has expired either way).
    return grants_->DeleteAuthDataAsync(
        code, [req](absl::StatusOr<bool>) { req->done(TokenError(403, "expired_code")); });
  }
  if (data.redirect_uri != req->field("redirect_uri"))
    return req->done(TokenError(400, "redirect_uri"));
  if (absl::Status st =
          model::ValidatePkce(data.code_challenge, req->field("code_verifier"), req->public_client);
      !st.ok())
    return req->done(st);
  if (!found.user) return req->done(TokenError(404, "internal_user"));
  const storage::UserRow& user = *found.user;
  if (user.delete_at != 0) return req->done(TokenError(403, "expired_code"));
  if (req->field("resource") != data.resource)
    return req->done(TokenError(400, "resource_mismatch"));
  const std::optional<storage::AccessDataRow>& existing = found.grant;
  if (existing && (existing->expires_at == 0 || now < existing->expires_at) &&
      found.session_exists) {
    // An unexpired grant for this (user, client): the same token again, with what is left of its
    // life. The code is used up all the same; whoever deletes it redeems it.
    AccessTokenResponse again = TokenResponse(
        *existing, existing->expires_at == 0 ? 0 : (existing->expires_at - now) / 1000);
    return grants_->DeleteAuthDataAsync(
        code, [this, req, again = std::move(again)](absl::StatusOr<bool> deleted) {
          if (!deleted.ok())
            return Finish(*req, StoreFailure(deleted.status(), "app.internal_error"));
          if (!*deleted) return Finish(*req, TokenError(400, "expired_code"));
          Finish(*req, again);
        });
  }
  std::optional<std::string> replaced;
  if (existing) replaced = existing->token;
  // The code is deleted in the transaction that writes the token: one commit, and single use.
  auto t = std::make_shared<NewToken>(
      MintToken(req->app, user, data.redirect_uri, data.scope, data.resource, !req->public_client));
  grants_->RedeemCodeAsync(code, t->session, t->access, replaced, [this, req, t](absl::Status st) {
    if (absl::IsNotFound(st)) return Finish(*req, TokenError(400, "expired_code"));
    // Another code of the same user and app redeemed at the same moment wrote the grant first:
    // read again, and this code gets that grant's token as Mattermost's repeated exchange does.
    // A few rounds settle any realistic race; one that still loses answers 503, which a client
    // may retry.
    if (absl::IsAborted(st)) {
      if (++req->attempts < kRedeemAttempts) return ReadExchange(req);
      return Finish(*req, StoreFailure(absl::UnavailableError(st.message()), "app.internal_error"));
    }
    if (!st.ok())
      return Finish(*req, StoreFailure(st, "api.oauth.get_access_token.internal_saving.app_error"));
    Finish(*req, Issued(*t));
  });
}

void AuthorizationService::RefreshGrant(std::shared_ptr<TokenRequest> req,
                                        const storage::Exchange& found) {
  if (!found.grant || found.grant->client_id != req->app.id())
    return req->done(TokenError(404, "refresh_token"));
  const storage::AccessDataRow& access = *found.grant;
  if (!found.user) return req->done(TokenError(404, "internal_user"));
  if (found.user->delete_at != 0) return req->done(TokenError(403, "refresh_token"));
  // Rotation: a new session and a new refresh token; the old pair stops working. Only if the grant
  // still holds the pair read above: a concurrent refresh of the same token (or a revocation) that
  // got there first leaves this one spent, like any used refresh token.
  auto t = std::make_shared<NewToken>(
      MintToken(req->app, *found.user, access.redirect_uri, access.scope, access.audience, true));
  grants_->IssueTokenAsync(t->session, t->access, access.token, [this, req, t](absl::Status st) {
    if (absl::IsAborted(st)) return Finish(*req, TokenError(404, "refresh_token"));
    if (!st.ok())
      return Finish(*req, StoreFailure(st, "api.oauth.get_access_token.internal_saving.app_error"));
    Finish(*req, Issued(*t));
  });
}

void AuthorizationService::Finish(TokenRequest& req, absl::StatusOr<AccessTokenResponse> resp) {
  // What --dcr-idle-ttl's reaper reads; a failure to record costs the client nothing now.
  if (resp.ok() && req.app.is_dynamically_registered() &&
      config_->dcr_idle_ttl > absl::ZeroDuration()) {
    apps_->RecordTokenActivityAsync(req.client_id, NowMillis());
  }
  req.done(std::move(resp));
}

absl::Status AuthorizationService::Deauthorize(Caller* caller, const std::string& client_id) {
  auto session = auth_->RequireSession(caller);
  if (!session.ok()) return session.status();
  if (!IsValidId(client_id)) return InvalidBodyParam("client_id");
  if (!config_->enable_oauth_service_provider)
    return AppError(501, "api.oauth.allow_oauth.turn_off.app_error");
  if (absl::Status st = grants_->Deauthorize(session->user_id(), client_id); !st.ok()) {
    return StoreFailure(st, "app.oauth.delete_app.app_error");
  }
  return absl::OkStatus();
}

}  // namespace oauthd::app
