// The `oauthd` subcommands. Each parses its own flags (so `oauthd X --help` lists only X's flags)
// and returns the process exit code: 0 success, 1 failure, 2 bad usage.
#ifndef OAUTHD_SERVER_CLI_COMMAND_H_
#define OAUTHD_SERVER_CLI_COMMAND_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/flag_set.h"
#include "storage/connection_pool.h"

namespace oauthd::cli {

struct Command {
  const char* path;     // words after `oauthd`, e.g. "user create"
  const char* summary;  // one line for `oauthd --help`
  int (*run)(const std::vector<std::string>& args);
};

const std::vector<Command>& Commands();

int RunServe(const std::vector<std::string>& args);
int RunMigrate(const std::vector<std::string>& args);
int RunUserCreate(const std::vector<std::string>& args);
int RunSessionCreate(const std::vector<std::string>& args);
int RunRoleGrant(const std::vector<std::string>& args);
int RunRoleRevoke(const std::vector<std::string>& args);
int RunAppResourceServer(const std::vector<std::string>& args);
int RunSecretsRotate(const std::vector<std::string>& args);
int RunSecretsNewKey(const std::vector<std::string>& args);

// A small pool for an admin command, checked with a ping.
absl::StatusOr<std::unique_ptr<storage::ConnectionPool>> OpenDb(const std::string& db);

// Parses `args` into `flags`; prints help (exit 0) or the error (exit 2) and returns that code, or
// -1 to go on.
int ParseOrExit(FlagSet& flags, const std::vector<std::string>& args,
                std::vector<std::string>* positional);

// The database flag every command that touches MySQL shares.
inline constexpr char kDbHelp[] =
    "MySQL/MariaDB to use, as mysql://USER:PASS@HOST:PORT/DB (USER and PASS percent-encoded);\n"
    "the nodes of a cluster as HOST1:PORT1,HOST2:PORT2 (tried in order; a failed one is\n"
    "passed over for 5s)";

}  // namespace oauthd::cli

#endif  // OAUTHD_SERVER_CLI_COMMAND_H_
