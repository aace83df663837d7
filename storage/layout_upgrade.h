// Migration 0005: from the layout of earlier releases, which added oauthd's columns to Mattermost's
// tables (and created some of those tables in a shape of its own), to this release's, where
// Mattermost's tables are exactly Mattermost's and oauthd's data lives in its OAuthd* tables.
//
// Every step looks at the schema first and does only what is left, so an interrupted upgrade
// resumes when `oauthd migrate` runs again, and a database that never had the old layout (a fresh
// one, or Mattermost's own) passes through unchanged. Nothing acknowledged is lost while pods of
// the previous release keep serving: the old columns are renamed before their values are copied, so
// no write of an old pod can land in them after the copy (such a write fails instead, as does
// anything an old pod does with those tables until it is replaced).
#ifndef OAUTHD_STORAGE_LAYOUT_UPGRADE_H_
#define OAUTHD_STORAGE_LAYOUT_UPGRADE_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "storage/connection_pool.h"
#include "storage/secret_cipher.h"

namespace oauthd::storage {

// `cipher` opens codes and refresh tokens that the old layout kept sealed in Mattermost's columns
// (they are digested now, which needs their clear value); without the key they were sealed under,
// the upgrade stops and says which key id it needs.
absl::Status UpgradeLayout(ConnectionPool& pool, const SecretCipher& cipher,
                           const std::function<void(absl::string_view)>& progress);

// Whether the database holds Mattermost's own tables beyond the ones oauthd shares (a Mattermost
// server made it): then oauthd reshapes none of Mattermost's tables, it only removes what it added.
absl::StatusOr<bool> SharedWithMattermost(ConnectionPool& pool);

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_LAYOUT_UPGRADE_H_
