// `oauthd secrets …`: keys for encryption at rest (see storage/secret_cipher.h).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "server/cli/command.h"
#include "storage/secret_cipher.h"
#include "storage/secret_rotation.h"

namespace oauthd::cli {
namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "oauthd secrets: %s\n", message.c_str());
  return 1;
}

int Usage(const std::string& message) {
  std::fprintf(stderr, "oauthd secrets: %s (see --help)\n", message.c_str());
  return 2;
}

void PrintProgress(const storage::ColumnRotation& r) {
  std::fprintf(stderr,
               "secrets: %s: %lld examined, %lld protected under the new key, %lld already "
               "current, %lld changed meanwhile, %lld expired codes deleted, %lld unreadable\n",
               r.column.c_str(), static_cast<long long>(r.examined),
               static_cast<long long>(r.resealed), static_cast<long long>(r.current),
               static_cast<long long>(r.changed), static_cast<long long>(r.expired),
               static_cast<long long>(r.unreadable));
}

}  // namespace

int RunSecretsRotate(const std::vector<std::string>& args) {
  std::string db, new_key, old_keys;
  int batch = 500;
  FlagSet flags(
      "OAUTHD_",
      "Usage: oauthd secrets rotate --db=URL --new-key=KEY [--old-key=KEY[,KEY...]]\n\n"
      "Protects every stored secret under --new-key: client secrets sealed under an --old-key or\n"
      "in clear text are sealed under the new key (in oauthd's tables, with a placeholder in\n"
      "Mattermost's column), and codes and refresh tokens in clear text become digests (they\n"
      "need no key, so keys never have to touch them again). This also turns protection on for\n"
      "an existing database. It works in batches, one transaction each, and never overwrites a\n"
      "value the service changed meanwhile, so it can run while the service serves; run it again\n"
      "to resume after an interruption. Before it runs, every pod must read both keys:\n"
      "  --secret-encryption-key=NEW --secret-previous-keys=OLD\n"
      "Afterwards drop OLD from the pods. Exits 1 if any value could not be read.\n");
  flags.String("db", &db, kDbHelp);
  flags.String("new-key", &new_key, "the key to encrypt under (32 bytes, base64)");
  flags.String("old-key", &old_keys,
               "keys values may be encrypted under now, comma-separated (empty: clear text only)");
  flags.Int("batch-size", &batch, "rows per transaction");
  std::vector<std::string> pos;
  if (int rc = ParseOrExit(flags, args, &pos); rc >= 0) return rc;
  if (!pos.empty()) return Usage("secrets rotate takes no arguments");
  if (new_key.empty()) return Usage("--new-key is required");
  if (batch < 1) return Usage("--batch-size must be at least 1");
  std::vector<std::string> old = absl::StrSplit(old_keys, ',', absl::SkipWhitespace());
  auto cipher = storage::SecretCipher::Create(new_key, old);
  if (!cipher.ok()) return Usage(std::string(cipher.status().message()));
  auto pool = OpenDb(db);
  if (!pool.ok()) return Fail(std::string(pool.status().message()));
  std::fprintf(stderr, "secrets: protecting under key id %s, %d rows per batch\n",
               (*cipher)->key_id().c_str(), batch);
  auto reports = storage::RotateSecrets(**pool, **cipher, batch, storage::SecretScope::kEverything,
                                        PrintProgress);
  if (!reports.ok()) return Fail(std::string(reports.status().message()));
  int64_t unreadable = 0;
  for (const auto& r : *reports) {
    unreadable += r.unreadable;
    if (r.unreadable > 0)
      std::fprintf(stderr, "secrets: %s: %s\n", r.column.c_str(), r.first_error.c_str());
  }
  if (unreadable > 0) {
    return Fail(std::to_string(unreadable) +
                " values could not be read; give their key with --old-key and run again");
  }
  std::fprintf(stderr, "secrets: done: every stored secret is under key id %s\n",
               (*cipher)->key_id().c_str());
  return 0;
}

int RunSecretsNewKey(const std::vector<std::string>& args) {
  FlagSet flags("OAUTHD_",
                "Usage: oauthd secrets new-key\n\n"
                "Prints a new random 32-byte key in base64, for --secret-encryption-key.\n");
  std::vector<std::string> pos;
  if (int rc = ParseOrExit(flags, args, &pos); rc >= 0) return rc;
  if (!pos.empty()) return Usage("secrets new-key takes no arguments");
  std::printf("%s\n", storage::NewSecretKey().c_str());
  return 0;
}

}  // namespace oauthd::cli
