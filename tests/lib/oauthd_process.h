// Runs the real `oauthd serve` binary for a test: on a free port, against the test's database,
// stopped (SIGTERM) when the object goes away. Its log is kept in a temporary file and printed if
// it fails to start.
#ifndef OAUTHD_TESTS_LIB_OAUTHD_PROCESS_H_
#define OAUTHD_TESTS_LIB_OAUTHD_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace oauthd::testing {

class OauthdProcess {
 public:
  // Starts `oauthd serve --db=DB_URL --grpc-listen=127.0.0.1:0 FLAGS...`; throws if it does not
  // come up.
  OauthdProcess(const std::string& db_url, const std::vector<std::string>& flags);
  ~OauthdProcess();
  OauthdProcess(const OauthdProcess&) = delete;
  OauthdProcess& operator=(const OauthdProcess&) = delete;

  int port() const { return port_; }
  std::string target() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string Log() const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_path_;
};

}  // namespace oauthd::testing

#endif  // OAUTHD_TESTS_LIB_OAUTHD_PROCESS_H_
