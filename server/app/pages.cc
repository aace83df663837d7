#include "server/app/pages.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/json_writer.h"
#include "common/mattermost_id.h"
#include "server/model/url_rules.h"

namespace oauthd::app {
namespace {

std::vector<std::pair<std::string, std::string>> SecurityHeaders(const std::string& nonce) {
  return {
      {"content-security-policy",
       absl::StrCat("default-src 'none'; script-src 'nonce-", nonce, "'; style-src 'nonce-", nonce,
                    "'; img-src https: http: data:; connect-src 'self'; base-uri 'none'; "
                    "form-action 'none'; "
                    "frame-ancestors 'none'")},
      {"x-frame-options", "DENY"},
      {"cache-control", "no-store"},
  };
}

constexpr char kStyle[] = R"css(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1e2329;margin:0}
main{max-width:28rem;margin:10vh auto;background:#fff;border-radius:8px;box-shadow:0 2px 12px rgba(0,0,0,.08);
padding:2rem}
h1{font-size:1.3rem;margin:.5rem 0 1rem}.app{display:flex;gap:1rem;align-items:center}
.app img{width:48px;height:48px;border-radius:8px}.muted{color:#5d6570;font-size:.9rem}
.actions{display:flex;gap:.75rem;margin-top:1.5rem}
button,a.button{flex:1;padding:.7rem 1rem;border-radius:6px;font-size:1rem;text-align:center;text-decoration:none;
cursor:pointer;border:1px solid #1c58d9}
#allow{background:#1c58d9;color:#fff}a.button{color:#1c58d9;background:#fff}#error{color:#b3261e;margin-top:1rem}
)css";

}  // namespace

std::string HtmlEscape(absl::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string RedirectTarget(absl::string_view uri) {
  const size_t colon = uri.find(':');
  if (colon == absl::string_view::npos) return std::string(uri);
  if (!absl::StartsWith(uri.substr(colon), "://")) return std::string(uri.substr(0, colon + 1));
  absl::string_view rest = uri.substr(colon + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  const size_t at = rest.rfind('@');  // user info is no part of where the browser goes
  if (at != absl::string_view::npos) rest.remove_prefix(at + 1);
  return std::string(rest);
}

Page ConsentPage(const oauthd::v1::OAuthApp& app, const oauthd::v1::AuthorizeRequest& request,
                 const std::string& csrf_token, const std::string& deny_url,
                 const std::string& account) {
  const std::string nonce = NewId();
  std::string request_json, csrf_json;
  WriteJson(request,
            &request_json);  // HTML-safe: <, >, & are \u-escaped, so it cannot close the script
  AppendJsonString(csrf_token, &csrf_json);
  const std::string name = HtmlEscape(app.name());
  std::string icon;
  if (model::IsValidHttpUrl(app.icon_url())) {
    icon = absl::StrCat("<img src=\"", HtmlEscape(app.icon_url()), "\" alt=\"\">");
  }
  std::string homepage;
  if (model::IsValidHttpUrl(app.homepage())) {
    homepage = absl::StrCat("<div class=\"muted\"><a href=\"", HtmlEscape(app.homepage()),
                            "\" rel=\"noopener noreferrer\" target=\"_blank\">",
                            HtmlEscape(app.homepage()), "</a></div>");
  }
  std::string signed_in;
  if (!account.empty()) {
    signed_in = absl::StrCat("<p class=\"muted\">Signed in as <strong id=\"account\">",
                             HtmlEscape(account), "</strong></p>");
  }
  Page page;
  page.headers = SecurityHeaders(nonce);
  page.html = absl::StrCat(
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "<title>Authorize ",
      name, "</title><style nonce=\"", nonce, "\">", kStyle, "</style></head><body><main>",
      "<div class=\"app\">", icon, "<div><strong id=\"app-name\">", name, "</strong>", homepage,
      "</div></div>", "<h1>", name, " would like to access your account</h1>", signed_in,
      "<p class=\"muted\">", HtmlEscape(app.description()), "</p>",
      "<p class=\"muted\">It will be able to act on your behalf. You can revoke this later.</p>",
      "<p class=\"muted\">Allowing sends you to <strong id=\"redirect-host\">",
      HtmlEscape(RedirectTarget(request.redirect_uri())), "</strong></p>",
      "<div class=\"actions\"><a class=\"button\" id=\"deny\" href=\"", HtmlEscape(deny_url),
      "\">Deny</a>",
      "<button id=\"allow\" type=\"button\">Allow</button></div><div id=\"error\" "
      "role=\"alert\"></div>",
      "</main><script nonce=\"", nonce, "\">\n", "const request = ", request_json,
      ";\nconst csrf = ", csrf_json, ";\n",
      R"js(document.getElementById('allow').addEventListener('click', async () => {
  const button = document.getElementById('allow');
  button.disabled = true;
  try {
    const res = await fetch(window.location.pathname, {
      method: 'POST', credentials: 'same-origin',
      headers: {'Content-Type': 'application/json', 'X-Requested-With': 'XMLHttpRequest', 'X-CSRF-Token': csrf},
      body: JSON.stringify(request),
    });
    const data = await res.json();
    if (res.ok && data.redirect) { window.location.assign(data.redirect); return; }
    document.getElementById('error').textContent = data.message || 'Authorization failed.';
  } catch (e) {
    document.getElementById('error').textContent = 'Authorization failed.';
  }
  button.disabled = false;
});
</script></body></html>)js");
  return page;
}

Page ErrorPage(int status, absl::string_view title, absl::string_view message) {
  const std::string nonce = NewId();
  Page page;
  page.headers = SecurityHeaders(nonce);
  page.html = absl::StrCat("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>",
                           HtmlEscape(title), "</title><style nonce=\"", nonce, "\">", kStyle,
                           "</style></head><body><main><h1>", HtmlEscape(title), "</h1><p>",
                           HtmlEscape(message), "</p><p class=\"muted\">Error ", status,
                           "</p></main></body></html>");
  return page;
}

}  // namespace oauthd::app
