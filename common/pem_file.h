// Reading the PEM files that --tls-* flags name (both binaries).
#ifndef OAUTHD_COMMON_PEM_FILE_H_
#define OAUTHD_COMMON_PEM_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace oauthd {

// The file's text; INVALID_ARGUMENT naming `flag` and the path when it cannot be read or holds no
// PEM block.
absl::StatusOr<std::string> ReadPemFile(const std::string& path, absl::string_view flag);

}  // namespace oauthd

#endif  // OAUTHD_COMMON_PEM_FILE_H_
