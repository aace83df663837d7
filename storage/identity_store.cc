#include "storage/identity_store.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "storage/session_sql.h"

namespace oauthd::storage {
namespace {

constexpr char kRoleColumns[] = "Id, Name, DisplayName, Description, Permissions, BuiltIn";

// Column lists and their decoders (users': session_sql.h); `first` is the 1-based column the row
// starts at, so that a join can read both halves.
constexpr char kSessionColumns[] =
    "s.Id, s.Token, s.CreateAt, s.ExpiresAt, s.LastActivityAt, s.UserId, s.DeviceId, s.Roles, "
    "s.IsOAuth, s.Props";
constexpr int kSessionColumnCount = 10;

SessionRow ReadSession(sql::ResultSet& rs, int first) {
  SessionRow s;
  s.id = GetStr(rs, first);
  s.token = GetStr(rs, first + 1);
  s.create_at = GetInt(rs, first + 2);
  s.expires_at = GetInt(rs, first + 3);
  s.last_activity_at = GetInt(rs, first + 4);
  s.user_id = GetStr(rs, first + 5);
  s.device_id = GetStr(rs, first + 6);
  s.roles = GetStr(rs, first + 7);
  s.is_oauth = GetInt(rs, first + 8) != 0;
  s.props_json = GetStr(rs, first + 9);
  return s;
}

RoleRow ReadRole(sql::ResultSet& rs) {
  RoleRow r;
  r.id = GetStr(rs, 1);
  r.name = GetStr(rs, 2);
  r.display_name = GetStr(rs, 3);
  r.description = GetStr(rs, 4);
  r.permissions = GetStr(rs, 5);
  r.built_in = GetInt(rs, 6) != 0;
  return r;
}

}  // namespace

absl::Status IdentityStore::CreateUser(const UserRow& u) {
  return pool_->Run([&](DbConn& c) -> absl::Status {
    InsertUser(c, u);
    return absl::OkStatus();
  });
}

absl::StatusOr<UserRow> IdentityStore::GetUser(const std::string& id) {
  return pool_->Run([&](DbConn& c) -> absl::StatusOr<UserRow> {
    static const std::string kSql =
        absl::StrCat("SELECT ", kUserColumns, " FROM Users u WHERE u.Id = ?");
    auto& st = c.Prepare(kSql);
    st.setString(1, id);
    std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
    if (!rs->next()) return absl::NotFoundError(absl::StrCat("no user ", id));
    return ReadUser(*rs, 1);
  });
}

absl::Status IdentityStore::CreateSession(const SessionRow& s) {
  return pool_->Run([&](DbConn& c) -> absl::Status {
    InsertSession(c, s);
    return absl::OkStatus();
  });
}

absl::StatusOr<SessionRow> IdentityStore::GetSessionByToken(const std::string& token) {
  auto both = GetSessionAndUserByToken(token);
  if (!both.ok()) return both.status();
  return std::move(both->session);
}

absl::StatusOr<SessionAndUser> IdentityStore::GetSessionAndUserByToken(const std::string& token) {
  return pool_->Run([&](DbConn& c) -> absl::StatusOr<SessionAndUser> {
    // Causal on a cluster: an access token just issued through another node works at once.
    auto& st = c.Prepare(
        absl::StrCat(CausalPrefix(c.galera()), "SELECT ", kSessionColumns, ", ", kUserColumns,
                     " FROM Sessions s LEFT JOIN Users u ON u.Id = s.UserId WHERE s.Token = ?"));
    st.setString(1, token);
    std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
    // The index lookup is case-insensitive under utf8mb4 collations; a token must match byte for
    // byte.
    while (rs->next()) {
      if (GetStr(*rs, 2) != token) continue;
      SessionAndUser out;
      out.session = ReadSession(*rs, 1);
      const int user_first = kSessionColumnCount + 1;
      if (!rs->isNull(user_first)) out.user = ReadUser(*rs, user_first);
      return out;
    }
    return absl::NotFoundError("no session with that token");
  });
}

absl::Status IdentityStore::DeleteSessionByToken(const std::string& token) {
  return pool_->Run([&](DbConn& c) -> absl::Status {
    auto& st = c.Prepare("DELETE FROM Sessions WHERE Token = ?");
    st.setString(1, token);
    st.executeUpdate();
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<RoleRow>> IdentityStore::ListRoles() {
  return pool_->Run([&](DbConn& c) -> absl::StatusOr<std::vector<RoleRow>> {
    static const std::string sql =
        absl::StrCat("SELECT ", kRoleColumns, " FROM Roles WHERE DeleteAt IS NULL OR DeleteAt = 0");
    std::unique_ptr<sql::ResultSet> rs(c.Prepare(sql).executeQuery());
    std::vector<RoleRow> out;
    while (rs->next()) out.push_back(ReadRole(*rs));
    return out;
  });
}

absl::StatusOr<RoleRow> IdentityStore::GetRoleByName(const std::string& name) {
  return pool_->Run([&](DbConn& c) -> absl::StatusOr<RoleRow> {
    static const std::string sql =
        absl::StrCat("SELECT ", kRoleColumns, " FROM Roles WHERE Name = ?");
    auto& st = c.Prepare(sql);
    st.setString(1, name);
    std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
    if (!rs->next()) return absl::NotFoundError(absl::StrCat("no role named ", name));
    return ReadRole(*rs);
  });
}

absl::StatusOr<bool> IdentityStore::CreateRoleIfMissing(const RoleRow& r) {
  return pool_->Run([&](DbConn& c) -> absl::StatusOr<bool> {
    auto& st = c.Prepare(
        "INSERT IGNORE INTO Roles (Id, Name, DisplayName, Description, CreateAt, UpdateAt, "
        "DeleteAt, "
        "Permissions, SchemeManaged, BuiltIn) VALUES (?, ?, ?, ?, ?, ?, 0, ?, 1, ?)");
    const int64_t now = absl::ToUnixMillis(absl::Now());
    st.setString(1, r.id);
    st.setString(2, r.name);
    st.setString(3, r.display_name);
    st.setString(4, r.description);
    st.setInt64(5, now);
    st.setInt64(6, now);
    st.setString(7, r.permissions);
    st.setBoolean(8, r.built_in);
    return st.executeUpdate() > 0;
  });
}

absl::StatusOr<std::string> IdentityStore::EditRolePermissions(
    const std::string& name, const std::function<std::string(const std::string&)>& edit) {
  return pool_->RunInTransaction([&](DbConn& c) -> absl::StatusOr<std::string> {
    auto& read = c.Prepare("SELECT Permissions FROM Roles WHERE Name = ? FOR UPDATE");
    read.setString(1, name);
    std::unique_ptr<sql::ResultSet> rs(read.executeQuery());
    if (!rs->next()) return absl::NotFoundError(absl::StrCat("no role named ", name));
    std::string permissions = edit(GetStr(*rs, 1));
    auto& write = c.Prepare("UPDATE Roles SET Permissions = ?, UpdateAt = ? WHERE Name = ?");
    write.setString(1, permissions);
    write.setInt64(2, absl::ToUnixMillis(absl::Now()));
    write.setString(3, name);
    write.executeUpdate();
    return permissions;
  });
}

}  // namespace oauthd::storage
