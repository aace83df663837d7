#include "server/cli/secret_flags.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace oauthd::cli {

void SecretFlags::Register(FlagSet& flags) {
  flags.String("secret-encryption-key", &key_,
               "32 bytes in base64 (`oauthd secrets new-key`): protect secrets at rest. Client\n"
               "secrets are sealed with AES-256-GCM in oauthd's tables; codes and refresh tokens\n"
               "are stored as SHA-256 digests. Empty: clear text, as Mattermost stores them (a\n"
               "Mattermost server sharing the database can then use them too). Prefer the\n"
               "environment variable to the command line");
  flags.String("secret-previous-keys", &previous_,
               "comma-separated keys values may still be sealed under (during `oauthd secrets\n"
               "rotate`); read, never written");
}

absl::StatusOr<const storage::SecretCipher*> SecretFlags::Cipher() {
  if (key_.empty()) {
    if (!previous_.empty())
      return absl::InvalidArgumentError("--secret-previous-keys needs --secret-encryption-key");
    return &storage::SecretCipher::ClearText();
  }
  auto created =
      storage::SecretCipher::Create(key_, absl::StrSplit(previous_, ',', absl::SkipWhitespace()));
  if (!created.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--secret-encryption-key: ", created.status().message()));
  }
  owned_ = std::move(*created);
  return owned_.get();
}

}  // namespace oauthd::cli
