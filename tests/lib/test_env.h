// What tests/run.sh tells the tests through the environment: where the private MariaDB listens, how
// to restart it, and where the built binaries are. Missing variables fail the test with a hint
// (never a silent skip).
#ifndef OAUTHD_TESTS_LIB_TEST_ENV_H_
#define OAUTHD_TESTS_LIB_TEST_ENV_H_

#include <string>

namespace oauthd::testing {

// OAUTHD_TEST_MYSQL: HOST:PORT of the private MariaDB (user oauthd/oauthd with all privileges).
std::string MysqlAddress();
// OAUTHD_TEST_MARIADB_CTL and OAUTHD_TEST_MARIADB_DIR: deploy/lib/mariadb.sh and the server's
// folder.
std::string MariadbCtlCommand(const std::string& verb);
// OAUTHD_BIN_DIR: build/bin.
std::string BinDir();

// Runs a shell command, returns its exit status and (if `out` is given) its standard output.
int RunCommand(const std::string& command, std::string* out = nullptr);

}  // namespace oauthd::testing

#endif  // OAUTHD_TESTS_LIB_TEST_ENV_H_
