// The one way the services load an app by id: 501 when the provider is off, 404 when there is no
// such app, 500 when the store fails (spec §2.4 steps 4–5, shared by app management and the
// authorization flow).
#ifndef OAUTHD_SERVER_APP_APP_LOOKUP_H_
#define OAUTHD_SERVER_APP_APP_LOOKUP_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "oauthd/v1/apps.pb.h"
#include "server/app/service_config.h"
#include "storage/app_store.h"

namespace oauthd::app {

absl::StatusOr<oauthd::v1::OAuthApp> LoadOAuthApp(const ServiceConfig& config,
                                                  storage::AppStore& apps,
                                                  const std::string& app_id);
// The same answers without blocking (AppStore::GetAsync): `done` may run on the database's loop
// thread.
void LoadOAuthAppAsync(const ServiceConfig& config, storage::AppStore& apps,
                       const std::string& app_id,
                       std::function<void(absl::StatusOr<oauthd::v1::OAuthApp>)> done);

}  // namespace oauthd::app

#endif  // OAUTHD_SERVER_APP_APP_LOOKUP_H_
