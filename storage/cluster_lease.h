// Leases that every node of a database cluster agrees on: a row of oauthd_locks per name, taken by
// an UPDATE that succeeds only while the lease is free, expired or already the taker's. MySQL's
// GET_LOCK would not do: it is per server, so under Galera a second node grants the same lock.
// Two nodes taking one lease at once both write its row; certification lets the first commit win
// and fails the other (1213), which counts as not taken. Expiry runs on the database's clock, so
// pods with skewed clocks agree.
#ifndef OAUTHD_STORAGE_CLUSTER_LEASE_H_
#define OAUTHD_STORAGE_CLUSTER_LEASE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/connection_pool.h"

namespace oauthd::storage {

// The leases there are: migrating, reaping idle registered clients, and the registration cap's
// guard row (written by every registration, so that two at once conflict).
inline constexpr char kMigrateLease[] = "migrate";
inline constexpr char kReaperLease[] = "dcr_reaper";
inline constexpr char kRegistrationGuard[] = "dcr_cap";

// Creates oauthd_locks and its rows where missing (before migrations, which the lease guards).
void EnsureLeaseTable(DbConn& c);

// Takes `name` for `holder` until `ttl` from now, or extends it if `holder` has it; false if
// someone else holds it (or took it at the same moment on another node).
absl::StatusOr<bool> TakeLease(DbConn& c, const std::string& name, const std::string& holder,
                               absl::Duration ttl);
// Frees `name` if `holder` still has it.
void ReleaseLease(DbConn& c, const std::string& name, const std::string& holder);

// Writes the row of `name` inside the caller's transaction, without taking anything: transactions
// that each touch it conflict, so on a cluster only one of two concurrent ones commits (the other
// fails certification and runs again), and on one server they run one after the other.
void TouchGuard(DbConn& c, const std::string& name);

// A name for this process as a lease holder: host, pid and a random part.
std::string LeaseHolderId();

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_CLUSTER_LEASE_H_
