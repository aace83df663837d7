// The gateway's path templates and matching: input = template "\n" request path. Parsing never
// crashes; a parsed template routes any path without crashing; a match binds only what the template
// declares.
#include "gateway/http_template.h"
#include "gateway/path_matcher.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace oauthd::gateway;
  const auto fields = oauthd::fuzz::Fields(data, size, 2);
  auto tmpl = ParseHttpTemplate(fields[0]);
  std::string decoded;
  (void)PercentDecode(fields[1], &decoded, /*plus_as_space=*/false);
  if (!tmpl.ok()) return 0;
  const size_t declared = tmpl->variables.size();
  PathMatcher matcher;
  matcher.Add("GET", *tmpl, 7);
  PathMatch match;
  std::vector<std::string> allowed;
  const auto result = matcher.Match("GET", fields[1], &match, &allowed);
  if (result == PathMatcher::Result::kMatched) {
    FUZZ_CHECK(match.binding == 7);
    FUZZ_CHECK(match.variables.size() <= declared);
  }
  match = PathMatch();
  allowed.clear();
  if (matcher.Match("POST", fields[1], &match, &allowed) == PathMatcher::Result::kWrongMethod) {
    FUZZ_CHECK(allowed.size() == 1 && allowed[0] == "GET");
  }
  return 0;
}
