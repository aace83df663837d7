// Command-line flags for oauthd's binaries: `--name=value` or `--name value`, each also read from
// an environment variable (PREFIX + NAME upper-cased, dashes as underscores; the command line
// wins), and a --help that lists every flag with its default and variable. Parsing happens once at
// start-up with a clear error.
#ifndef OAUTHD_COMMON_FLAG_SET_H_
#define OAUTHD_COMMON_FLAG_SET_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace oauthd {

class FlagSet {
 public:
  // `env_prefix` such as "OAUTHD_"; `usage` is the first lines of --help.
  FlagSet(std::string env_prefix, std::string usage);

  // Each flag's default is the target's value at registration.
  void String(const std::string& name, std::string* target, const std::string& help);
  void Bool(const std::string& name, bool* target, const std::string& help);
  void Int(const std::string& name, int* target, const std::string& help);
  void Duration(const std::string& name, absl::Duration* target, const std::string& help);

  // Parses the arguments; anything that is not a flag goes to `positional`. Returns
  // INVALID_ARGUMENT naming the flag or variable at fault. `--help`/`-h` sets help_requested() and
  // stops.
  absl::Status Parse(const std::vector<std::string>& args, std::vector<std::string>* positional);
  bool help_requested() const { return help_requested_; }
  // True when the flag was given on the command line or in the environment.
  bool IsSet(const std::string& name) const;
  std::string Help() const;
  std::string EnvName(const std::string& name) const;

 private:
  struct Flag {
    std::string name;
    std::string help;
    std::string default_text;
    bool is_bool = false;
    bool set = false;
    std::function<bool(const std::string&)> assign;
  };
  Flag* Find(const std::string& name);
  const Flag* Find(const std::string& name) const;
  void Add(Flag flag);

  std::string env_prefix_;
  std::string usage_;
  std::vector<Flag> flags_;
  bool help_requested_ = false;
};

// Parses "true"/"false"/"1"/"0"/"yes"/"no" (any case).
bool ParseBoolText(const std::string& text, bool* out);

}  // namespace oauthd

#endif  // OAUTHD_COMMON_FLAG_SET_H_
