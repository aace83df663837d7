// The authorization flow as a client drives it in tests: an app, a code, the token endpoint, and a
// call that tells whether an access token still works. Shared by the flow tests and the
// concurrency tests; every helper can talk to another oauthd process on the same database.
#ifndef OAUTHD_TESTS_LIB_FLOW_FIXTURE_H_
#define OAUTHD_TESTS_LIB_FLOW_FIXTURE_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tests/lib/server_fixture.h"

namespace oauthd::testing {

inline constexpr char kVerifier[] =
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";  // RFC 7636 Appendix B
inline constexpr char kChallenge[] = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
inline constexpr char kCallback[] = "https://client.example.com/cb?keep=1";

using Form = std::vector<std::pair<std::string, std::string>>;

// Query parameters of a URL (after '?', before '#').
std::map<std::string, std::string> QueryOf(const std::string& url);

class FlowTest : public ServerTest {
 protected:
  oauthd::v1::OAuthApp NewApp(bool is_public = false, bool trusted = false);
  oauthd::v1::AuthorizeRequest Request(const oauthd::v1::OAuthApp& app,
                                       const std::string& state = "xyz ä/&=");
  CallResult Authorize(const oauthd::v1::AuthorizeRequest& req, const Metadata& md,
                       std::string* redirect = nullptr);
  // Authorizes as `who` and returns the code.
  std::string Code(const oauthd::v1::AuthorizeRequest& req, const SeededUser& who);
  // POST /oauth/access_token with `form`, to `flow` (default: the fixture's oauthd).
  CallResult Token(const Form& form, oauthd::v1::AccessTokenResponse* out = nullptr,
                   oauthd::v1::Authorization::Stub* flow = nullptr);
  CallResult CodeToken(const oauthd::v1::OAuthApp& app, const std::string& code,
                       oauthd::v1::AccessTokenResponse* out = nullptr,
                       const std::string& verifier = "");
  // The refresh_token grant for a confidential app.
  CallResult Refresh(const oauthd::v1::OAuthApp& app, const std::string& refresh_token,
                     oauthd::v1::AccessTokenResponse* out = nullptr,
                     oauthd::v1::Authorization::Stub* flow = nullptr);
  CallResult Deauthorize(const SeededUser& who, const std::string& client_id);
  // Calls a session-required endpoint with `token`; returns the HTTP status.
  int UseToken(const std::string& token, oauthd::v1::OAuthAppList* out = nullptr);
};

}  // namespace oauthd::testing

#endif  // OAUTHD_TESTS_LIB_FLOW_FIXTURE_H_
