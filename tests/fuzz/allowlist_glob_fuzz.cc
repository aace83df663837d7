// The DCR redirect-URI allowlist: input = pattern "\n" URI. Nothing crashes (no runaway
// backtracking either: the fuzzer's timeout catches that); a pattern without wildcards matches only
// itself; an empty list allows anything.
#include "server/model/redirect_allowlist.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace oauthd::model;
  const auto fields = oauthd::fuzz::Fields(data, size, 2);
  const std::string& pattern = fields[0];
  const std::string& uri = fields[1];
  const bool glob = GlobMatch(pattern, uri);
  if (pattern.find('*') == std::string::npos) FUZZ_CHECK(glob == (pattern == uri));
  (void)RedirectUriMatchesAllowlist(uri, {pattern});
  FUZZ_CHECK(RedirectUriMatchesAllowlist(uri, {}));
  return 0;
}
