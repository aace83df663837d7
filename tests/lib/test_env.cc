#include "tests/lib/test_env.h"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace oauthd::testing {
namespace {

std::string Required(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') {
    throw std::runtime_error(
        std::string("$") + name +
        " is not set: run the tests through tests/run.sh, which starts the private MariaDB");
  }
  return v;
}

}  // namespace

std::string MysqlAddress() { return Required("OAUTHD_TEST_MYSQL"); }

std::string MariadbCtlCommand(const std::string& verb) {
  return Required("OAUTHD_TEST_MARIADB_CTL") + " " + verb + " " +
         Required("OAUTHD_TEST_MARIADB_DIR");
}

std::string BinDir() { return Required("OAUTHD_BIN_DIR"); }

int RunCommand(const std::string& command, std::string* out) {
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) {
    if (out) out->append(buf, n);
  }
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace oauthd::testing
