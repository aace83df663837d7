#include "tests/lib/seed.h"

#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/mattermost_id.h"
#include "storage/identity_store.h"

namespace oauthd::testing {

std::string SeedSession(storage::ConnectionPool& pool, const std::string& user_id,
                        const std::string& roles, int64_t expires_at, bool is_oauth) {
  storage::IdentityStore identity(&pool);
  storage::SessionRow s;
  s.id = NewId();
  s.token = NewId();
  s.create_at = s.last_activity_at = absl::ToUnixMillis(absl::Now());
  s.expires_at = expires_at;
  s.user_id = user_id;
  s.roles = roles;
  s.is_oauth = is_oauth;
  s.props_json = absl::StrCat("{\"csrf\":\"csrf-", s.token, "\"}");
  if (absl::Status st = identity.CreateSession(s); !st.ok())
    throw std::runtime_error(st.ToString());
  return s.token;
}

SeededUser SeedUser(storage::ConnectionPool& pool, const std::string& roles, int64_t expires_at,
                    bool is_oauth) {
  storage::IdentityStore identity(&pool);
  storage::UserRow u;
  u.id = NewId();
  u.username = "u" + u.id.substr(0, 12);
  u.email = u.username + "@example.com";
  u.roles = roles;
  if (absl::Status st = identity.CreateUser(u); !st.ok()) throw std::runtime_error(st.ToString());
  SeededUser out;
  out.id = u.id;
  out.token = SeedSession(pool, u.id, roles, expires_at, is_oauth);
  out.csrf = "csrf-" + out.token;
  return out;
}

Grant NewGrant(const std::string& client, const std::string& user) {
  Grant g;
  g.session.id = NewId();
  g.session.token = NewId();
  g.session.user_id = user;
  g.access.token = g.session.token;
  g.access.client_id = client;
  g.access.user_id = user;
  return g;
}

}  // namespace oauthd::testing
