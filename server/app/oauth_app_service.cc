#include "server/app/oauth_app_service.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/mattermost_id.h"
#include "server/app/api_error.h"
#include "server/app/app_lookup.h"
#include "server/app/json_body.h"
#include "server/model/oauth_app.h"
#include "server/model/pagination.h"

namespace oauthd::app {
namespace {

using oauthd::v1::OAuthApp;

constexpr char kManageOAuth[] = "manage_oauth";
constexpr char kManageSystemWideOAuth[] = "manage_system_wide_oauth";
constexpr char kManageSystem[] = "manage_system";

int64_t NowMillis() { return absl::ToUnixMillis(absl::Now()); }

}  // namespace

absl::Status OAuthAppService::ProviderEnabled() const {
  if (config_->enable_oauth_service_provider) return absl::OkStatus();
  return AppError(501, "api.oauth.allow_oauth.turn_off.app_error");
}

absl::Status OAuthAppService::StoreUpdate(OAuthApp* app) {
  app->set_update_at(NowMillis());
  if (absl::Status st = model::ValidateOAuthApp(*app); !st.ok()) return st;
  absl::Status st = apps_->Update(model::ToRow(*app));
  if (absl::IsNotFound(st))
    return AppError(400, "app.oauth.update_app.find.app_error", st.message());
  if (!st.ok()) return StoreFailure(st, "app.oauth.update_app.updating.app_error");
  return absl::OkStatus();
}

absl::Status OAuthAppService::CheckOwnerOrSystemWide(const Session& session, const OAuthApp& app) {
  if (app.creator_id() != session.user_id() &&
      !auth_->HasPermission(session, kManageSystemWideOAuth)) {
    return PermissionError(session.user_id(), kManageSystemWideOAuth);
  }
  return absl::OkStatus();
}

absl::StatusOr<Session> OAuthAppService::ManageOAuthPrefix(Caller* caller,
                                                           const std::string& app_id) {
  auto session = auth_->RequireSession(caller);
  if (!session.ok()) return session.status();
  if (absl::Status st = ManageOAuthChecks(*session, app_id); !st.ok()) return st;
  return session;
}

absl::Status OAuthAppService::ManageOAuthChecks(const Session& session, const std::string& app_id) {
  if (!IsValidId(app_id)) return InvalidUrlParam("app_id");
  if (!auth_->HasPermission(session, kManageOAuth))
    return PermissionError(session.user_id(), kManageOAuth);
  return absl::OkStatus();
}

absl::StatusOr<OAuthApp> OAuthAppService::Create(Caller* caller,
                                                 const oauthd::v1::CreateOAuthAppRequest& req) {
  auto session = auth_->RequireSession(caller);
  if (!session.ok()) return session.status();
  // The body was decoded by the transport (a gRPC message, or JSON the gateway decoded): that
  // precedes the permission check, as in Mattermost.
  if (!auth_->HasPermission(*session, kManageOAuth))
    return PermissionError(session->user_id(), kManageOAuth);
  OAuthApp app;
  app.set_name(req.name());
  app.set_description(req.description());
  app.set_icon_url(req.icon_url());
  *app.mutable_callback_urls() = req.callback_urls();
  app.set_homepage(req.homepage());
  app.set_is_trusted(req.is_trusted() && auth_->HasPermission(*session, kManageSystem));
  app.set_creator_id(session->user_id());
  if (!config_->enable_oauth_service_provider) {
    return AppError(501, "api.oauth.register_oauth_app.turn_off.app_error");
  }
  if (!req.is_public()) app.set_client_secret(NewId());
  app.set_id(NewId());
  app.set_create_at(NowMillis());
  app.set_update_at(app.create_at());
  if (absl::Status st = model::ValidateOAuthApp(app); !st.ok()) return st;
  if (absl::Status st = apps_->Save(model::ToRow(app)); !st.ok()) {
    return StoreFailure(st, "app.oauth.save_app.save.app_error");
  }
  return app;
}

absl::StatusOr<std::vector<OAuthApp>> OAuthAppService::List(
    Caller* caller, const oauthd::v1::GetOAuthAppsRequest& req) {
  auto session = auth_->RequireSession(caller);
  if (!session.ok()) return session.status();
  if (!auth_->HasPermission(*session, kManageOAuth)) {
    return AppError(403, "api.command.admin_only.app_error",
                    absl::StrCat("userId=", session->user_id(), ", permission=", kManageOAuth));
  }
  if (absl::Status st = ProviderEnabled(); !st.ok()) return st;
  const storage::Page page = model::ParsePage(req.page(), req.per_page(), req.pagesize());
  const bool system_wide = auth_->HasPermission(*session, kManageSystemWideOAuth);
  auto rows = system_wide ? apps_->List(page) : apps_->ListByCreator(session->user_id(), page);
  if (!rows.ok()) {
    return StoreFailure(rows.status(), system_wide ? "app.oauth.get_apps.find.app_error"
                                                   : "app.oauth.get_app_by_user.find.app_error");
  }
  std::vector<OAuthApp> out;
  out.reserve(rows->size());
  for (auto& row : *rows) out.push_back(model::ToProto(std::move(row)));
  return out;
}

absl::StatusOr<OAuthApp> OAuthAppService::Get(Caller* caller, const std::string& app_id) {
  auto session = ManageOAuthPrefix(caller, app_id);
  if (!session.ok()) return session.status();
  auto app = LoadOAuthApp(*config_, *apps_, app_id);
  if (!app.ok()) return app.status();
  if (absl::Status st = CheckOwnerOrSystemWide(*session, *app); !st.ok()) return st;
  return app;
}

bool OAuthAppService::TryGetAsync(Caller* caller, const std::string& app_id,
                                  std::function<void(absl::StatusOr<OAuthApp>)> done) {
  if (!apps_->has_async()) return false;
  auto session = auth_->RequireCachedSession(caller);
  if (!session) return false;
  if (!session->ok()) {
    done(session->status());
    return true;
  }
  if (absl::Status st = ManageOAuthChecks(**session, app_id); !st.ok()) {
    done(st);
    return true;
  }
  LoadOAuthAppAsync(
      *config_, *apps_, app_id,
      [this, session = **std::move(session), done = std::move(done)](absl::StatusOr<OAuthApp> app) {
        if (app.ok()) {
          if (absl::Status st = CheckOwnerOrSystemWide(session, *app); !st.ok()) app = st;
        }
        done(std::move(app));
      });
  return true;
}

absl::StatusOr<OAuthApp> OAuthAppService::Update(Caller* caller, const std::string& app_id,
                                                 const google::api::HttpBody& body) {
  auto session = ManageOAuthPrefix(caller, app_id);  // permission before the body is read
  if (!session.ok()) return session.status();
  OAuthApp in;
  if (absl::Status st = DecodeJsonBody(body, &in); !st.ok()) {
    return InvalidBodyParam("oauth_app", st.message());
  }
  if (in.id() != app_id) return InvalidBodyParam("app_id");
  auto old = LoadOAuthApp(*config_, *apps_, app_id);
  if (!old.ok()) return old.status();
  if (absl::Status st = CheckOwnerOrSystemWide(*session, *old); !st.ok()) return st;
  if (!auth_->HasPermission(*session, kManageSystem)) in.set_is_trusted(old->is_trusted());
  // PUT replaces everything but these (spec §2.5 step 9).
  in.set_id(old->id());
  in.set_creator_id(old->creator_id());
  in.set_create_at(old->create_at());
  in.set_client_secret(old->client_secret());
  if (old->has_is_dynamically_registered()) {
    in.set_is_dynamically_registered(true);
  } else {
    in.clear_is_dynamically_registered();
  }
  if (absl::Status st = StoreUpdate(&in); !st.ok()) return st;
  return in;
}

absl::Status OAuthAppService::Delete(Caller* caller, const std::string& app_id) {
  auto session = ManageOAuthPrefix(caller, app_id);
  if (!session.ok()) return session.status();
  auto app = LoadOAuthApp(*config_, *apps_, app_id);
  if (!app.ok()) return app.status();
  if (absl::Status st = CheckOwnerOrSystemWide(*session, *app); !st.ok()) return st;
  absl::Status st = apps_->Delete(app_id);
  if (!st.ok() && !absl::IsNotFound(st)) return StoreFailure(st, "app.oauth.delete_app.app_error");
  return absl::OkStatus();
}

absl::StatusOr<OAuthApp> OAuthAppService::RegenerateSecret(Caller* caller,
                                                           const std::string& app_id) {
  auto session = ManageOAuthPrefix(caller, app_id);
  if (!session.ok()) return session.status();
  auto app = LoadOAuthApp(*config_, *apps_, app_id);
  if (!app.ok()) return app.status();
  if (absl::Status st = CheckOwnerOrSystemWide(*session, *app); !st.ok()) return st;
  if (app->client_secret().empty()) {
    return AppError(400, "api.oauth.regenerate_secret.public_client.app_error",
                    absl::StrCat("app_id=", app_id));
  }
  // With --secret-rotation-grace the secret being replaced stays valid at the token endpoint for
  // that long, so that a client can roll to the new one without failing in between.
  std::optional<storage::PreviousSecret> previous;
  const int64_t now = NowMillis();
  if (config_->secret_rotation_grace > absl::ZeroDuration()) {
    previous = storage::PreviousSecret{
        app->client_secret(), now + absl::ToInt64Milliseconds(config_->secret_rotation_grace)};
  }
  app->set_client_secret(NewId());
  app->set_update_at(now);
  absl::Status st = apps_->UpdateSecret(model::ToRow(*app), previous);
  if (absl::IsNotFound(st))
    return AppError(400, "app.oauth.update_app.find.app_error", st.message());
  if (!st.ok()) return StoreFailure(st, "app.oauth.update_app.updating.app_error");
  return app;
}

absl::StatusOr<OAuthApp> OAuthAppService::SetResourceServer(
    Caller* caller, const oauthd::v1::SetOAuthAppResourceServerRequest& req) {
  auto session = auth_->RequireSession(caller);
  if (!session.ok()) return session.status();
  if (!IsValidId(req.app_id())) return InvalidUrlParam("app_id");
  caller->app_id = req.app_id();
  if (!auth_->HasPermission(*session, "manage_system"))
    return PermissionError(session->user_id(), "manage_system");
  if (absl::Status st = ProviderEnabled(); !st.ok()) return st;
  absl::Status st = apps_->SetResourceServer(req.app_id(), req.is_resource_server());
  if (absl::IsNotFound(st)) return AppError(404, "app.oauth.get_app.find.app_error");
  if (!st.ok()) return StoreFailure(st, "app.oauth.update_app.updating.app_error");
  return LoadOAuthApp(*config_, *apps_, req.app_id());
}

absl::StatusOr<OAuthApp> OAuthAppService::Info(Caller* caller, const std::string& app_id) {
  auto session = auth_->RequireSession(caller);
  if (!session.ok()) return session.status();
  if (!IsValidId(app_id)) return InvalidUrlParam("app_id");
  auto app = LoadOAuthApp(*config_, *apps_,
                          app_id);  // no permission check: any session may see the public part
  if (!app.ok()) return app.status();
  model::Sanitize(&*app);
  return app;
}

absl::StatusOr<std::vector<OAuthApp>> OAuthAppService::AuthorizedForUser(
    Caller* caller, const oauthd::v1::GetAuthorizedOAuthAppsRequest& req) {
  auto session = auth_->RequireSession(caller);
  if (!session.ok()) return session.status();
  const std::string user_id = req.user_id() == "me" ? session->user_id() : req.user_id();
  if (!IsValidId(user_id)) return InvalidUrlParam("user_id");
  auto allowed = auth_->HasPermissionToUser(*session, user_id);
  if (!allowed.ok()) return allowed.status();
  if (!*allowed) return PermissionError(session->user_id(), "edit_other_users");
  if (absl::Status st = ProviderEnabled(); !st.ok()) return st;
  auto rows = apps_->ListAuthorizedByUser(
      user_id, model::ParsePage(req.page(), req.per_page(), req.pagesize()));
  if (!rows.ok()) return StoreFailure(rows.status(), "app.oauth.get_apps.find.app_error");
  std::vector<OAuthApp> out;
  out.reserve(rows->size());
  for (auto& row : *rows) {
    out.push_back(model::ToProto(std::move(row)));
    model::Sanitize(&out.back());
  }
  return out;
}

}  // namespace oauthd::app
