#include "storage/app_store.h"

#include <cppconn/datatype.h>

#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "storage/app_sql.h"
#include "storage/cluster_lease.h"
#include "storage/string_list_json.h"

namespace oauthd::storage {
namespace {

// Writes of one row from many pods at once (the registration cap's guard row, one app's update)
// fail certification on a cluster until each has had its turn: enough attempts for a burst.
constexpr int kGuardedAttempts = 20;

absl::StatusOr<std::vector<OAuthAppRow>> ReadApps(sql::PreparedStatement& st,
                                                  const SecretCipher& cipher) {
  std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
  std::vector<OAuthAppRow> out;
  while (rs->next()) {
    auto app = ReadApp(*rs, cipher);
    if (!app.ok()) return app.status();
    out.push_back(std::move(*app));
  }
  return out;
}

// One app by id, causal on a cluster: an app its client has just created, on whichever node,
// is found.
std::string SelectById(bool galera, const std::string& id_value = "?") {
  return absl::StrCat(CausalPrefix(galera), "SELECT ", kAppColumns, kAppFrom,
                      " WHERE o.Id = ", id_value);
}

// How an app's secret is stored: in OAuthApps.ClientSecret as clear text, or (under a key) sealed
// in OAuthdApps with a placeholder in OAuthApps.
struct StoredSecret {
  std::string in_oauthapps;
  std::optional<std::string> sealed;
};

StoredSecret StoreSecret(const std::string& secret, const SecretCipher& cipher) {
  if (!cipher.encrypts() || secret.empty()) return {secret, std::nullopt};
  return {SealedSecretPlaceholder(), cipher.Seal(kClientSecretColumn, secret)};
}

// The app's OAuthdApps row, written only when it has something to say.
void UpsertOAuthdApp(DbConn& c, const std::string& id, bool dynamic,
                     const std::optional<std::string>& sealed) {
  auto& st = c.Prepare(
      "INSERT INTO OAuthdApps (AppId, IsDynamicallyRegistered, ClientSecret) VALUES (?, ?, ?) "
      "ON DUPLICATE KEY UPDATE ClientSecret = VALUES(ClientSecret)");
  st.setString(1, id);
  st.setBoolean(2, dynamic);
  if (sealed) {
    st.setString(3, *sealed);
  } else {
    st.setNull(3, sql::DataType::VARCHAR);
  }
  st.executeUpdate();
}

void InsertApp(DbConn& c, const OAuthAppRow& a, const StoredSecret& secret) {
  auto& st = c.Prepare(
      "INSERT INTO OAuthApps (Id, CreatorId, CreateAt, UpdateAt, ClientSecret, Name, "
      "Description, IconURL, CallbackUrls, Homepage, IsTrusted, MattermostAppID) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  st.setString(1, a.id);
  st.setString(2, a.creator_id);
  st.setInt64(3, a.create_at);
  st.setInt64(4, a.update_at);
  st.setString(5, secret.in_oauthapps);
  st.setString(6, a.name);
  st.setString(7, a.description);
  st.setString(8, a.icon_url);
  st.setString(9, EncodeStringList(a.callback_urls));
  st.setString(10, a.homepage);
  st.setBoolean(11, a.is_trusted);
  st.setString(12, a.mattermost_app_id);
  st.executeUpdate();
  if (a.is_dynamically_registered || secret.sealed) {
    UpsertOAuthdApp(c, a.id, a.is_dynamically_registered, secret.sealed);
  }
}

// Everything that belongs to a deleted app: its sessions, access data, pending codes, `oauth_app`
// preferences and oauthd's own rows.
void DeleteDependents(DbConn& c, const std::string& id) {
  auto& sessions = c.Prepare(
      "DELETE s.* FROM Sessions s INNER JOIN OAuthAccessData o ON o.Token = s.Token "
      "WHERE o.ClientId = ?");
  sessions.setString(1, id);
  sessions.executeUpdate();
  for (const char* sql :
       {"DELETE FROM OAuthAccessData WHERE ClientId = ?",
        "DELETE FROM OAuthdAccessData WHERE ClientId = ?",
        "DELETE d, x FROM OAuthAuthData d LEFT JOIN OAuthdAuthData x ON x.Code = d.Code "
        "WHERE d.ClientId = ?",
        "DELETE FROM Preferences WHERE Category = 'oauth_app' AND Name = ?",
        "DELETE FROM OAuthdApps WHERE AppId = ?",
        "DELETE FROM OAuthdPreviousSecrets WHERE AppId = ?",
        "DELETE FROM OAuthdClientActivity WHERE ClientId = ?"}) {
    auto& st = c.Prepare(sql);
    st.setString(1, id);
    st.executeUpdate();
  }
}

}  // namespace

absl::Status AppStore::Save(const OAuthAppRow& a) {
  const StoredSecret secret = StoreSecret(a.client_secret, *cipher_);
  auto insert = [&](DbConn& c) -> absl::Status {
    InsertApp(c, a, secret);
    return absl::OkStatus();
  };
  // One statement unless oauthd's row is needed too.
  if (!a.is_dynamically_registered && !secret.sealed) return pool_->Run(insert);
  return pool_->RunInTransaction(insert);
}

absl::Status AppStore::SaveDynamic(const OAuthAppRow& a, int64_t max_dynamic) {
  const StoredSecret secret = StoreSecret(a.client_secret, *cipher_);
  return pool_->RunInTransaction(
      [&](DbConn& c) -> absl::Status {
        // Registrations at once, on any nodes, conflict on the guard row: one counts and inserts at
        // a time, or (on a cluster) all but one fail certification and run again. The count sees
        // the winner's insert, even one made through another node a moment ago: the transaction
        // began causally (ConnectionPool::Begin).
        TouchGuard(c, kRegistrationGuard);
        auto& count =
            c.Prepare("SELECT COUNT(*) FROM OAuthdApps WHERE IsDynamicallyRegistered = 1");
        std::unique_ptr<sql::ResultSet> rs(count.executeQuery());
        if (rs->next() && GetInt(*rs, 1) >= max_dynamic) {
          return absl::ResourceExhaustedError(
              absl::StrCat(max_dynamic, " dynamically registered clients exist already"));
        }
        InsertApp(c, a, secret);
        return absl::OkStatus();
      },
      /*attempts=*/kGuardedAttempts);
}

absl::StatusOr<OAuthAppRow> AppStore::Get(const std::string& id) {
  return pool_->Run([&](DbConn& c) -> absl::StatusOr<OAuthAppRow> {
    auto& st = c.Prepare(SelectById(c.galera()));
    st.setString(1, id);
    std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
    if (!rs->next()) return absl::NotFoundError(absl::StrCat("no OAuth app ", id));
    return ReadApp(*rs, *cipher_);
  });
}

void AppStore::GetAsync(const std::string& id,
                        std::function<void(absl::StatusOr<OAuthAppRow>)> done) {
  if (async_ == nullptr) return done(Get(id));
  async_->Query(SelectById(pool_->galera(), SqlQuote(id)),
                [cipher = cipher_, id, done = std::move(done)](absl::StatusOr<QueryResult> rs) {
                  if (!rs.ok()) return done(rs.status());
                  if (!rs->Next())
                    return done(absl::NotFoundError(absl::StrCat("no OAuth app ", id)));
                  done(ReadApp(*rs, *cipher));
                });
}

absl::Status AppStore::Update(const OAuthAppRow& a) {
  // The secret and the registration flag are not the update's to change (spec §2.5 step 9 copies
  // both from the stored app; UpdateSecret changes the secret). A transaction, so that an update
  // that lost to one made through another cluster node at the same moment (certification failure)
  // runs again instead of failing; it writes every column, so running again is harmless.
  return pool_->RunInTransaction(
      [&](DbConn& c) -> absl::Status {
        auto& st = c.Prepare(
            "UPDATE OAuthApps SET UpdateAt = ?, Name = ?, Description = ?, IconURL = ?, "
            "CallbackUrls = ?, Homepage = ?, IsTrusted = ?, MattermostAppID = ? WHERE Id = ?");
        st.setInt64(1, a.update_at);
        st.setString(2, a.name);
        st.setString(3, a.description);
        st.setString(4, a.icon_url);
        st.setString(5, EncodeStringList(a.callback_urls));
        st.setString(6, a.homepage);
        st.setBoolean(7, a.is_trusted);
        st.setString(8, a.mattermost_app_id);
        st.setString(9, a.id);
        // Affected rows counts changed rows only; an unchanged row is not "missing", so check
        // existence separately.
        if (st.executeUpdate() > 0) return absl::OkStatus();
        auto& exists = c.Prepare("SELECT 1 FROM OAuthApps WHERE Id = ?");
        exists.setString(1, a.id);
        std::unique_ptr<sql::ResultSet> rs(exists.executeQuery());
        return rs->next() ? absl::OkStatus()
                          : absl::NotFoundError(absl::StrCat("no OAuth app ", a.id));
      },
      /*attempts=*/kGuardedAttempts);
}

absl::Status AppStore::Delete(const std::string& id) {
  return pool_->RunInTransaction([&](DbConn& c) -> absl::Status {
    auto& app = c.Prepare("DELETE FROM OAuthApps WHERE Id = ?");
    app.setString(1, id);
    if (app.executeUpdate() == 0) return absl::NotFoundError(absl::StrCat("no OAuth app ", id));
    DeleteDependents(c, id);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<OAuthAppRow>> AppStore::List(Page page) {
  return ReadMayLag([&](DbConn& c) {
    static const std::string sql =
        absl::StrCat("SELECT ", kAppColumns, kAppFrom, " ORDER BY o.Id LIMIT ? OFFSET ?");
    auto& st = c.Prepare(sql);
    st.setInt64(1, page.limit);
    st.setInt64(2, page.offset);
    return ReadApps(st, *cipher_);
  });
}

absl::StatusOr<std::vector<OAuthAppRow>> AppStore::ListByCreator(const std::string& creator_id,
                                                                 Page page) {
  return ReadMayLag([&](DbConn& c) {
    static const std::string sql = absl::StrCat(
        "SELECT ", kAppColumns, kAppFrom, " WHERE o.CreatorId = ? ORDER BY o.Id LIMIT ? OFFSET ?");
    auto& st = c.Prepare(sql);
    st.setString(1, creator_id);
    st.setInt64(2, page.limit);
    st.setInt64(3, page.offset);
    return ReadApps(st, *cipher_);
  });
}

absl::StatusOr<std::vector<OAuthAppRow>> AppStore::ListAuthorizedByUser(const std::string& user_id,
                                                                        Page page) {
  return ReadMayLag([&](DbConn& c) {
    static const std::string sql = absl::StrCat(
        "SELECT ", kAppColumns,
        " FROM Preferences p INNER JOIN OAuthApps o ON o.Id = p.Name "
        "LEFT JOIN OAuthdApps x ON x.AppId = o.Id WHERE p.UserId = ? AND p.Category = 'oauth_app' "
        "ORDER BY p.Name LIMIT ? OFFSET ?");
    auto& st = c.Prepare(sql);
    st.setString(1, user_id);
    st.setInt64(2, page.limit);
    st.setInt64(3, page.offset);
    return ReadApps(st, *cipher_);
  });
}

absl::Status AppStore::UpdateSecret(const OAuthAppRow& a,
                                    const std::optional<PreviousSecret>& previous) {
  const StoredSecret secret = StoreSecret(a.client_secret, *cipher_);
  return pool_->RunInTransaction([&](DbConn& c) -> absl::Status {
    auto& st = c.Prepare("UPDATE OAuthApps SET UpdateAt = ?, ClientSecret = ? WHERE Id = ?");
    st.setInt64(1, a.update_at);
    st.setString(2, secret.in_oauthapps);
    st.setString(3, a.id);
    if (st.executeUpdate() == 0) return absl::NotFoundError(absl::StrCat("no OAuth app ", a.id));
    if (secret.sealed) {
      UpsertOAuthdApp(c, a.id, a.is_dynamically_registered, secret.sealed);
    } else {
      // A clear secret is read from OAuthApps; forget any sealed one (a pod without the key).
      auto& clear = c.Prepare("UPDATE OAuthdApps SET ClientSecret = NULL WHERE AppId = ?");
      clear.setString(1, a.id);
      clear.executeUpdate();
    }
    if (!previous) {
      auto& forget = c.Prepare("DELETE FROM OAuthdPreviousSecrets WHERE AppId = ?");
      forget.setString(1, a.id);
      forget.executeUpdate();
      return absl::OkStatus();
    }
    auto& keep = c.Prepare(
        "INSERT INTO OAuthdPreviousSecrets (AppId, ClientSecret, ExpiresAt) VALUES (?, ?, ?) "
        "ON DUPLICATE KEY UPDATE ClientSecret = VALUES(ClientSecret), ExpiresAt = "
        "VALUES(ExpiresAt)");
    keep.setString(1, a.id);
    keep.setString(2, cipher_->Seal(kClientSecretColumn, previous->client_secret));
    keep.setInt64(3, previous->expires_at);
    keep.executeUpdate();
    return absl::OkStatus();
  });
}

absl::Status AppStore::SetResourceServer(const std::string& id, bool is_resource_server) {
  return pool_->RunInTransaction([&](DbConn& c) -> absl::Status {
    auto& exists = c.Prepare("SELECT 1 FROM OAuthApps WHERE Id = ? FOR UPDATE");
    exists.setString(1, id);
    std::unique_ptr<sql::ResultSet> rs(exists.executeQuery());
    if (!rs->next()) return absl::NotFoundError(absl::StrCat("no OAuth app ", id));
    auto& st = c.Prepare(
        "INSERT INTO OAuthdApps (AppId, IsResourceServer) VALUES (?, ?) "
        "ON DUPLICATE KEY UPDATE IsResourceServer = VALUES(IsResourceServer)");
    st.setString(1, id);
    st.setBoolean(2, is_resource_server);
    st.executeUpdate();
    return absl::OkStatus();
  });
}

absl::StatusOr<PreviousSecret> AppStore::GetPreviousSecret(const std::string& id) {
  return pool_->Run([&](DbConn& c) -> absl::StatusOr<PreviousSecret> {
    auto& st =
        c.Prepare("SELECT ClientSecret, ExpiresAt FROM OAuthdPreviousSecrets WHERE AppId = ?");
    st.setString(1, id);
    std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
    if (!rs->next()) return absl::NotFoundError(absl::StrCat("no previous secret for ", id));
    auto secret = cipher_->Open(kClientSecretColumn, GetStr(*rs, 1));
    if (!secret.ok()) return secret.status();
    return PreviousSecret{std::move(*secret), GetInt(*rs, 2)};
  });
}

absl::StatusOr<int> AppStore::ReapIdleDynamicClients(int64_t idle_before, int limit,
                                                     absl::Duration reap_lease) {
  return pool_->Run([&](DbConn& c) -> absl::StatusOr<int> {
    // One pod per round, whatever node it is on: the lease lapses by itself before the next.
    auto taken = TakeLease(c, kReaperLease, reaper_holder_, reap_lease);
    if (!taken.ok()) return taken.status();
    if (!*taken) return 0;
    // Idle: registered, last token and last code all before the cut-off. Refresh tokens never
    // expire (as in Mattermost), so a client holding one is never idle.
    auto& find = c.Prepare(
        "SELECT o.Id FROM OAuthdApps x INNER JOIN OAuthApps o ON o.Id = x.AppId "
        "LEFT JOIN OAuthdClientActivity a ON a.ClientId = o.Id "
        "WHERE x.IsDynamicallyRegistered = 1 AND o.CreateAt < ? "
        "AND COALESCE(a.LastTokenAt, 0) < ? "
        "AND NOT EXISTS (SELECT 1 FROM OAuthAuthData d WHERE d.ClientId = o.Id AND d.CreateAt >= "
        "?) "
        "AND NOT EXISTS (SELECT 1 FROM OAuthAccessData t WHERE t.ClientId = o.Id "
        "AND t.RefreshToken <> '') ORDER BY o.CreateAt LIMIT ?");
    find.setInt64(1, idle_before);
    find.setInt64(2, idle_before);
    find.setInt64(3, idle_before);
    find.setInt(4, limit);
    std::vector<std::string> ids;
    {
      std::unique_ptr<sql::ResultSet> rs(find.executeQuery());
      while (rs->next()) ids.push_back(GetStr(*rs, 1));
    }
    int reaped = 0;
    for (const std::string& id : ids) {
      // The refresh-token condition again, in the deleting statement itself: a token issued since
      // the search keeps the client.
      c.Execute("START TRANSACTION");
      try {
        auto& del = c.Prepare(
            "DELETE FROM OAuthApps WHERE Id = ? AND NOT EXISTS (SELECT 1 FROM OAuthAccessData t "
            "WHERE t.ClientId = ? AND t.RefreshToken <> '')");
        del.setString(1, id);
        del.setString(2, id);
        if (del.executeUpdate() > 0) {
          DeleteDependents(c, id);
          ++reaped;
        }
        c.Execute("COMMIT");
      } catch (...) {
        try {
          c.Execute("ROLLBACK");
        } catch (...) {
        }
        throw;
      }
    }
    return reaped;
  });
}

namespace {

// LastTokenAt only moves forward, so a late or repeated record changes nothing.
std::string RecordActivitySql(const std::string& client_id, const std::string& at) {
  return absl::StrCat(
      "INSERT INTO OAuthdClientActivity (ClientId, LastTokenAt) VALUES (", client_id, ", ", at,
      ") ON DUPLICATE KEY UPDATE LastTokenAt = GREATEST(LastTokenAt, VALUES(LastTokenAt))");
}

}  // namespace

absl::Status AppStore::RecordTokenActivity(const std::string& client_id, int64_t at) {
  return pool_->Run([&](DbConn& c) -> absl::Status {
    auto& st = c.Prepare(RecordActivitySql("?", "?"));
    st.setString(1, client_id);
    st.setInt64(2, at);
    st.executeUpdate();
    return absl::OkStatus();
  });
}

void AppStore::RecordTokenActivityAsync(const std::string& client_id, int64_t at) {
  if (async_ == nullptr) {
    (void)RecordTokenActivity(client_id, at);
    return;
  }
  async_->Query(RecordActivitySql(SqlQuote(client_id), absl::StrCat(at)),
                [](absl::StatusOr<QueryResult>) {});
}

}  // namespace oauthd::storage
