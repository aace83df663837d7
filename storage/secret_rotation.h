// Brings stored secrets to the forms of storage/secret_cipher.h, in batches, while the service
// runs: `oauthd secrets rotate` (everything under the current key, clear text included) and the
// layout upgrade of `oauthd migrate` (values an earlier release sealed inside Mattermost's
// columns).
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
  int64_t resealed = 0;    // rewritten in the target form
  int64_t current = 0;     // already in the target form
  int64_t changed = 0;     // rewritten by the service between read and write (left as it wrote it)
  int64_t expired = 0;     // expired codes deleted instead of converted
  int64_t unreadable = 0;  // under a key the cipher does not know, or damaged
  std::string first_error;
};

enum class SecretScope {
  // `oauthd secrets rotate`: every secret under the cipher's current key: clear text and values
  // under a previous key are sealed (client secrets) or digested (codes, refresh tokens).
  kEverything,
  // The upgrade from the layout of earlier releases: only values sealed inside Mattermost's columns
  // ("oe1:…") move to where this release keeps them. Client secrets move as they are (no key
  // needed); codes and refresh tokens need their key to be digested.
  kSealedInMattermostColumns,
};

// Walks each secret column in primary-key order, `batch` rows per transaction. A value is written
// only if it is still the one read (compare-and-set), so a concurrent change by the service is
// never overwritten. Running it again continues the work: values already in their target form are
// skipped.
absl::StatusOr<std::vector<ColumnRotation>> RotateSecrets(
    ConnectionPool& pool, const SecretCipher& cipher, int batch, SecretScope scope,
    const std::function<void(const ColumnRotation&)>& progress);

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_SECRET_ROTATION_H_
