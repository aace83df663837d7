// Query-string and form encoding as Go's net/url does it: QueryEscape, form parsing, and adding
// parameters to a redirect URI while keeping its existing query and fragment as they are.
#ifndef OAUTHD_SERVER_MODEL_URL_ENCODING_H_
#define OAUTHD_SERVER_MODEL_URL_ENCODING_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace oauthd::model {

// url.QueryEscape: unreserved characters stay, space becomes '+', everything else %XX.
std::string QueryEscape(absl::string_view s);

// One form-encoded value decoded ('+' is a space, %XX a byte). False on a malformed escape.
bool FormUnescape(absl::string_view in, std::string* out);

// application/x-www-form-urlencoded → first value of each key. False on a malformed escape.
bool ParseForm(absl::string_view body, std::map<std::string, std::string>* out);

// `uri` with `params` appended to its query ("?" or "&"), before any fragment. Existing parameters
// are kept byte for byte.
std::string AddQueryParams(absl::string_view uri,
                           const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace oauthd::model

#endif  // OAUTHD_SERVER_MODEL_URL_ENCODING_H_
