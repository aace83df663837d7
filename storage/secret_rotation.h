// `oauthd secrets rotate`: re-seals every stored secret under the cipher's current key, in batches,
// while the service runs.
#ifndef OAUTHD_STORAGE_SECRET_ROTATION_H_
#define OAUTHD_STORAGE_SECRET_ROTATION_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/connection_pool.h"
#include "storage/secret_cipher.h"

namespace oauthd::storage {

struct ColumnRotation {
  std::string column;      // e.g. "OAuthApps.ClientSecret"
  int64_t examined = 0;    // non-empty values seen
  int64_t resealed = 0;    // rewritten under the current key
  int64_t current = 0;     // already under the current key
  int64_t changed = 0;     // rewritten by the service between read and write (left as it wrote it)
  int64_t unreadable = 0;  // under a key the cipher does not know, or damaged
  std::string first_error;
};

// Walks each secret column in primary-key order, `batch` rows per transaction, and rewrites every
// value that is clear text or under a previous key. A value is written only if it is still the one
// read (compare-and-set), so a concurrent change by the service is never overwritten. Running it
// again continues the work: values already under the current key are skipped.
absl::StatusOr<std::vector<ColumnRotation>> RotateSecrets(
    ConnectionPool& pool, const SecretCipher& cipher, int batch,
    const std::function<void(const ColumnRotation&)>& progress);

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_SECRET_ROTATION_H_
