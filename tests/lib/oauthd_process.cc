#include "tests/lib/oauthd_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "absl/strings/numbers.h"
#include "tests/lib/test_env.h"

namespace oauthd::testing {

OauthdProcess::OauthdProcess(const std::string& db_url, const std::vector<std::string>& flags) {
  char tmpl[] = "/tmp/oauthd-test-log-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  log_path_ = tmpl;
  std::vector<std::string> args = {BinDir() + "/oauthd", "serve", "--db=" + db_url,
                                   "--grpc-listen=127.0.0.1:0"};
  args.insert(args.end(), flags.begin(), flags.end());
  pid_ = fork();
  if (pid_ == 0) {
    dup2(fd, 2);
    dup2(fd, 1);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fd);
  const std::string marker = "serving gRPC on port ";
  for (int i = 0; i < 200 && port_ == 0; ++i) {
    std::string log = Log();
    size_t at = log.find(marker);
    if (at != std::string::npos) {
      size_t end = log.find(' ', at + marker.size());
      absl::SimpleAtoi(log.substr(at + marker.size(), end - at - marker.size()), &port_);
      break;
    }
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("oauthd exited at start:\n" + log);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  if (port_ == 0) throw std::runtime_error("oauthd did not report its port:\n" + Log());
}

OauthdProcess::~OauthdProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status;
    for (int i = 0; i < 200; ++i) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
  }
  unlink(log_path_.c_str());
}

std::string OauthdProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace oauthd::testing
