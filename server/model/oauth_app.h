// The OAuthApp model's rules (spec §1.4, §1.5): validation in Mattermost's order with its error
// ids, and the secret-free view that /info and the authorized list return.
#ifndef OAUTHD_SERVER_MODEL_OAUTH_APP_H_
#define OAUTHD_SERVER_MODEL_OAUTH_APP_H_

#include "absl/status/status.h"
#include "oauthd/v1/apps.pb.h"
#include "storage/models.h"

namespace oauthd::model {

// OAuthApp.IsValid: OK, or a 400 AppError `model.oauth.is_valid.*`.
absl::Status ValidateOAuthApp(const oauthd::v1::OAuthApp& app);

// The callback-list length Mattermost measures: Go's "%s" of the slice, "[a b c]".
size_t CallbackListRenderedLength(const oauthd::v1::OAuthApp& app);

// Sanitize: the secret is blanked, nothing else.
void Sanitize(oauthd::v1::OAuthApp* app);

oauthd::v1::OAuthApp ToProto(const storage::OAuthAppRow& row);
oauthd::v1::OAuthApp ToProto(storage::OAuthAppRow&& row);
storage::OAuthAppRow ToRow(const oauthd::v1::OAuthApp& app);

}  // namespace oauthd::model

#endif  // OAUTHD_SERVER_MODEL_OAUTH_APP_H_
