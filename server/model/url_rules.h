// URL checks with Mattermost's semantics (Go's url.ParseRequestURI underneath IsValidHTTPURL).
#ifndef OAUTHD_SERVER_MODEL_URL_RULES_H_
#define OAUTHD_SERVER_MODEL_URL_RULES_H_

#include <string>

#include "absl/strings/string_view.h"

namespace oauthd::model {

struct ParsedUrl {
  std::string scheme;  // as written
  std::string host;    // without the port
  std::string port;    // digits, or "" when absent
  std::string path;    // escaped path as written, e.g. "/a%20b"
  std::string query;   // raw query without '?'
  bool has_query = false;
  std::string fragment;
  bool has_fragment = false;
};

// Parses an absolute URI "scheme://host[:port][/path][?query][#fragment]". Returns false for
// relative references, an empty scheme or host, a non-numeric port, control characters or bad
// percent escapes.
bool ParseAbsoluteUrl(absl::string_view s, ParsedUrl* out);

// Mattermost's IsValidHTTPURL: literally starts with http:// or https:// and parses with a host.
bool IsValidHttpUrl(absl::string_view s);

// Number of UTF-8 code points (Go's utf8.RuneCountInString, invalid bytes counting one each).
size_t RuneCount(absl::string_view s);

}  // namespace oauthd::model

#endif  // OAUTHD_SERVER_MODEL_URL_RULES_H_
