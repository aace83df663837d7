// OAuthApps.CallbackUrls holds a JSON array of strings, as Mattermost writes it (e.g.
// ["https://a/cb"]).
#ifndef OAUTHD_STORAGE_STRING_LIST_JSON_H_
#define OAUTHD_STORAGE_STRING_LIST_JSON_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace oauthd::storage {

std::string EncodeStringList(const std::vector<std::string>& items);
// Accepts what Go's json.Marshal writes (and NULL/"" as an empty list).
absl::StatusOr<std::vector<std::string>> DecodeStringList(absl::string_view json);

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_STRING_LIST_JSON_H_
