// Query strings and form bodies: percent-decoding, the token endpoint's form parser, and adding
// parameters to a redirect URI. input = form "\n" uri. Nothing crashes; a parsed form has no key
// twice; what AddQueryParams adds parses back out of the query it made.
#include <map>

#include "gateway/path_matcher.h"
#include "server/model/url_encoding.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto fields = oauthd::fuzz::Fields(data, size, 2);
  std::string decoded;
  (void)oauthd::gateway::PercentDecode(fields[0], &decoded, /*plus_as_space=*/true);
  std::map<std::string, std::string> form;
  const bool parsed = oauthd::model::ParseForm(fields[0], &form);
  if (!parsed) return 0;
  const std::string value = form.empty() ? fields[0] : form.begin()->second;
  const std::string uri = oauthd::model::AddQueryParams("https://client.example.com/cb?keep=1",
                                                        {{"code", value}, {"state", fields[1]}});
  const size_t q = uri.find('?');
  FUZZ_CHECK(q != std::string::npos && uri.find('#') == std::string::npos);
  std::map<std::string, std::string> back;
  FUZZ_CHECK(oauthd::model::ParseForm(uri.substr(q + 1), &back));
  FUZZ_CHECK(back["code"] == value && back["state"] == fields[1] && back["keep"] == "1");
  return 0;
}
