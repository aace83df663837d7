#include "storage/secret_rotation.h"

#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"

namespace oauthd::storage {
namespace {

enum class Outcome { kNone, kCurrent, kRewritten, kChanged, kExpired };

// A row of a walk: its key columns, the secret column, and any other columns the walk reads.
struct Row {
  std::vector<std::string> key;
  std::string value;
  std::vector<std::string> extra;
};

// One secret column: where it is, and what to do with each value.
struct Walk {
  const char* table;
  std::vector<const char*> key;  // primary key columns, walked in order
  const char* value;
  std::vector<const char*> extra;
  std::function<absl::StatusOr<Outcome>(DbConn&, const Row&)> convert;
};

// "UPDATE t SET value = ? WHERE key... AND BINARY value = ?": a write only if the value is still
// the one read. Returns whether it wrote.
bool CompareAndSet(DbConn& c, const Walk& w, const Row& row, const std::string& next) {
  std::string where;
  for (const char* k : w.key) absl::StrAppend(&where, k, " = ? AND ");
  auto& st = c.Prepare(absl::StrCat("UPDATE ", w.table, " SET ", w.value, " = ? WHERE ", where,
                                    "BINARY ", w.value, " = ?"));
  int i = 1;
  st.setString(i++, next);
  for (const std::string& k : row.key) st.setString(i++, k);
  st.setString(i, row.value);
  return st.executeUpdate() > 0;
}

// A value sealed in oauthd's own table, brought under the current key (clear text sealed too).
absl::StatusOr<Outcome> Reseal(DbConn& c, const Walk& w, const Row& row, const SecretCipher& cipher,
                               const char* label) {
  if (row.value.empty()) return Outcome::kNone;
  if (cipher.IsCurrent(row.value)) return Outcome::kCurrent;
  auto plain = cipher.Open(label, row.value);
  if (!plain.ok()) return plain.status();
  return CompareAndSet(c, w, row, cipher.Seal(label, *plain)) ? Outcome::kRewritten
                                                              : Outcome::kChanged;
}

// The clear value of a code or refresh token kept in one of Mattermost's columns, if it is to be
// digested: sealed by an earlier release (always), or clear text (only when rotating everything).
absl::StatusOr<std::optional<std::string>> LookupValueToDigest(const std::string& stored,
                                                               const SecretCipher& cipher,
                                                               SecretScope scope,
                                                               const char* label) {
  if (stored.empty() || IsDigestOrPlaceholder(stored)) return std::nullopt;
  if (!IsSealed(stored) && scope != SecretScope::kEverything) return std::nullopt;
  auto plain = cipher.Open(label, stored);
  if (!plain.ok()) return plain.status();
  return std::optional<std::string>(*std::move(plain));
}

Walk ClientSecrets(const SecretCipher& cipher, SecretScope scope) {
  Walk w{"OAuthApps", {"Id"}, "ClientSecret", {}, nullptr};
  w.convert = [w, &cipher, scope](DbConn& c, const Row& row) -> absl::StatusOr<Outcome> {
    const std::string& v = row.value;
    if (v.empty()) return Outcome::kNone;
    if (IsDigestOrPlaceholder(v)) return Outcome::kCurrent;  // sealed in OAuthdApps already
    std::string sealed;
    if (IsSealed(v) && (scope != SecretScope::kEverything || cipher.IsCurrent(v))) {
      sealed = v;  // moves as it is: no key needed
    } else if (IsSealed(v) || scope == SecretScope::kEverything) {
      auto plain = cipher.Open(kClientSecretColumn, v);
      if (!plain.ok()) return plain.status();
      sealed = cipher.Seal(kClientSecretColumn, *plain);
    } else {
      return Outcome::kCurrent;  // clear text stays clear in the upgrade
    }
    // Mattermost's column says where the secret is, so it changes first and only if unchanged.
    if (!CompareAndSet(c, w, row, SealedSecretPlaceholder())) return Outcome::kChanged;
    auto& keep = c.Prepare(
        "INSERT INTO OAuthdApps (AppId, ClientSecret) VALUES (?, ?) "
        "ON DUPLICATE KEY UPDATE ClientSecret = VALUES(ClientSecret)");
    keep.setString(1, row.key[0]);
    keep.setString(2, sealed);
    keep.executeUpdate();
    return Outcome::kRewritten;
  };
  return w;
}

Walk RefreshTokens(const SecretCipher& cipher, SecretScope scope) {
  Walk w{"OAuthAccessData", {"Token"}, "RefreshToken", {"ClientId", "UserId"}, nullptr};
  w.convert = [w, &cipher, scope](DbConn& c, const Row& row) -> absl::StatusOr<Outcome> {
    auto plain = LookupValueToDigest(row.value, cipher, scope, kRefreshTokenColumn);
    if (!plain.ok()) return plain.status();
    if (!*plain) return row.value.empty() ? Outcome::kNone : Outcome::kCurrent;
    if (!CompareAndSet(c, w, row, LookupDigest(kRefreshTokenColumn, **plain)))
      return Outcome::kChanged;
    // The sealed copy a repeated code exchange hands back (storage/grant_store.cc).
    auto& keep = c.Prepare(
        "INSERT INTO OAuthdAccessData (ClientId, UserId, RefreshToken) VALUES (?, ?, ?) "
        "ON DUPLICATE KEY UPDATE RefreshToken = VALUES(RefreshToken)");
    keep.setString(1, row.extra[0]);
    keep.setString(2, row.extra[1]);
    keep.setString(3, cipher.Seal(kRefreshTokenColumn, **plain));
    keep.executeUpdate();
    return Outcome::kRewritten;
  };
  return w;
}

Walk Codes(const SecretCipher& cipher, SecretScope scope) {
  Walk w{"OAuthAuthData", {"Code"}, "Code", {"CreateAt + ExpiresIn * 1000"}, nullptr};
  w.convert = [w, &cipher, scope](DbConn& c, const Row& row) -> absl::StatusOr<Outcome> {
    if (IsDigestOrPlaceholder(row.value)) return Outcome::kCurrent;
    if (std::stoll(row.extra[0].empty() ? "0" : row.extra[0]) < absl::ToUnixMillis(absl::Now())) {
      // An expired code is of no use to anyone: gone, rather than converted (its key may be gone).
      auto& del = c.Prepare(
          "DELETE d, x FROM OAuthAuthData d LEFT JOIN OAuthdAuthData x ON x.Code = d.Code "
          "WHERE d.Code = ? AND BINARY d.Code = ?");
      del.setString(1, row.value);
      del.setString(2, row.value);
      return del.executeUpdate() > 0 ? Outcome::kExpired : Outcome::kChanged;
    }
    auto plain = LookupValueToDigest(row.value, cipher, scope, kAuthCodeColumn);
    if (!plain.ok()) return plain.status();
    if (!*plain) return Outcome::kCurrent;
    const std::string digest = LookupDigest(kAuthCodeColumn, **plain);
    if (!CompareAndSet(c, w, row, digest)) return Outcome::kChanged;
    auto& follow = c.Prepare("UPDATE OAuthdAuthData SET Code = ? WHERE BINARY Code = ?");
    follow.setString(1, digest);
    follow.setString(2, row.value);
    follow.executeUpdate();
    return Outcome::kRewritten;
  };
  return w;
}

// A sealed value in one of oauthd's tables, brought under the current key.
Walk Sealed(const char* table, std::vector<const char*> key, const char* value, const char* label,
            const SecretCipher& cipher) {
  Walk w{table, std::move(key), value, {}, nullptr};
  w.convert = [w, &cipher, label](DbConn& c, const Row& row) {
    return Reseal(c, w, row, cipher, label);
  };
  return w;
}

// One batch after `*last`; false when the column is done.
absl::StatusOr<bool> RunBatch(DbConn& c, const Walk& w, int batch, std::vector<std::string>* last,
                              ColumnRotation* report) {
  const std::string keys = absl::StrJoin(w.key, ", ");
  std::string markers = "?";
  for (size_t i = 1; i < w.key.size(); ++i) markers += ", ?";
  std::string extra;
  for (const char* e : w.extra) absl::StrAppend(&extra, ", ", e);
  auto& select =
      c.Prepare(absl::StrCat("SELECT ", keys, ", ", w.value, extra, " FROM ", w.table, " WHERE (",
                             keys, ") > (", markers, ") ORDER BY ", keys, " LIMIT ? FOR UPDATE"));
  int i = 1;
  for (const std::string& k : *last) select.setString(i++, k);
  select.setInt(i, batch);
  std::vector<Row> rows;
  {
    std::unique_ptr<sql::ResultSet> rs(select.executeQuery());
    const int n = static_cast<int>(w.key.size());
    while (rs->next()) {
      Row row;
      for (int k = 1; k <= n; ++k) row.key.push_back(GetStr(*rs, k));
      row.value = GetStr(*rs, n + 1);
      for (size_t e = 0; e < w.extra.size(); ++e)
        row.extra.push_back(GetStr(*rs, n + 2 + static_cast<int>(e)));
      rows.push_back(std::move(row));
    }
  }
  if (rows.empty()) return false;
  *last = rows.back().key;
  for (const Row& row : rows) {
    auto outcome = w.convert(c, row);
    if (!outcome.ok()) {
      if (!absl::IsDataLoss(outcome.status())) return outcome.status();
      ++report->examined;
      if (report->unreadable++ == 0) report->first_error = std::string(outcome.status().message());
      continue;
    }
    if (*outcome == Outcome::kNone) continue;
    ++report->examined;
    switch (*outcome) {
      case Outcome::kCurrent:
        ++report->current;
        break;
      case Outcome::kRewritten:
        ++report->resealed;
        break;
      case Outcome::kChanged:
        ++report->changed;
        break;
      case Outcome::kExpired:
        ++report->expired;
        break;
      case Outcome::kNone:
        break;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<std::vector<ColumnRotation>> RotateSecrets(
    ConnectionPool& pool, const SecretCipher& cipher, int batch, SecretScope scope,
    const std::function<void(const ColumnRotation&)>& progress) {
  if (scope == SecretScope::kEverything && !cipher.encrypts())
    return absl::InvalidArgumentError("rotation needs a new key");
  std::vector<Walk> walks = {ClientSecrets(cipher, scope), RefreshTokens(cipher, scope),
                             Codes(cipher, scope)};
  if (scope == SecretScope::kEverything) {
    walks.push_back(Sealed("OAuthdApps", {"AppId"}, "ClientSecret", kClientSecretColumn, cipher));
    walks.push_back(
        Sealed("OAuthdPreviousSecrets", {"AppId"}, "ClientSecret", kClientSecretColumn, cipher));
    walks.push_back(Sealed("OAuthdAccessData", {"ClientId", "UserId"}, "RefreshToken",
                           kRefreshTokenColumn, cipher));
  }
  std::vector<ColumnRotation> reports;
  for (const Walk& w : walks) {
    ColumnRotation report;
    report.column = absl::StrCat(w.table, ".", w.value);
    std::vector<std::string> last(w.key.size());
    for (bool more = true; more;) {
      // One transaction per batch: its rows are locked (FOR UPDATE) only for that long. A batch run
      // again (deadlock) starts over from the last committed one.
      ColumnRotation attempt;
      std::vector<std::string> attempt_last;
      absl::Status st = pool.RunInTransaction([&](DbConn& c) -> absl::Status {
        attempt = report;
        attempt_last = last;
        auto done = RunBatch(c, w, batch, &attempt_last, &attempt);
        if (!done.ok()) return done.status();
        more = *done;
        return absl::OkStatus();
      });
      if (!st.ok()) return st;
      report = std::move(attempt);
      last = std::move(attempt_last);
      progress(report);
    }
    reports.push_back(std::move(report));
  }
  return reports;
}

}  // namespace oauthd::storage
