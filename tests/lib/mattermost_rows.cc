#include "tests/lib/mattermost_rows.h"

#include <cppconn/resultset_metadata.h>

#include <memory>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace oauthd::testing {
namespace {

struct Rules {
  const char* table;
  // Columns Mattermost scans into plain values: never NULL. (Users.AuthData and RemoteId are
  // pointers in its model, so they may be.)
  std::vector<const char*> plain;
  // Columns it unmarshals as JSON.
  std::vector<const char*> json;
  // Secret columns, compared by Mattermost as stored: never a value sealed by oauthd ("oe1:").
  std::vector<const char*> secrets;
};

const std::vector<Rules>& AllRules() {
  static const std::vector<Rules>* rules = new std::vector<Rules>{
      {"OAuthApps",
       {"Id", "CreatorId", "CreateAt", "UpdateAt", "ClientSecret", "Name", "Description", "IconURL",
        "CallbackUrls", "Homepage", "IsTrusted", "MattermostAppID"},
       {"CallbackUrls"},
       {"ClientSecret"}},
      {"OAuthAuthData",
       {"ClientId", "UserId", "Code", "ExpiresIn", "CreateAt", "RedirectUri", "State", "Scope"},
       {},
       {"Code"}},
      {"OAuthAccessData",
       {"Token", "RefreshToken", "RedirectUri", "ClientId", "UserId", "ExpiresAt", "Scope"},
       {},
       {"RefreshToken"}},
      {"Sessions",
       {"Id", "Token", "CreateAt", "ExpiresAt", "LastActivityAt", "UserId", "DeviceId", "Roles",
        "IsOAuth", "ExpiredNotify", "Props"},
       {"Props"},
       {}},
      {"Users",
       {"Id",
        "CreateAt",
        "UpdateAt",
        "DeleteAt",
        "Username",
        "Password",
        "AuthService",
        "Email",
        "EmailVerified",
        "Nickname",
        "FirstName",
        "LastName",
        "Roles",
        "AllowMarketing",
        "Props",
        "NotifyProps",
        "LastPasswordUpdate",
        "LastPictureUpdate",
        "FailedAttempts",
        "Locale",
        "MfaActive",
        "MfaSecret",
        "Position",
        "Timezone",
        "LastLogin"},
       {"Props", "NotifyProps", "Timezone"},
       {}},
      {"Roles",
       {"Id", "Name", "DisplayName", "Description", "CreateAt", "UpdateAt", "DeleteAt",
        "Permissions", "SchemeManaged", "BuiltIn"},
       {},
       {}},
      {"Preferences", {"UserId", "Category", "Name", "Value"}, {}, {}},
  };
  return *rules;
}

int64_t Count(storage::ConnectionPool& pool, const std::string& sql) {
  auto n = pool.Run([&](storage::DbConn& c) -> absl::StatusOr<int64_t> {
    std::unique_ptr<sql::ResultSet> rs(c.Prepare(sql).executeQuery());
    return rs->next() ? storage::GetInt(*rs, 1) : 0;
  });
  if (!n.ok()) throw std::runtime_error(n.status().ToString());
  return *n;
}

}  // namespace

const std::vector<std::string>& MattermostTables() {
  static const std::vector<std::string>* tables =
      new std::vector<std::string>{"Systems",     "Roles",     "Sessions",      "Users",
                                   "Preferences", "OAuthApps", "OAuthAuthData", "OAuthAccessData"};
  return *tables;
}

std::vector<std::string> UnreadableByMattermost(storage::ConnectionPool& pool) {
  std::vector<std::string> out;
  auto report = [&](const Rules& r, const char* col, const char* what, const std::string& where) {
    const int64_t n = Count(pool, absl::StrCat("SELECT COUNT(*) FROM ", r.table, " WHERE ", where));
    if (n > 0) out.push_back(absl::StrCat(r.table, ".", col, " ", what, " in ", n, " rows"));
  };
  for (const Rules& r : AllRules()) {
    for (const char* col : r.plain) report(r, col, "is NULL", absl::StrCat(col, " IS NULL"));
    for (const char* col : r.json)
      report(r, col, "is not JSON", absl::StrCat("NOT JSON_VALID(", col, ")"));
    for (const char* col : r.secrets)
      report(r, col, "is sealed by oauthd", absl::StrCat(col, " LIKE 'oe1:%'"));
  }
  return out;
}

std::vector<std::string> DumpTable(storage::ConnectionPool& pool, const std::string& table) {
  auto rows = pool.Run([&](storage::DbConn& c) -> absl::StatusOr<std::vector<std::string>> {
    std::unique_ptr<sql::ResultSet> rs(
        c.Prepare(absl::StrCat("SELECT * FROM ", table, " ORDER BY 1")).executeQuery());
    const int columns = static_cast<int>(rs->getMetaData()->getColumnCount());
    std::vector<std::string> out;
    while (rs->next()) {
      std::vector<std::string> cells;
      for (int i = 1; i <= columns; ++i)
        cells.push_back(rs->isNull(i) ? "NULL" : storage::GetStr(*rs, i));
      out.push_back(absl::StrJoin(cells, "|"));
    }
    return out;
  });
  if (!rows.ok()) throw std::runtime_error(rows.status().ToString());
  return *rows;
}

}  // namespace oauthd::testing
