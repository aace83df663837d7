// Redirect URIs as registration (RFC 7591), app validation and the authorization request check
// them. Nothing crashes; a URI accepted as an http(s) URL parses as absolute with a host;
// registration never accepts a dangerous scheme.
#include "absl/strings/ascii.h"
#include "oauthd/v1/server.pb.h"
#include "server/app/registration_service.h"
#include "server/model/authorize_request.h"
#include "server/model/redirect_allowlist.h"
#include "server/model/url_rules.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace oauthd;
  const std::string uri(reinterpret_cast<const char*>(data), size);
  model::ParsedUrl parsed;
  const bool absolute = model::ParseAbsoluteUrl(uri, &parsed);
  if (model::IsValidHttpUrl(uri)) FUZZ_CHECK(absolute && !parsed.host.empty());
  v1::ClientRegistrationRequest reg;
  reg.add_redirect_uris(uri);
  if (app::ValidateRegistration(reg).ok()) {
    FUZZ_CHECK(absolute && !model::IsDangerousScheme(absl::AsciiStrToLower(parsed.scheme)));
  }
  v1::AuthorizeRequest req;
  req.set_client_id("abcdefghijklmnopqrstuvwxyz");
  req.set_response_type("code");
  req.set_redirect_uri(uri);
  (void)model::ValidateAuthorizeRequest(req);
  return 0;
}
