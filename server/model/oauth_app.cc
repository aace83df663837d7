#include "server/model/oauth_app.h"

#include "absl/strings/str_cat.h"
#include "common/mattermost_id.h"
#include "server/app/api_error.h"
#include "server/model/url_rules.h"

namespace oauthd::model {
namespace {

absl::Status Invalid(absl::string_view field, const oauthd::v1::OAuthApp& app,
                     bool with_app_id = true) {
  return app::AppError(400, absl::StrCat("model.oauth.is_valid.", field, ".app_error"),
                       with_app_id ? absl::StrCat("app_id=", app.id()) : "");
}

}  // namespace

size_t CallbackListRenderedLength(const oauthd::v1::OAuthApp& app) {
  size_t n = 2;  // the brackets
  for (int i = 0; i < app.callback_urls_size(); ++i) n += app.callback_urls(i).size() + (i ? 1 : 0);
  return n;
}

absl::Status ValidateOAuthApp(const oauthd::v1::OAuthApp& app) {
  const bool dcr = app.has_is_dynamically_registered() && app.is_dynamically_registered();
  if (!IsValidId(app.id())) return Invalid("app_id", app, false);
  if (app.create_at() == 0) return Invalid("create_at", app);
  if (app.update_at() == 0) return Invalid("update_at", app);
  if (!dcr && !IsValidId(app.creator_id())) return Invalid("creator_id", app);
  if (!app.client_secret().empty() && app.client_secret().size() > 128)
    return Invalid("client_secret", app);
  if (app.name().empty() || app.name().size() > 64) return Invalid("name", app);
  if (app.callback_urls_size() == 0 || CallbackListRenderedLength(app) > 1024)
    return Invalid("callback", app);
  for (const std::string& cb : app.callback_urls()) {
    ParsedUrl u;
    // Dynamically registered apps may use custom schemes (native and MCP clients), checked at
    // registration.
    const bool ok = dcr ? ParseAbsoluteUrl(cb, &u) : IsValidHttpUrl(cb);
    if (!ok) return Invalid("callback", app, false);
  }
  if (!dcr && app.homepage().empty()) return Invalid("homepage", app);
  if (!app.homepage().empty() && (app.homepage().size() > 256 || !IsValidHttpUrl(app.homepage()))) {
    return Invalid("homepage", app);
  }
  if (RuneCount(app.description()) > 512) return Invalid("description", app);
  if (!app.icon_url().empty() && (app.icon_url().size() > 512 || !IsValidHttpUrl(app.icon_url()))) {
    return Invalid("icon_url", app);
  }
  if (app.mattermost_app_id().size() > 32) return Invalid("mattermost_app_id", app);
  return absl::OkStatus();
}

void Sanitize(oauthd::v1::OAuthApp* app) { app->clear_client_secret(); }

oauthd::v1::OAuthApp ToProto(storage::OAuthAppRow&& row) {
  // Moves every string: a list converts up to 200 rows per call.
  oauthd::v1::OAuthApp a;
  a.set_id(std::move(row.id));
  a.set_creator_id(std::move(row.creator_id));
  a.set_create_at(row.create_at);
  a.set_update_at(row.update_at);
  a.set_client_secret(std::move(row.client_secret));
  a.set_name(std::move(row.name));
  a.set_description(std::move(row.description));
  a.set_icon_url(std::move(row.icon_url));
  a.mutable_callback_urls()->Reserve(static_cast<int>(row.callback_urls.size()));
  for (auto& cb : row.callback_urls) a.add_callback_urls(std::move(cb));
  a.set_homepage(std::move(row.homepage));
  a.set_is_trusted(row.is_trusted);
  a.set_mattermost_app_id(std::move(row.mattermost_app_id));
  if (row.is_dynamically_registered) a.set_is_dynamically_registered(true);  // omitempty
  if (row.is_resource_server) a.set_is_resource_server(true);
  return a;
}

oauthd::v1::OAuthApp ToProto(const storage::OAuthAppRow& row) {
  return ToProto(storage::OAuthAppRow(row));
}

storage::OAuthAppRow ToRow(const oauthd::v1::OAuthApp& a) {
  storage::OAuthAppRow row;
  row.id = a.id();
  row.creator_id = a.creator_id();
  row.create_at = a.create_at();
  row.update_at = a.update_at();
  row.client_secret = a.client_secret();
  row.name = a.name();
  row.description = a.description();
  row.icon_url = a.icon_url();
  row.callback_urls.assign(a.callback_urls().begin(), a.callback_urls().end());
  row.homepage = a.homepage();
  row.is_trusted = a.is_trusted();
  row.mattermost_app_id = a.mattermost_app_id();
  row.is_dynamically_registered =
      a.has_is_dynamically_registered() && a.is_dynamically_registered();
  return row;
}

}  // namespace oauthd::model
