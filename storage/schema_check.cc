#include "storage/schema_check.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "storage/grant_store.h"
#include "storage/migrator.h"

namespace oauthd::storage {
namespace {

enum class Kind { kText, kInteger };

struct Needed {
  const char* column;
  Kind kind;
  int min_length = 0;  // for text: the longest value oauthd writes of a fixed size (ids, codes)
};

struct NeededTable {
  const char* table;
  std::vector<Needed> columns;
};

constexpr int kId = 26;    // Mattermost ids, tokens, secrets, and their digests and placeholders
constexpr int kCode = 52;  // authorization codes (two ids) and their digests

// What the stores name (storage/*_store.cc, session_sql.cc).
const std::vector<NeededTable>& NeededTables() {
  constexpr Kind T = Kind::kText, I = Kind::kInteger;
  static const std::vector<NeededTable>* tables = new std::vector<NeededTable>{
      {"OAuthApps",
       {{"Id", T, kId},
        {"CreatorId", T, kId},
        {"CreateAt", I},
        {"UpdateAt", I},
        {"ClientSecret", T, kId},
        {"Name", T},
        {"Description", T},
        {"IconURL", T},
        {"CallbackUrls", T},
        {"Homepage", T},
        {"IsTrusted", I},
        {"MattermostAppID", T}}},
      {"OAuthAuthData",
       {{"ClientId", T, kId},
        {"UserId", T, kId},
        {"Code", T, kCode},
        {"ExpiresIn", I},
        {"CreateAt", I},
        {"RedirectUri", T},
        {"State", T},
        {"Scope", T}}},
      {"OAuthAccessData",
       {{"Token", T, kId},
        {"RefreshToken", T, kId},
        {"RedirectUri", T},
        {"ClientId", T, kId},
        {"UserId", T, kId},
        {"ExpiresAt", I},
        {"Scope", T}}},
      {"Sessions",
       {{"Id", T, kId},
        {"Token", T, kId},
        {"CreateAt", I},
        {"ExpiresAt", I},
        {"LastActivityAt", I},
        {"UserId", T, kId},
        {"DeviceId", T},
        {"Roles", T},
        {"IsOAuth", I},
        {"ExpiredNotify", I},
        {"Props", T}}},
      {"Users",
       {{"Id", T, kId},
        {"CreateAt", I},
        {"UpdateAt", I},
        {"DeleteAt", I},
        {"Username", T},
        {"Email", T},
        {"Roles", T},
        {"MfaActive", I},
        {"Locale", T}}},
      {"Roles",
       {{"Id", T, kId},
        {"Name", T},
        {"DisplayName", T},
        {"Description", T},
        {"CreateAt", I},
        {"UpdateAt", I},
        {"DeleteAt", I},
        {"Permissions", T},
        {"SchemeManaged", I},
        {"BuiltIn", I}}},
      {"Preferences", {{"UserId", T, kId}, {"Category", T}, {"Name", T, kId}, {"Value", T}}},
      {"OAuthdApps", {{"AppId", T, kId}, {"IsDynamicallyRegistered", I}, {"ClientSecret", T}}},
      {"OAuthdAuthData",
       {{"Code", T, kCode}, {"CodeChallenge", T}, {"CodeChallengeMethod", T}, {"Resource", T}}},
      {"OAuthdAccessData",
       {{"ClientId", T, kId}, {"UserId", T, kId}, {"Audience", T}, {"RefreshToken", T}}},
      {"OAuthdPreviousSecrets", {{"AppId", T, kId}, {"ClientSecret", T}, {"ExpiresAt", I}}},
      {"OAuthdClientActivity", {{"ClientId", T, kId}, {"LastTokenAt", I}}},
      {"oauthd_locks", {{"Name", T}, {"Holder", T}, {"ExpiresAt", I}}},
      {"oauthd_replica_heartbeats", {{"Holder", T}, {"SentAt", I}, {"WrittenAt", I}}},
  };
  return *tables;
}

struct Actual {
  std::string data_type;    // e.g. "varchar"
  std::string column_type;  // e.g. "varchar(26)"
  int64_t length = 0;       // CHARACTER_MAXIMUM_LENGTH (0 for numbers)
};

bool IsText(const std::string& t) {
  return absl::EndsWith(t, "char") || absl::EndsWith(t, "text") || t == "json";
}
bool IsInteger(const std::string& t) { return absl::EndsWith(t, "int"); }

std::string Problem(const NeededTable& t, const Needed& n, const Actual* a) {
  const std::string name = absl::StrCat(t.table, ".", n.column);
  if (a == nullptr) return absl::StrCat("column ", name, " is missing");
  if (n.kind == Kind::kInteger && !IsInteger(a->data_type))
    return absl::StrCat("column ", name, " is ", a->column_type, ", not an integer");
  if (n.kind == Kind::kText && !IsText(a->data_type))
    return absl::StrCat("column ", name, " is ", a->column_type, ", not text");
  if (n.kind == Kind::kText && a->length > 0 && a->length < n.min_length)
    return absl::StrCat("column ", name, " is ", a->column_type, ", shorter than the ",
                        n.min_length, " characters oauthd writes");
  return "";
}

}  // namespace

absl::Status CheckSchema(ConnectionPool& pool) {
  auto problems = pool.Run([](DbConn& c) -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> out;
    std::map<std::string, std::map<std::string, Actual>> actual;
    {
      std::unique_ptr<sql::ResultSet> rs(
          c.Prepare("SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, "
                    "COALESCE(CHARACTER_MAXIMUM_LENGTH, 0) FROM information_schema.COLUMNS "
                    "WHERE TABLE_SCHEMA = DATABASE()")
              .executeQuery());
      while (rs->next()) {
        actual[GetStr(*rs, 1)][GetStr(*rs, 2)] =
            Actual{GetStr(*rs, 3), GetStr(*rs, 4), GetInt(*rs, 5)};
      }
    }
    if (!actual.count("oauthd_migrations")) {
      out.push_back("it has no oauthd schema (no table oauthd_migrations)");
      return out;
    }
    {
      std::unique_ptr<sql::ResultSet> rs(
          c.Prepare("SELECT COALESCE(MAX(Version), 0) FROM oauthd_migrations").executeQuery());
      const int64_t version = rs->next() ? GetInt(*rs, 1) : 0;
      if (version < LatestMigrationVersion()) {
        out.push_back(absl::StrCat("its schema is at migration ", version, "; this oauthd needs ",
                                   LatestMigrationVersion()));
      }
    }
    // The token exchange's write (migration 0006); a dump taken without --routines loses it.
    if (!ProcedureExists(c, kIssueTokenProcedure)) {
      out.push_back(absl::StrCat("procedure ", kIssueTokenProcedure,
                                 " is missing (restored from a dump made without --routines?)"));
    }
    for (const NeededTable& t : NeededTables()) {
      auto table = actual.find(t.table);
      if (table == actual.end()) {
        out.push_back(absl::StrCat("table ", t.table, " is missing"));
        continue;
      }
      for (const Needed& n : t.columns) {
        auto col = table->second.find(n.column);
        std::string problem = Problem(t, n, col == table->second.end() ? nullptr : &col->second);
        if (!problem.empty()) out.push_back(std::move(problem));
      }
    }
    return out;
  });
  if (!problems.ok()) return problems.status();
  if (problems->empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("the database is not ready for this oauthd: ", absl::StrJoin(*problems, "; "),
                   ". Run `oauthd migrate` (of this version, with the same --db) to fix it"));
}

}  // namespace oauthd::storage
