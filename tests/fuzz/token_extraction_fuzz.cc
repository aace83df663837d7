// Where a caller's token comes from (Mattermost's ParseAuthTokenFromRequest: cookie, then
// Authorization, then ?access_token=) and the CSRF value of a session's props. input = cookie "\n"
// authorization "\n" query token
// "\n" props JSON. Nothing crashes; a token never comes from more than one place.
#include "server/app/authenticator.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto fields = oauthd::fuzz::Fields(data, size, 4);
  oauthd::app::Caller caller;
  caller.cookie = fields[0];
  caller.authorization = fields[1];
  caller.query_access_token = fields[2];
  const auto token = oauthd::app::ExtractToken(caller);
  FUZZ_CHECK(!(token.from_cookie && token.from_query));
  if (token.from_query) FUZZ_CHECK(token.token == fields[2]);
  (void)oauthd::app::CsrfFromProps(fields[3]);
  return 0;
}
