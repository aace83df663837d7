// --secret-encryption-key and --secret-previous-keys, shared by `oauthd serve` (which seals and
// reads with them) and `oauthd migrate` (whose layout upgrade opens what earlier releases sealed).
#ifndef OAUTHD_SERVER_CLI_SECRET_FLAGS_H_
#define OAUTHD_SERVER_CLI_SECRET_FLAGS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/flag_set.h"
#include "storage/secret_cipher.h"

namespace oauthd::cli {

class SecretFlags {
 public:
  void Register(FlagSet& flags);
  // The cipher the flags describe (clear text without a key); INVALID_ARGUMENT naming the bad flag.
  absl::StatusOr<const storage::SecretCipher*> Cipher();

 private:
  std::string key_, previous_;
  std::unique_ptr<storage::SecretCipher> owned_;
};

}  // namespace oauthd::cli

#endif  // OAUTHD_SERVER_CLI_SECRET_FLAGS_H_
