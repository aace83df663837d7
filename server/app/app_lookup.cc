#include "server/app/app_lookup.h"

#include "absl/strings/str_cat.h"
#include "server/app/api_error.h"
#include "server/model/oauth_app.h"

namespace oauthd::app {

namespace {

absl::StatusOr<oauthd::v1::OAuthApp> FromStore(const absl::StatusOr<storage::OAuthAppRow>& row,
                                               const std::string& app_id) {
  if (absl::IsNotFound(row.status())) {
    return AppError(404, "app.oauth.get_app.find.app_error", absl::StrCat("app_id=", app_id));
  }
  if (!row.ok()) return StoreFailure(row.status(), "app.oauth.get_app.finding.app_error");
  return model::ToProto(*row);
}

absl::Status ProviderOff() { return AppError(501, "api.oauth.allow_oauth.turn_off.app_error"); }

}  // namespace

absl::StatusOr<oauthd::v1::OAuthApp> LoadOAuthApp(const ServiceConfig& config,
                                                  storage::AppStore& apps,
                                                  const std::string& app_id) {
  if (!config.enable_oauth_service_provider) return ProviderOff();
  return FromStore(apps.Get(app_id), app_id);
}

void LoadOAuthAppAsync(const ServiceConfig& config, storage::AppStore& apps,
                       const std::string& app_id,
                       std::function<void(absl::StatusOr<oauthd::v1::OAuthApp>)> done) {
  if (!config.enable_oauth_service_provider) return done(ProviderOff());
  apps.GetAsync(app_id, [app_id, done = std::move(done)](absl::StatusOr<storage::OAuthAppRow> row) {
    done(FromStore(row, app_id));
  });
}

}  // namespace oauthd::app
