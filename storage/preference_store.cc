#include "storage/preference_store.h"

#include <memory>

namespace oauthd::storage {

absl::Status PreferenceStore::Save(const PreferenceRow& p) {
  return pool_->Run([&](DbConn& c) -> absl::Status {
    auto& st = c.Prepare(
        "INSERT INTO Preferences (UserId, Category, Name, Value) VALUES (?, ?, ?, ?) "
        "ON DUPLICATE KEY UPDATE Value = VALUES(Value)");
    st.setString(1, p.user_id);
    st.setString(2, p.category);
    st.setString(3, p.name);
    st.setString(4, p.value);
    st.executeUpdate();
    return absl::OkStatus();
  });
}

absl::StatusOr<PreferenceRow> PreferenceStore::Get(const std::string& user_id,
                                                   const std::string& category,
                                                   const std::string& name) {
  return pool_->Run([&](DbConn& c) -> absl::StatusOr<PreferenceRow> {
    auto& st =
        c.Prepare("SELECT Value FROM Preferences WHERE UserId = ? AND Category = ? AND Name = ?");
    st.setString(1, user_id);
    st.setString(2, category);
    st.setString(3, name);
    std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
    if (!rs->next()) return absl::NotFoundError("no such preference");
    return PreferenceRow{user_id, category, name, GetStr(*rs, 1)};
  });
}

absl::Status PreferenceStore::Delete(const std::string& user_id, const std::string& category,
                                     const std::string& name) {
  return pool_->Run([&](DbConn& c) -> absl::Status {
    auto& st = c.Prepare("DELETE FROM Preferences WHERE UserId = ? AND Category = ? AND Name = ?");
    st.setString(1, user_id);
    st.setString(2, category);
    st.setString(3, name);
    st.executeUpdate();
    return absl::OkStatus();
  });
}

}  // namespace oauthd::storage
