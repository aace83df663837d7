#include "server/app/app_lookup.h"

#include "absl/strings/str_cat.h"
#include "server/app/api_error.h"
#include "server/model/oauth_app.h"

namespace oauthd::app {

absl::StatusOr<oauthd::v1::OAuthApp> LoadOAuthApp(const ServiceConfig& config,
                                                  storage::AppStore& apps,
                                                  const std::string& app_id) {
  if (!config.enable_oauth_service_provider)
    return AppError(501, "api.oauth.allow_oauth.turn_off.app_error");
  auto row = apps.Get(app_id);
  if (absl::IsNotFound(row.status())) {
    return AppError(404, "app.oauth.get_app.find.app_error", absl::StrCat("app_id=", app_id));
  }
  if (!row.ok()) return StoreFailure(row.status(), "app.oauth.get_app.finding.app_error");
  return model::ToProto(*row);
}

}  // namespace oauthd::app
