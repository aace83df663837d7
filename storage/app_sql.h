// The columns of an app (Mattermost's OAuthApps `o` with oauthd's OAuthdApps `x`) and their
// decoder, shared by the app store and by the reads that bring an app along with what it asks for
// (the token exchange's).
#ifndef OAUTHD_STORAGE_APP_SQL_H_
#define OAUTHD_STORAGE_APP_SQL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "storage/connection_pool.h"
#include "storage/models.h"
#include "storage/secret_cipher.h"
#include "storage/string_list_json.h"

namespace oauthd::storage {

// Mattermost's columns, then oauthd's (NULL for an app without an OAuthdApps row).
inline constexpr char kAppColumns[] =
    "o.Id, o.CreatorId, o.CreateAt, o.UpdateAt, o.ClientSecret, o.Name, o.Description, o.IconURL, "
    "o.CallbackUrls, o.Homepage, o.IsTrusted, o.MattermostAppID, x.IsDynamicallyRegistered, "
    "x.ClientSecret, x.IsResourceServer";
inline constexpr int kAppColumnCount = 15;
inline constexpr char kAppFrom[] = " FROM OAuthApps o LEFT JOIN OAuthdApps x ON x.AppId = o.Id";

// The app whose columns start at `first` (1-based). `Row` is a blocking sql::ResultSet or an
// asynchronous QueryResult: both read through GetStr/GetInt.
template <typename Row>
absl::StatusOr<OAuthAppRow> ReadApp(Row& rs, const SecretCipher& cipher, int first = 1) {
  const int f = first - 1;
  OAuthAppRow a;
  a.id = GetStr(rs, f + 1);
  a.creator_id = GetStr(rs, f + 2);
  a.create_at = GetInt(rs, f + 3);
  a.update_at = GetInt(rs, f + 4);
  auto secret = OpenClientSecret(cipher, GetStr(rs, f + 5), GetStr(rs, f + 14));
  if (!secret.ok())
    return absl::DataLossError(absl::StrCat(secret.status().message(), " (app ", a.id, ")"));
  a.client_secret = std::move(*secret);
  a.name = GetStr(rs, f + 6);
  a.description = GetStr(rs, f + 7);
  a.icon_url = GetStr(rs, f + 8);
  auto urls = DecodeStringList(GetStr(rs, f + 9));
  if (!urls.ok())
    return absl::DataLossError(
        absl::StrCat("OAuthApps.CallbackUrls of ", a.id, ": ", urls.status().message()));
  a.callback_urls = std::move(*urls);
  a.homepage = GetStr(rs, f + 10);
  a.is_trusted = GetInt(rs, f + 11) != 0;
  a.mattermost_app_id = GetStr(rs, f + 12);  // NULL (older Mattermost data) reads as ""
  a.is_dynamically_registered = GetInt(rs, f + 13) != 0;
  a.is_resource_server = GetInt(rs, f + 15) != 0;
  return a;
}

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_APP_SQL_H_
