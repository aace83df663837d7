// The HTML the browser side of the flow sees: the consent page and small error pages.
// Self-contained (no external assets), every dynamic value escaped, scripts and styles allowed only
// by a per-page nonce.
#ifndef OAUTHD_SERVER_APP_PAGES_H_
#define OAUTHD_SERVER_APP_PAGES_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "oauthd/v1/apps.pb.h"
#include "oauthd/v1/authorize.pb.h"

namespace oauthd::app {

struct Page {
  std::string html;
  std::vector<std::pair<std::string, std::string>> headers;  // CSP and friends
};

// Allow posts `request` as JSON to the page's own URL with the session's CSRF token; Deny goes to
// `deny_url`. The page names the app (with its icon), the account signing in (`account`, e.g.
// "@alice"; left out when empty) and where the browser goes afterwards (RedirectTarget).
Page ConsentPage(const oauthd::v1::OAuthApp& app, const oauthd::v1::AuthorizeRequest& request,
                 const std::string& csrf_token, const std::string& deny_url,
                 const std::string& account);
Page ErrorPage(int status, absl::string_view title, absl::string_view message);

// Where a redirect URI sends the browser, as a user can check it: the host (and port) of an
// http(s) URI, or the scheme of an app's own URI ("com.example.app:").
std::string RedirectTarget(absl::string_view redirect_uri);

std::string HtmlEscape(absl::string_view s);

}  // namespace oauthd::app

#endif  // OAUTHD_SERVER_APP_PAGES_H_
