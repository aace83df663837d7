#include "storage/secret_rotation.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"

namespace oauthd::storage {
namespace {

struct SecretColumn {
  const char* table;
  const char* key;    // primary key
  const char* value;  // the sealed column (for codes, the key itself)
  const char* aad;
  bool lookup;  // sealed deterministically
};

constexpr SecretColumn kColumns[] = {
    {"OAuthApps", "Id", "ClientSecret", kClientSecretColumn, false},
    {"OAuthdPreviousSecrets", "AppId", "ClientSecret", kClientSecretColumn, false},
    {"OAuthAccessData", "Token", "RefreshToken", kRefreshTokenColumn, true},
    {"OAuthAuthData", "Code", "Code", kAuthCodeColumn, true},
};

// One batch after `*last_key`; false when the column is done.
bool RotateBatch(DbConn& c, const SecretColumn& col, const SecretCipher& cipher, int batch,
                 std::string* last_key, ColumnRotation* report) {
  auto& select =
      c.Prepare(absl::StrCat("SELECT ", col.key, ", ", col.value, " FROM ", col.table, " WHERE ",
                             col.key, " > ? ORDER BY ", col.key, " LIMIT ? FOR UPDATE"));
  select.setString(1, *last_key);
  select.setInt(2, batch);
  std::vector<std::pair<std::string, std::string>> rows;
  {
    std::unique_ptr<sql::ResultSet> rs(select.executeQuery());
    while (rs->next()) rows.emplace_back(GetStr(*rs, 1), GetStr(*rs, 2));
  }
  if (rows.empty()) return false;
  *last_key = rows.back().first;
  auto& update = c.Prepare(absl::StrCat("UPDATE ", col.table, " SET ", col.value, " = ? WHERE ",
                                        col.key, " = ? AND BINARY ", col.value, " = ?"));
  for (const auto& [key, stored] : rows) {
    if (stored.empty()) continue;
    ++report->examined;
    if (cipher.IsCurrent(stored)) {
      ++report->current;
      continue;
    }
    auto value = cipher.Open(col.aad, stored);
    if (!value.ok()) {
      if (report->unreadable++ == 0) report->first_error = std::string(value.status().message());
      continue;
    }
    update.setString(
        1, col.lookup ? cipher.SealForLookup(col.aad, *value) : cipher.Seal(col.aad, *value));
    update.setString(2, key);
    update.setString(3, stored);
    if (update.executeUpdate() > 0) {
      ++report->resealed;
    } else {
      ++report->changed;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<std::vector<ColumnRotation>> RotateSecrets(
    ConnectionPool& pool, const SecretCipher& cipher, int batch,
    const std::function<void(const ColumnRotation&)>& progress) {
  if (!cipher.encrypts()) return absl::InvalidArgumentError("rotation needs a new key");
  std::vector<ColumnRotation> reports;
  for (const SecretColumn& col : kColumns) {
    ColumnRotation report;
    report.column = absl::StrCat(col.table, ".", col.value);
    std::string last_key;
    for (bool more = true; more;) {
      // One transaction per batch: its rows are locked (FOR UPDATE) only for that long.
      // A transaction run again (deadlock) starts over from the last committed batch.
      ColumnRotation attempt;
      std::string attempt_key;
      absl::Status st = pool.RunInTransaction([&](DbConn& c) -> absl::Status {
        attempt = report;
        attempt_key = last_key;
        more = RotateBatch(c, col, cipher, batch, &attempt_key, &attempt);
        return absl::OkStatus();
      });
      if (!st.ok()) return st;
      report = std::move(attempt);
      last_key = std::move(attempt_key);
      progress(report);
    }
    reports.push_back(std::move(report));
  }
  return reports;
}

}  // namespace oauthd::storage
