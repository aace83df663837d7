// Token exchanges written together. Most of what MariaDB spends on one exchange's write is the
// statement machinery around its few rows (parsing, planning, the CALL and its commit), not the
// rows (bench/README.md, "the token exchange's reads and writes in batches"): one transaction with
// one statement per table for several exchanges costs each far less. The batcher keeps at most a
// few writes in flight; what arrives meanwhile waits, and goes as one batch when a write returns. A
// lone write is the CALL of oauthd_issue_token, as before, so an idle server answers as fast.
//
// A batch is written whole or not at all, and the outcome of each exchange is exactly the CALL's:
// when every code is still there, every replaced grant still holds its token and no new grant
// collides, the batch commits (every exchange OK). Otherwise it rolls back and each exchange is
// sent alone as its CALL, which decides it as it always did (one redemption of a code, one
// replacement of a grant). A batch whose answer is lost may be sent again: once it has committed,
// the same batch finds its codes gone and its grants replaced, and each exchange's CALL then
// finds its own token and answers OK.
#ifndef OAUTHD_STORAGE_ISSUE_BATCH_H_
#define OAUTHD_STORAGE_ISSUE_BATCH_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "storage/async_db.h"
#include "storage/batch_queue.h"

namespace oauthd::storage {

// The arguments of one CALL of oauthd_issue_token, in its order (storage/migrations/0006); an
// absent one is NULL.
using IssueArgs = std::vector<std::optional<std::string>>;
enum IssueArg : size_t {
  kArgCode,
  kArgCodeDigest,
  kArgClient,
  kArgUser,
  kArgReplaced,
  kArgSession,
  kArgToken,
  kArgCreateAt,
  kArgExpiresAt,
  kArgGrantExpiresAt,
  kArgRoles,
  kArgProps,
  kArgRefresh,
  kArgRedirect,
  kArgScope,
  kArgAudience,
  kArgRefreshSealed,
  kIssueArgCount
};

// The batch as one anonymous compound statement (MariaDB's BEGIN NOT ATOMIC): one transaction
// that writes every item or nothing. It answers one row with one column, outcome: 'ok' (all
// written) or 'split' (a code was gone or a grant had changed: nothing written). A new grant that
// collides with an existing one fails the statement with a duplicate key (nothing written).
std::string IssueBatchSql(const std::vector<const IssueArgs*>& items);

class IssueBatcher {
 public:
  using Done = std::function<void(absl::Status)>;
  // Writes one exchange alone: the CALL, with its retries after a deadlock.
  using Single = std::function<void(const IssueArgs&, Done)>;

  // `timeout`: the longest wait for a batch's commit (as for one CALL). `max_in_flight`: writes
  // (batches or lone CALLs) on the wire at once; `max_batch`: exchanges in one batch.
  IssueBatcher(AsyncDb* db, Single single, absl::Duration timeout, int max_in_flight = 2,
               size_t max_batch = 8);
  IssueBatcher(const IssueBatcher&) = delete;
  IssueBatcher& operator=(const IssueBatcher&) = delete;

  // Writes the exchange; `done` runs on the asynchronous database's loop thread (or, when the
  // database refuses at once, on the calling thread).
  void Submit(IssueArgs args, Done done);

  struct Stats {
    BatchStats sent;      // batches of two exchanges or more
    int64_t split = 0;    // of them, those that wrote nothing and went again one by one
    int64_t unknown = 0;  // and those the database did not answer (written or not is unknown)
  };
  Stats stats() const { return {queue_.stats(), split_.load(), unknown_.load()}; }

 private:
  struct Item {
    IssueArgs args;
    Done done;
  };
  void Send(std::vector<Item> items);
  // A write answered: the next batch goes, if any waited.
  void Finished();
  void Answer(std::vector<Item>& items, absl::StatusOr<QueryResult> rs);

  AsyncDb* db_;
  Single single_;
  absl::Duration timeout_;
  BatchQueue<Item> queue_;  // one lane: any exchanges may share a batch
  std::atomic<int64_t> split_{0};
  std::atomic<int64_t> unknown_{0};
};

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_ISSUE_BATCH_H_
