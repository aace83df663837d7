// Parses the --db flag: mysql://USER:PASS@HOST:PORT/DB (user and password percent-decoded).
#ifndef OAUTHD_STORAGE_DB_URL_H_
#define OAUTHD_STORAGE_DB_URL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace oauthd::storage {

struct DbUrl {
  std::string user;
  std::string password;
  std::string host;
  int port = 3306;
  std::string database;
};

absl::StatusOr<DbUrl> ParseDbUrl(absl::string_view url);

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_DB_URL_H_
