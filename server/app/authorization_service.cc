#include "server/app/authorization_service.h"

#include <map>

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
template <typename Fn>
absl::StatusOr<AccessTokenResponse> RetryLostRaces(Fn attempt) {
  constexpr int kAttempts = 4;
  absl::StatusOr<AccessTokenResponse> result;
  for (int i = 0; i < kAttempts; ++i) {
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
  Page page = ConsentPage(*app, req, CsrfFromProps(session->row.props_json), deny);
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
      return IssueToken(app, *user, req.redirect_uri(), req.scope(), req.resource(),
                        /*with_refresh_token=*/false, replaced);
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

absl::StatusOr<AccessTokenResponse> AuthorizationService::IssueToken(
    const OAuthApp& app, const storage::UserRow& user, const std::string& redirect_uri,
    const std::string& scope, const std::string& audience, bool with_refresh_token,
    const std::optional<std::string>& replaced, const std::string* redeemed_code) {
  const int64_t now = NowMillis();
  storage::SessionRow session;
  session.id = NewId();
  session.token = NewId();
  session.create_at = session.last_activity_at = now;
  session.expires_at = now + absl::ToInt64Milliseconds(config_->oauth_session_length);
  session.user_id = user.id;
  session.roles = user.roles;
  session.is_oauth = true;
  session.props_json = SessionProps(app);
  storage::AccessDataRow access;
  access.token = session.token;
  access.refresh_token = with_refresh_token ? NewId() : "";
  access.redirect_uri = redirect_uri;
  access.client_id = app.id();
  access.user_id = user.id;
  access.expires_at = session.expires_at;
  access.scope = scope;
  access.audience = audience;
  absl::Status st = redeemed_code != nullptr
                        ? grants_->RedeemCode(*redeemed_code, session, access, replaced)
                        : grants_->IssueToken(session, access, replaced);
  if (redeemed_code != nullptr && absl::IsNotFound(st)) return TokenError(400, "expired_code");
  if (absl::IsAborted(st)) return st;  // a concurrent change of the grant won; the caller decides
  if (!st.ok()) return StoreFailure(st, "api.oauth.get_access_token.internal_saving.app_error");
  return TokenResponse(access, absl::ToInt64Seconds(config_->oauth_session_length));
}

absl::StatusOr<AccessTokenResponse> AuthorizationService::AccessToken(
    Caller* caller, const google::api::HttpBody& body) {
  auto resp = RedeemGrant(caller, body);
  if (!resp.ok()) return AsTokenError(resp.status());
  caller->response_headers.emplace_back("cache-control", "no-store");
  caller->response_headers.emplace_back("pragma", "no-cache");
  return resp;
}

absl::StatusOr<AccessTokenResponse> AuthorizationService::RedeemGrant(
    Caller* caller, const google::api::HttpBody& body) {
  std::map<std::string, std::string> form;
  if (!model::ParseForm(body.data(), &form)) return TokenError(400, "bad_request");
  auto field = [&form](const char* name) {
    auto it = form.find(name);
    return it == form.end() ? std::string() : it->second;
  };
  const std::string grant_type = field("grant_type");
  if (grant_type == "authorization_code") {
    if (field("code").empty()) return TokenError(400, "missing_code");
  } else if (grant_type == "refresh_token") {
    if (field("refresh_token").empty()) return TokenError(400, "missing_refresh_token");
  } else {
    return TokenError(400, "bad_grant");
  }
  const bool code_grant = grant_type == "authorization_code";
  const std::string client_id = field("client_id");
  if (!IsValidId(client_id)) return TokenError(400, "bad_client_id");
  caller->app_id = client_id;
  if (!config_->enable_oauth_service_provider) return TokenError(501, "disabled");
  // Mattermost reads the app, then the code or refresh token; oauthd reads both in one query and
  // checks them in that order.
  auto read = [&] {
    return code_grant ? grants_->ReadCodeExchange(client_id, field("code"))
                      : grants_->ReadRefreshExchange(client_id, field("refresh_token"));
  };
  // A database that cannot answer is no verdict on the code or refresh token: a client told
  // invalid_grant would drop it.
  auto exchange = read();
  if (!exchange.ok()) return StoreFailure(exchange.status(), "app.internal_error");
  if (!exchange->app) return TokenError(404, "credentials");
  const OAuthApp oauth_app = model::ToProto(*exchange->app);
  const bool public_client = IsPublic(oauth_app);
  // Client authentication: client_secret_post for confidential clients, none (plus PKCE) for public
  // ones.
  if (public_client) {
    if (!field("client_secret").empty()) return GrantError(400, "public_client_secret");
    if (grant_type == "refresh_token") return GrantError(400, "public_client_refresh_token");
    if (field("code_verifier").empty()) return GrantError(400, "pkce_required");
  } else if (!model::ConstantTimeEquals(field("client_secret"), oauth_app.client_secret())) {
    if (absl::Status st = CheckPreviousSecret(exchange->previous_secret, field("client_secret"));
        !st.ok())
      return st;
  }
  absl::StatusOr<AccessTokenResponse> resp;
  if (code_grant) {
    // Another code of the same user and app redeemed at the same moment can write the grant first;
    // read again, and this code gets that grant's token as Mattermost's repeated exchange does.
    bool first = true;
    resp = RetryLostRaces([&]() -> absl::StatusOr<AccessTokenResponse> {
      if (!first) {
        exchange = read();
        if (!exchange.ok()) return StoreFailure(exchange.status(), "app.internal_error");
      }
      first = false;
      return RedeemCode(oauth_app, public_client, *exchange, field("code"), field("redirect_uri"),
                        field("code_verifier"), field("resource"));
    });
  } else {
    resp = RefreshGrant(oauth_app, *exchange);
  }
  // What --dcr-idle-ttl's reaper reads; a failure to record costs the client nothing now.
  if (resp.ok() && oauth_app.is_dynamically_registered() &&
      config_->dcr_idle_ttl > absl::ZeroDuration()) {
    (void)apps_->RecordTokenActivity(client_id, NowMillis());
  }
  return resp;
}

absl::Status AuthorizationService::CheckPreviousSecret(
    const std::optional<storage::PreviousSecret>& previous, const std::string& secret) {
  if (config_->secret_rotation_grace <= absl::ZeroDuration() || secret.empty() || !previous ||
      NowMillis() >= previous->expires_at ||
      !model::ConstantTimeEquals(secret, previous->client_secret)) {
    return GrantError(401, "credentials");
  }
  return absl::OkStatus();
}

absl::StatusOr<AccessTokenResponse> AuthorizationService::RedeemCode(
    const OAuthApp& app, bool public_client, const storage::Exchange& found,
    const std::string& code, const std::string& redirect_uri, const std::string& verifier,
    const std::string& resource) {
  // Checked in Mattermost's order.
  if (!found.code || found.code->client_id != app.id()) return TokenError(400, "expired_code");
  const storage::AuthDataRow& data = *found.code;
  const int64_t now = NowMillis();
  if (now > data.create_at + int64_t{data.expires_in} * 1000) {
    (void)grants_->DeleteAuthData(code);
    return TokenError(403, "expired_code");
  }
  if (data.redirect_uri != redirect_uri) return TokenError(400, "redirect_uri");
  if (absl::Status st = model::ValidatePkce(data.code_challenge, verifier, public_client); !st.ok())
    return st;
  if (!found.user) return TokenError(404, "internal_user");
  const storage::UserRow& user = *found.user;
  if (user.delete_at != 0) return TokenError(403, "expired_code");
  if (resource != data.resource) return TokenError(400, "resource_mismatch");
  const std::optional<storage::AccessDataRow>& existing = found.grant;
  if (existing && (existing->expires_at == 0 || now < existing->expires_at) &&
      found.session_exists) {
    // An unexpired grant for this (user, client): the same token again, with what is left of its
    // life. The code is used up all the same; whoever deletes it redeems it.
    auto deleted = grants_->DeleteAuthData(code);
    if (!deleted.ok()) return StoreFailure(deleted.status(), "app.internal_error");
    if (!*deleted) return TokenError(400, "expired_code");
    return TokenResponse(*existing,
                         existing->expires_at == 0 ? 0 : (existing->expires_at - now) / 1000);
  }
  std::optional<std::string> replaced;
  if (existing) replaced = existing->token;
  // The code is deleted in the transaction that writes the token: one commit, and single use.
  return IssueToken(app, user, data.redirect_uri, data.scope, data.resource, !public_client,
                    replaced, &code);
}

absl::StatusOr<AccessTokenResponse> AuthorizationService::RefreshGrant(
    const OAuthApp& app, const storage::Exchange& found) {
  if (!found.grant || found.grant->client_id != app.id()) return TokenError(404, "refresh_token");
  const storage::AccessDataRow& access = *found.grant;
  if (!found.user) return TokenError(404, "internal_user");
  if (found.user->delete_at != 0) return TokenError(403, "refresh_token");
  // Rotation: a new session and a new refresh token; the old pair stops working. Only if the grant
  // still holds the pair read above: a concurrent refresh of the same token (or a revocation) that
  // got there first leaves this one spent, like any used refresh token.
  auto issued = IssueToken(app, *found.user, access.redirect_uri, access.scope, access.audience,
                           /*with_refresh_token=*/true, access.token);
  if (absl::IsAborted(issued.status())) return TokenError(404, "refresh_token");
  return issued;
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
