// OAuthApps: the client apps, and the joins that list a user's authorized apps.
#ifndef OAUTHD_STORAGE_APP_STORE_H_
#define OAUTHD_STORAGE_APP_STORE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/connection_pool.h"
#include "storage/models.h"

namespace oauthd::storage {

struct Page {
  int64_t offset = 0;
  int64_t limit = 60;
};

class AppStore {
 public:
  explicit AppStore(ConnectionPool* pool) : pool_(pool) {}

  // ALREADY_EXISTS when the id is taken.
  absl::Status Save(const OAuthAppRow& app);
  // NOT_FOUND when there is no such app.
  absl::StatusOr<OAuthAppRow> Get(const std::string& id);
  // Writes every mutable column (spec §2.5 step 10); NOT_FOUND when the app is gone.
  absl::Status Update(const OAuthAppRow& app);
  // Removes the app with its sessions, access data, pending codes and `oauth_app` preferences, in
  // one transaction. NOT_FOUND when there was no such app (and nothing is changed).
  absl::Status Delete(const std::string& id);

  // Lists are ordered by (CreateAt, Id) so that paging is stable.
  absl::StatusOr<std::vector<OAuthAppRow>> List(Page page);
  absl::StatusOr<std::vector<OAuthAppRow>> ListByCreator(const std::string& creator_id, Page page);
  // Apps the user authorized: joined with the user's `oauth_app` preferences.
  absl::StatusOr<std::vector<OAuthAppRow>> ListAuthorizedByUser(const std::string& user_id,
                                                                Page page);

 private:
  ConnectionPool* pool_;
};

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_APP_STORE_H_
