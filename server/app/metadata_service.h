// RFC 8414 authorization-server metadata (spec §4, with the architecture's decisions).
#ifndef OAUTHD_SERVER_APP_METADATA_SERVICE_H_
#define OAUTHD_SERVER_APP_METADATA_SERVICE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "oauthd/v1/server.pb.h"
#include "server/app/authenticator.h"
#include "server/app/service_config.h"

namespace oauthd::app {

absl::StatusOr<oauthd::v1::AuthorizationServerMetadata> BuildAuthorizationServerMetadata(
    const ServiceConfig& config);
// The metadata for a caller: the document, and a Cache-Control header letting any cache share it
// for config.metadata_max_age.
absl::StatusOr<oauthd::v1::AuthorizationServerMetadata> GetAuthorizationServerMetadata(
    const ServiceConfig& config, Caller* caller);

// Go's url.JoinPath for our case: the site URL with `path` appended to its path, duplicate slashes
// cleaned.
absl::StatusOr<std::string> JoinUrlPath(absl::string_view base, absl::string_view path);

}  // namespace oauthd::app

#endif  // OAUTHD_SERVER_APP_METADATA_SERVICE_H_
