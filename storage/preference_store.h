// Preferences: per-user key/value rows; category `oauth_app` records which apps a user authorized
// (spec §6.1).
#ifndef OAUTHD_STORAGE_PREFERENCE_STORE_H_
#define OAUTHD_STORAGE_PREFERENCE_STORE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/connection_pool.h"
#include "storage/models.h"

namespace oauthd::storage {

inline constexpr char kOAuthAppPreferenceCategory[] = "oauth_app";

class PreferenceStore {
 public:
  explicit PreferenceStore(ConnectionPool* pool) : pool_(pool) {}

  // Insert or replace (the key is user, category, name).
  absl::Status Save(const PreferenceRow& pref);
  // NOT_FOUND when absent.
  absl::StatusOr<PreferenceRow> Get(const std::string& user_id, const std::string& category,
                                    const std::string& name);
  absl::Status Delete(const std::string& user_id, const std::string& category,
                      const std::string& name);

 private:
  ConnectionPool* pool_;
};

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_PREFERENCE_STORE_H_
