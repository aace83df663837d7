#include "storage/app_store.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "storage/string_list_json.h"

namespace oauthd::storage {
namespace {

constexpr char kColumns[] =
    "o.Id, o.CreatorId, o.CreateAt, o.UpdateAt, o.ClientSecret, o.Name, o.Description, o.IconURL, "
    "o.CallbackUrls, o.Homepage, o.IsTrusted, o.MattermostAppID, o.IsDynamicallyRegistered";

absl::StatusOr<OAuthAppRow> ReadApp(sql::ResultSet& rs) {
  OAuthAppRow a;
  a.id = GetStr(rs, 1);
  a.creator_id = GetStr(rs, 2);
  a.create_at = GetInt(rs, 3);
  a.update_at = GetInt(rs, 4);
  a.client_secret = GetStr(rs, 5);
  a.name = GetStr(rs, 6);
  a.description = GetStr(rs, 7);
  a.icon_url = GetStr(rs, 8);
  auto urls = DecodeStringList(GetStr(rs, 9));
  if (!urls.ok())
    return absl::DataLossError(
        absl::StrCat("OAuthApps.CallbackUrls of ", a.id, ": ", urls.status().message()));
  a.callback_urls = std::move(*urls);
  a.homepage = GetStr(rs, 10);
  a.is_trusted = GetInt(rs, 11) != 0;
  a.mattermost_app_id = GetStr(rs, 12);  // NULL (older Mattermost data) reads as ""
  a.is_dynamically_registered = GetInt(rs, 13) != 0;
  return a;
}

absl::StatusOr<std::vector<OAuthAppRow>> ReadApps(sql::PreparedStatement& st) {
  std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
  std::vector<OAuthAppRow> out;
  while (rs->next()) {
    auto app = ReadApp(*rs);
    if (!app.ok()) return app.status();
    out.push_back(std::move(*app));
  }
  return out;
}

const std::string& SelectById() {
  static const std::string s =
      absl::StrCat("SELECT ", kColumns, " FROM OAuthApps o WHERE o.Id = ?");
  return s;
}

}  // namespace

absl::Status AppStore::Save(const OAuthAppRow& a) {
  return pool_->Run([&](DbConn& c) -> absl::Status {
    auto& st = c.Prepare(
        "INSERT INTO OAuthApps (Id, CreatorId, CreateAt, UpdateAt, ClientSecret, Name, "
        "Description, IconURL, "
        "CallbackUrls, Homepage, IsTrusted, MattermostAppID, IsDynamicallyRegistered) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st.setString(1, a.id);
    st.setString(2, a.creator_id);
    st.setInt64(3, a.create_at);
    st.setInt64(4, a.update_at);
    st.setString(5, a.client_secret);
    st.setString(6, a.name);
    st.setString(7, a.description);
    st.setString(8, a.icon_url);
    st.setString(9, EncodeStringList(a.callback_urls));
    st.setString(10, a.homepage);
    st.setBoolean(11, a.is_trusted);
    st.setString(12, a.mattermost_app_id);
    st.setBoolean(13, a.is_dynamically_registered);
    st.executeUpdate();
    return absl::OkStatus();
  });
}

absl::StatusOr<OAuthAppRow> AppStore::Get(const std::string& id) {
  return pool_->Run([&](DbConn& c) -> absl::StatusOr<OAuthAppRow> {
    auto& st = c.Prepare(SelectById());
    st.setString(1, id);
    std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
    if (!rs->next()) return absl::NotFoundError(absl::StrCat("no OAuth app ", id));
    return ReadApp(*rs);
  });
}

absl::Status AppStore::Update(const OAuthAppRow& a) {
  return pool_->Run([&](DbConn& c) -> absl::Status {
    auto& st = c.Prepare(
        "UPDATE OAuthApps SET UpdateAt = ?, ClientSecret = ?, Name = ?, Description = ?, IconURL = "
        "?, "
        "CallbackUrls = ?, Homepage = ?, IsTrusted = ?, MattermostAppID = ?, "
        "IsDynamicallyRegistered = ? "
        "WHERE Id = ?");
    st.setInt64(1, a.update_at);
    st.setString(2, a.client_secret);
    st.setString(3, a.name);
    st.setString(4, a.description);
    st.setString(5, a.icon_url);
    st.setString(6, EncodeStringList(a.callback_urls));
    st.setString(7, a.homepage);
    st.setBoolean(8, a.is_trusted);
    st.setString(9, a.mattermost_app_id);
    st.setBoolean(10, a.is_dynamically_registered);
    st.setString(11, a.id);
    // Affected rows counts changed rows only; an unchanged row is not "missing", so check existence
    // separately.
    if (st.executeUpdate() > 0) return absl::OkStatus();
    auto& exists = c.Prepare("SELECT 1 FROM OAuthApps WHERE Id = ?");
    exists.setString(1, a.id);
    std::unique_ptr<sql::ResultSet> rs(exists.executeQuery());
    return rs->next() ? absl::OkStatus() : absl::NotFoundError(absl::StrCat("no OAuth app ", a.id));
  });
}

absl::Status AppStore::Delete(const std::string& id) {
  return pool_->RunInTransaction([&](DbConn& c) -> absl::Status {
    auto& app = c.Prepare("DELETE FROM OAuthApps WHERE Id = ?");
    app.setString(1, id);
    if (app.executeUpdate() == 0) return absl::NotFoundError(absl::StrCat("no OAuth app ", id));
    auto& sessions = c.Prepare(
        "DELETE s.* FROM Sessions s INNER JOIN OAuthAccessData o ON o.Token = s.Token "
        "WHERE o.ClientId = ?");
    sessions.setString(1, id);
    sessions.executeUpdate();
    auto& access = c.Prepare("DELETE FROM OAuthAccessData WHERE ClientId = ?");
    access.setString(1, id);
    access.executeUpdate();
    auto& codes = c.Prepare("DELETE FROM OAuthAuthData WHERE ClientId = ?");
    codes.setString(1, id);
    codes.executeUpdate();
    auto& prefs = c.Prepare("DELETE FROM Preferences WHERE Category = 'oauth_app' AND Name = ?");
    prefs.setString(1, id);
    prefs.executeUpdate();
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<OAuthAppRow>> AppStore::List(Page page) {
  return pool_->Run([&](DbConn& c) {
    static const std::string sql = absl::StrCat(
        "SELECT ", kColumns, " FROM OAuthApps o ORDER BY o.CreateAt, o.Id LIMIT ? OFFSET ?");
    auto& st = c.Prepare(sql);
    st.setInt64(1, page.limit);
    st.setInt64(2, page.offset);
    return ReadApps(st);
  });
}

absl::StatusOr<std::vector<OAuthAppRow>> AppStore::ListByCreator(const std::string& creator_id,
                                                                 Page page) {
  return pool_->Run([&](DbConn& c) {
    static const std::string sql = absl::StrCat(
        "SELECT ", kColumns,
        " FROM OAuthApps o WHERE o.CreatorId = ? ORDER BY o.CreateAt, o.Id LIMIT ? OFFSET ?");
    auto& st = c.Prepare(sql);
    st.setString(1, creator_id);
    st.setInt64(2, page.limit);
    st.setInt64(3, page.offset);
    return ReadApps(st);
  });
}

absl::StatusOr<std::vector<OAuthAppRow>> AppStore::ListAuthorizedByUser(const std::string& user_id,
                                                                        Page page) {
  return pool_->Run([&](DbConn& c) {
    static const std::string sql =
        absl::StrCat("SELECT ", kColumns,
                     " FROM OAuthApps o INNER JOIN Preferences p ON p.Name = o.Id AND p.UserId = ? "
                     "AND p.Category = 'oauth_app' ORDER BY o.CreateAt, o.Id LIMIT ? OFFSET ?");
    auto& st = c.Prepare(sql);
    st.setString(1, user_id);
    st.setInt64(2, page.limit);
    st.setInt64(3, page.offset);
    return ReadApps(st);
  });
}

}  // namespace oauthd::storage
