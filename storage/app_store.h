// OAuthApps (Mattermost's) with OAuthdApps (oauthd's: the registration flag and a sealed secret):
// the client apps, and the joins that list a user's authorized apps.
#ifndef OAUTHD_STORAGE_APP_STORE_H_
#define OAUTHD_STORAGE_APP_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/async_db.h"
#include "storage/cluster_lease.h"
#include "storage/connection_pool.h"
#include "storage/models.h"
#include "storage/replica_reads.h"
#include "storage/secret_cipher.h"

namespace oauthd::storage {

struct Page {
  int64_t offset = 0;
  int64_t limit = 60;
};

class AppStore {
 public:
  // Client secrets are sealed with `cipher` on the way in and opened on the way out.
  // `async`, if given, serves GetAsync without a blocked thread. `replica`, if given, serves the
  // lists (which may then lag the primary by up to its max_lag, as Mattermost's lists on
  // DataSourceReplicas do); everything else reads the primary.
  explicit AppStore(ConnectionPool* pool, const SecretCipher* cipher = &SecretCipher::ClearText(),
                    AsyncDb* async = nullptr, ReplicaReads* replica = nullptr)
      : pool_(pool), cipher_(cipher), async_(async), replica_(replica) {}

  // ALREADY_EXISTS when the id is taken.
  absl::Status Save(const OAuthAppRow& app);
  // Saves a dynamically registered app unless `max_dynamic` of them exist already
  // (RESOURCE_EXHAUSTED). The count and the insert share a transaction with a write of the cap's
  // guard row (cluster_lease.h), so concurrent registrations on any node serialize or conflict
  // and run again: pods do not overshoot.
  absl::Status SaveDynamic(const OAuthAppRow& app, int64_t max_dynamic);
  // NOT_FOUND when there is no such app.
  absl::StatusOr<OAuthAppRow> Get(const std::string& id);
  // Get without blocking: `done` runs on the asynchronous database's loop thread (and must not
  // block). Without one, it is Get, run on the calling thread.
  void GetAsync(const std::string& id, std::function<void(absl::StatusOr<OAuthAppRow>)> done);
  bool has_async() const { return async_ != nullptr; }
  // Writes every mutable column (spec §2.5 step 10); NOT_FOUND when the app is gone.
  absl::Status Update(const OAuthAppRow& app);
  // Update for a new secret: in the same transaction, `previous` becomes the one previous secret
  // (or, without it, any previous secret is forgotten).
  absl::Status UpdateSecret(const OAuthAppRow& app, const std::optional<PreviousSecret>& previous);
  // Marks the app as a resource server (it may introspect any token) or not; NOT_FOUND when there
  // is no such app.
  absl::Status SetResourceServer(const std::string& id, bool is_resource_server);
  // NOT_FOUND when the app has no previous secret.
  absl::StatusOr<PreviousSecret> GetPreviousSecret(const std::string& id);
  // Removes the app with its sessions, access data, pending codes and `oauth_app` preferences, in
  // one transaction. NOT_FOUND when there was no such app (and nothing is changed).
  absl::Status Delete(const std::string& id);

  // Lists are ordered by Id, so that paging is stable: the primary key's order, which is what
  // Mattermost's unordered queries return from InnoDB, and which Mattermost's own indexes serve
  // (the creator index and the preferences' key end in the app id).
  absl::StatusOr<std::vector<OAuthAppRow>> List(Page page);
  absl::StatusOr<std::vector<OAuthAppRow>> ListByCreator(const std::string& creator_id, Page page);
  // Apps the user authorized: joined with the user's `oauth_app` preferences.
  absl::StatusOr<std::vector<OAuthAppRow>> ListAuthorizedByUser(const std::string& user_id,
                                                                Page page);

  // --dcr-idle-ttl: deletes (as Delete does) dynamically registered apps created before
  // `idle_before` (ms) that got no token and no code since then and hold no refresh token (they
  // never expire). Runs only when it takes the lease `dcr_reaper` (for `lease`, a little less than
  // the time between rounds), so one pod per round reaps, whatever database node it uses; returns
  // how many it deleted (0 when another pod has the lease).
  absl::StatusOr<int> ReapIdleDynamicClients(int64_t idle_before, int limit, absl::Duration lease);
  // Records that a client got a token at `at` (ms), for the reaper.
  absl::Status RecordTokenActivity(const std::string& client_id, int64_t at);
  // The same without waiting for the outcome (on the non-blocking client if there is one): a lost
  // record only delays the reaper's verdict.
  void RecordTokenActivityAsync(const std::string& client_id, int64_t at);

 private:
  // Runs the read-only `fn` where a list may be read: the replica while fresh, else the primary.
  template <typename Fn>
  auto ReadMayLag(Fn&& fn) -> decltype(fn(std::declval<DbConn&>())) {
    return replica_ != nullptr ? replica_->Run(fn) : pool_->Run(fn);
  }

  ConnectionPool* pool_;
  const SecretCipher* cipher_;
  AsyncDb* async_;
  ReplicaReads* replica_;
  // This store's name as the reaper lease's holder: a pod renews its own lease round after round,
  // and two stores (two pods, or two in one test process) never pass for one another.
  std::string reaper_holder_ = LeaseHolderId();
};

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_APP_STORE_H_
