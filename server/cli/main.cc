// oauthd: the Mattermost-compatible OAuth 2.0 service (gRPC) and its admin commands.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "common/runtime.h"
#include "server/cli/command.h"

namespace oauthd::cli {

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
      {"serve", "run the gRPC server", RunServe},
      {"migrate", "create or upgrade the database schema and default roles (safe to re-run)",
       RunMigrate},
      {"user create", "create a user; prints its id", RunUserCreate},
      {"session create", "create a session (API token) for a user; prints the token",
       RunSessionCreate},
      {"role grant", "add a permission to a role: role grant ROLE PERMISSION", RunRoleGrant},
      {"role revoke", "remove a permission from a role: role revoke ROLE PERMISSION",
       RunRoleRevoke},
      {"app resource-server",
       "let an app introspect every token (RFC 7662), or no longer: app resource-server APP_ID "
       "on|off",
       RunAppResourceServer},
      {"secrets rotate",
       "re-encrypt stored secrets under a new key, in batches, while the service runs",
       RunSecretsRotate},
      {"secrets new-key", "print a new random --secret-encryption-key", RunSecretsNewKey},
  };
  return kCommands;
}

int ParseOrExit(FlagSet& flags, const std::vector<std::string>& args,
                std::vector<std::string>* positional) {
  absl::Status st = flags.Parse(args, positional);
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  if (!st.ok()) {
    std::fprintf(stderr, "oauthd: %s\n", std::string(st.message()).c_str());
    return 2;
  }
  return -1;
}

namespace {

void PrintUsage(FILE* out) {
  std::fputs("Usage: oauthd COMMAND [FLAGS]\n\nCommands:\n", out);
  for (const Command& c : Commands()) std::fprintf(out, "  %-16s %s\n", c.path, c.summary);
  std::fputs(
      "\nRun `oauthd COMMAND --help` for a command's flags. Every flag can also be set through an\n"
      "OAUTHD_* environment variable (e.g. --db as OAUTHD_DB); the command line wins.\n",
      out);
}

}  // namespace
}  // namespace oauthd::cli

int main(int argc, char** argv) {
  oauthd::ConfigureRuntimeForProduction();
  using oauthd::cli::Commands;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    oauthd::cli::PrintUsage(args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  // The longest command path that prefixes the arguments wins ("role grant" before "role").
  const oauthd::cli::Command* best = nullptr;
  size_t best_words = 0;
  for (const auto& c : Commands()) {
    std::vector<std::string> words = absl::StrSplit(c.path, ' ');
    if (words.size() > args.size() || words.size() <= best_words) continue;
    if (std::equal(words.begin(), words.end(), args.begin())) {
      best = &c;
      best_words = words.size();
    }
  }
  if (best == nullptr) {
    std::fprintf(stderr, "oauthd: unknown command \"%s\"\n\n", args[0].c_str());
    oauthd::cli::PrintUsage(stderr);
    return 2;
  }
  return best->run(std::vector<std::string>(args.begin() + best_words, args.end()));
}
