// Parses the --db flag: mysql://USER:PASS@HOST:PORT/DB (user and password percent-decoded), or with
// several servers, mysql://USER:PASS@HOST1:PORT1,HOST2:PORT2/DB: the nodes of one cluster, tried in
// order (DbHosts).
#ifndef OAUTHD_STORAGE_DB_URL_H_
#define OAUTHD_STORAGE_DB_URL_H_

#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace oauthd::storage {

struct DbHost {
  std::string host;
  int port = 3306;
};

struct DbUrl {
  std::string user;
  std::string password;
  std::string host;  // the first of `hosts`
  int port = 3306;
  std::string database;
  std::vector<DbHost> hosts;  // every server named, in order
};

absl::StatusOr<DbUrl> ParseDbUrl(absl::string_view url);
// The servers of `url`: its `hosts`, or its one `host` when the list was left empty (a DbUrl built
// by hand).
std::vector<DbHost> HostsOf(const DbUrl& url);

// Which server a new connection goes to: the first of the URL's that has not failed in the last
// `retry_after`, so connections move to the next node when one dies and come back to the first
// once it answers again. Thread-safe.
class DbHosts {
 public:
  explicit DbHosts(std::vector<DbHost> hosts, absl::Duration retry_after = absl::Seconds(5));
  // The index of the server to try next.
  size_t Pick();
  // Index `i` failed to connect (or its connection was lost): try the others first for a while.
  void MarkDown(size_t i);
  const DbHost& operator[](size_t i) const { return hosts_[i]; }
  size_t size() const { return hosts_.size(); }

 private:
  const std::vector<DbHost> hosts_;
  const absl::Duration retry_after_;
  std::mutex mu_;
  std::vector<absl::Time> down_until_;  // guarded by mu_
  size_t next_when_all_down_ = 0;       // guarded by mu_
};

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_DB_URL_H_
