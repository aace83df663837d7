// Secret ids, encryption at rest, trusted-proxy address resolution and audit records, without a
// database.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "common/mattermost_id.h"
#include "server/rpc/audit_log.h"
#include "server/rpc/client_address.h"
#include "storage/secret_cipher.h"

namespace oauthd {
namespace {

using storage::kAuthCodeColumn;
using storage::kClientSecretColumn;
using storage::kRefreshTokenColumn;
using storage::SecretCipher;

// Ids are drawn from a per-thread block of random bytes: every id of every thread differs, and has
// Mattermost's form.
TEST(NewId, IdsOfManyThreadsAreValidAndDistinct) {
  constexpr int kThreads = 4, kEach = 2000;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&ids, t] {
      for (int i = 0; i < kEach; ++i) ids[t].push_back(NewId());
    });
  }
  for (std::thread& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& list : ids) {
    for (const std::string& id : list) {
      EXPECT_TRUE(IsValidId(id)) << id;
      all.insert(id);
    }
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kEach));
}

// A forked child must not hand out the bytes its parent drew but had not used yet.
TEST(NewId, AForkedChildDoesNotRepeatItsParentsIds) {
  NewId();  // the parent's block is drawn and partly used
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string id = NewId();
    const ssize_t n = write(fds[1], id.data(), id.size());
    _exit(n == static_cast<ssize_t>(id.size()) ? 0 : 1);
  }
  close(fds[1]);
  const std::string mine = NewId();
  char buf[64];
  const ssize_t n = read(fds[0], buf, sizeof buf);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_EQ(n, 26);
  EXPECT_NE(std::string(buf, n), mine);
}

std::unique_ptr<SecretCipher> Cipher(const std::string& key, std::vector<std::string> prev = {}) {
  auto c = SecretCipher::Create(key, prev);
  EXPECT_TRUE(c.ok()) << c.status();
  return std::move(*c);
}

TEST(SecretCipher, RoundTripHidesTheValueAndNamesTheKey) {
  const std::string key = storage::NewSecretKey();
  auto c = Cipher(key);
  const std::string secret = "abcdefghijklmnopqrstuvwxyz";
  const std::string sealed = c->Seal(kClientSecretColumn, secret);
  EXPECT_TRUE(absl::StartsWith(sealed, "oe1:" + c->key_id() + ":")) << sealed;
  EXPECT_EQ(sealed.find(secret), std::string::npos);
  EXPECT_LE(sealed.size(), 128u);                           // fits OAuthApps.ClientSecret
  EXPECT_NE(sealed, c->Seal(kClientSecretColumn, secret));  // random nonce
  EXPECT_EQ(*c->Open(kClientSecretColumn, sealed), secret);
  EXPECT_TRUE(c->IsCurrent(sealed));
  // Bound to its column: the same text does not open as another column's.
  EXPECT_TRUE(absl::IsDataLoss(c->Open(kRefreshTokenColumn, sealed).status()));
  // Tampering fails authentication.
  std::string tampered = sealed;
  tampered[20] = tampered[20] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(c->Open(kClientSecretColumn, tampered).ok());
}

// Codes and refresh tokens are kept as digests under a key: as long as the value (so a refresh
// token's fits Mattermost's varchar(26)), the same under every key (no rotation needed), never the
// value, and marked with '0' (no Mattermost id has one) so that a digest read from the database and
// sent back is no token.
TEST(SecretCipher, LookupValuesAreDigestsThatFitAndCannotPassAsTokens) {
  auto c = Cipher(storage::NewSecretKey());
  auto other = Cipher(storage::NewSecretKey());
  const std::string refresh = NewId(), code = NewId() + NewId();
  const std::string digest = c->StoreLookup(kRefreshTokenColumn, refresh);
  EXPECT_EQ(digest.size(), refresh.size());
  EXPECT_EQ(digest[0], '0');
  EXPECT_EQ(digest.find(refresh.substr(0, 8)), std::string::npos);
  EXPECT_EQ(digest, other->StoreLookup(kRefreshTokenColumn, refresh));
  EXPECT_EQ(digest, storage::LookupDigest(kRefreshTokenColumn, refresh));
  EXPECT_NE(digest, storage::LookupDigest(kAuthCodeColumn, refresh));  // one domain per kind
  EXPECT_EQ(c->StoreLookup(kAuthCodeColumn, code).size(), code.size());
  EXPECT_TRUE(storage::IsDigestOrPlaceholder(digest));
  EXPECT_FALSE(storage::IsDigestOrPlaceholder(refresh));
  // Without a key the value is stored as it is (Mattermost's form).
  EXPECT_EQ(SecretCipher::ClearText().StoreLookup(kRefreshTokenColumn, refresh), refresh);
  // A presented value is looked up in both forms; a digest presented as a token finds nothing.
  EXPECT_EQ(storage::LookupForms(kRefreshTokenColumn, refresh),
            (std::vector<std::string>{refresh, digest}));
  EXPECT_TRUE(storage::LookupForms(kRefreshTokenColumn, digest).empty());
  EXPECT_TRUE(storage::LookupForms(kRefreshTokenColumn, "").empty());
  // The placeholder a sealed client secret leaves in Mattermost's column: marked and random.
  const std::string placeholder = storage::SealedSecretPlaceholder();
  EXPECT_EQ(placeholder.size(), 26u);
  EXPECT_TRUE(storage::IsDigestOrPlaceholder(placeholder));
  EXPECT_NE(placeholder, storage::SealedSecretPlaceholder());
}

TEST(SecretCipher, ValuesSealedUnderAnOldKeyNeedThatKey) {
  const std::string old_key = storage::NewSecretKey(), new_key = storage::NewSecretKey();
  auto before = Cipher(old_key);
  auto during = Cipher(new_key, {old_key});
  const std::string sealed = before->Seal(kClientSecretColumn, "s3cret");
  EXPECT_EQ(*during->Open(kClientSecretColumn, sealed), "s3cret");
  EXPECT_FALSE(during->IsCurrent(sealed));
  EXPECT_TRUE(storage::IsSealed(sealed));
  // Without the old key, its values are unreadable and the error says which key is missing.
  auto after = Cipher(new_key);
  auto lost = after->Open(kClientSecretColumn, sealed);
  ASSERT_FALSE(lost.ok());
  EXPECT_NE(lost.status().message().find(before->key_id()), std::string::npos);
}

TEST(SecretCipher, ClearTextPassesAndBadKeysAreRefused) {
  const SecretCipher& clear = SecretCipher::ClearText();
  EXPECT_FALSE(clear.encrypts());
  EXPECT_EQ(clear.Seal(kClientSecretColumn, "s3cret"), "s3cret");
  EXPECT_EQ(*clear.Open(kClientSecretColumn, "s3cret"), "s3cret");
  auto c = Cipher(storage::NewSecretKey());
  EXPECT_EQ(*c->Open(kClientSecretColumn, "legacyclearvalue"), "legacyclearvalue");
  EXPECT_EQ(c->Seal(kClientSecretColumn, ""), "");  // a public client has no secret
  EXPECT_FALSE(clear.Open(kClientSecretColumn, c->Seal(kClientSecretColumn, "x")).ok());
  EXPECT_FALSE(SecretCipher::Create("c2hvcnQ=", {}).ok());  // 5 bytes
  EXPECT_FALSE(SecretCipher::Create("not base64!", {}).ok());
  const std::string key = storage::NewSecretKey();
  EXPECT_FALSE(SecretCipher::Create(key, {key}).ok());  // the same key twice
}

TEST(TrustedProxies, BelievesForwardedForOnlyFromTrustedPeers) {
  auto proxies = rpc::TrustedProxies::Parse("10.0.0.0/8, 127.0.0.1 ,::1,fd00::/8");
  ASSERT_TRUE(proxies.ok()) << proxies.status();
  // Untrusted peer: its header is ignored, whatever it says.
  EXPECT_EQ(proxies->ClientAddress("ipv4:203.0.113.9:4000", "1.2.3.4"), "203.0.113.9");
  // Trusted peer: the hop it names.
  EXPECT_EQ(proxies->ClientAddress("ipv4:10.1.2.3:4000", "198.51.100.7"), "198.51.100.7");
  // A chain: leftwards through trusted proxies; a spoofed entry left of the real client is not
  // reached.
  EXPECT_EQ(proxies->ClientAddress("ipv4:127.0.0.1:1", "6.6.6.6, 198.51.100.7, 10.9.9.9"),
            "198.51.100.7");
  EXPECT_EQ(proxies->ClientAddress("ipv6:[::1]:5", "2001:db8::1"), "2001:db8::1");
  EXPECT_EQ(proxies->ClientAddress("ipv6:[::ffff:127.0.0.1]:5", "192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(proxies->ClientAddress("ipv4:10.0.0.1:1", "garbage"), "10.0.0.1");
  EXPECT_EQ(proxies->ClientAddress("ipv4:10.0.0.1:1", ""), "10.0.0.1");
  EXPECT_TRUE(proxies->Contains("fd12::1"));
  EXPECT_FALSE(proxies->Contains("11.0.0.1"));
  rpc::TrustedProxies nobody;
  EXPECT_EQ(nobody.ClientAddress("ipv4:127.0.0.1:1", "1.2.3.4"), "127.0.0.1");
  EXPECT_FALSE(rpc::TrustedProxies::Parse("10.0.0.0/33").ok());
  EXPECT_FALSE(rpc::TrustedProxies::Parse("example.com").ok());
}

TEST(AuditLog, OneLineOfFixedFieldsWithHostileValuesNeutralized) {
  rpc::AuditRecord r;
  r.time = absl::FromUnixSeconds(0);
  r.event = "oauth_app.delete";
  r.user_id = "u1";
  r.app_id = "x\"\n\\";
  r.client_ip = "192.0.2.1";
  r.request_id = "rid";
  r.http_status = 403;
  r.error = "api.context.permissions.app_error";
  EXPECT_EQ(rpc::AuditLog::Format(r),
            "{\"ts\":\"1970-01-01T00:00:00+00:00\",\"audit\":\"oauth_app.delete\",\"actor_type\":"
            "\"user\",\"actor\":\"u1\",\"app_id\":\"x\\\"?\\\\\",\"client_ip\":\"192.0.2.1\","
            "\"request_id\":\"rid\",\"outcome\":\"failure\",\"status\":403,\"error\":"
            "\"api.context.permissions.app_error\"}");
  r.event = "oauth.token";
  r.user_id = "";
  r.app_id = "client1";
  r.http_status = 200;
  r.error = "";
  const std::string line = rpc::AuditLog::Format(r);
  EXPECT_NE(line.find("\"actor_type\":\"client\",\"actor\":\"client1\""), std::string::npos);
  EXPECT_NE(line.find("\"outcome\":\"success\""), std::string::npos);
  EXPECT_EQ(line.find("\"error\""), std::string::npos);
  // A call that succeeded but changed nothing, with the reason: refused.
  r.event = "oauth.revoke";
  r.error = "not_permitted";
  const std::string refused = rpc::AuditLog::Format(r);
  EXPECT_NE(refused.find("\"actor_type\":\"client\",\"actor\":\"client1\""), std::string::npos);
  EXPECT_NE(refused.find("\"outcome\":\"refused\",\"status\":200,\"error\":\"not_permitted\""),
            std::string::npos)
      << refused;
}

}  // namespace
}  // namespace oauthd
