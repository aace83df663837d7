// How secrets are kept at rest. Two kinds, both chosen so that what lands in Mattermost's columns
// fits them and is never a sealed secret (design: docs/architecture.md, "Secrets at rest"):
//
// * Client secrets must be read back (the API shows them), so under --secret-encryption-key they
//   are sealed with AES-256-GCM (OpenSSL EVP) and kept in oauthd's own tables (OAuthdApps,
//   OAuthdPreviousSecrets); OAuthApps.ClientSecret then holds a random placeholder that matches no
//   secret. Sealed form: "oe1:" KEYID ":" base64url(nonce[12] | ciphertext | tag[16]), KEYID being
//   8 hex digits derived from the key; the purpose label (kClientSecretColumn) is the additional
//   authenticated data. Every sealed value names its key, so keys can rotate while the service
//   runs.
// * Codes and refresh tokens are only ever looked up, never read back: under a key they are stored
//   as a one-way digest, "0" followed by SHA-256 in Mattermost's base32, as long as the value
//   itself (so a refresh token's digest fits OAuthAccessData.RefreshToken, varchar(26)). A digest
//   needs no key to check, so it never has to be rotated. Tokens are 128 random bits: a digest
//   reveals nothing that could be turned back into one.
//
// Without a key, everything is clear text, as Mattermost stores it. Clear values are always read,
// whatever the key, so a database can move from clear text to protected (`oauthd secrets rotate`).
// Mattermost's ids never contain '0', so a stored value that starts with it is a digest or a
// placeholder, and a presented token that starts with it is none of ours.
#ifndef OAUTHD_STORAGE_SECRET_CIPHER_H_
#define OAUTHD_STORAGE_SECRET_CIPHER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace oauthd::storage {

// Purpose labels: the additional authenticated data of sealed client secrets, and the domain of
// each kind of digest.
inline constexpr char kClientSecretColumn[] = "OAuthApps.ClientSecret";
inline constexpr char kAuthCodeColumn[] = "OAuthAuthData.Code";
inline constexpr char kRefreshTokenColumn[] = "OAuthAccessData.RefreshToken";

// The digest form of a code or refresh token (see above); "" for "".
std::string LookupDigest(absl::string_view column, absl::string_view value);
// Whether a stored value is a digest or a sealed secret's placeholder (not a token or secret).
bool IsDigestOrPlaceholder(absl::string_view stored);
// The stored forms a presented code or refresh token may have: itself (clear text) and its digest.
// Empty for a value that cannot be a token of ours (empty, or starting with '0': a digest read from
// the database and sent back must not match itself as clear text).
std::vector<std::string> LookupForms(absl::string_view column, absl::string_view value);
// What OAuthApps.ClientSecret holds while the secret is sealed in OAuthdApps: non-empty (an empty
// secret means a public client), random, and not a form any secret has.
std::string SealedSecretPlaceholder();
// Whether a stored value is sealed ("oe1:…").
bool IsSealed(absl::string_view stored);

class SecretCipher;
// A client secret read from where it is kept: OAuthApps.ClientSecret says where. "" is a public
// client; a placeholder means sealed in OAuthdApps (`sealed`); a value an earlier release sealed in
// place, or clear text, is the secret itself. DATA_LOSS when it cannot be opened.
absl::StatusOr<std::string> OpenClientSecret(const SecretCipher& cipher,
                                             absl::string_view in_oauthapps,
                                             absl::string_view sealed);

class SecretCipher {
 public:
  // No key: values are written in clear text, encrypted ones cannot be read.
  static const SecretCipher& ClearText();
  // `current` seals new values; `previous` keys are only for reading (during a rotation). Keys are
  // 32 bytes in base64 (standard or URL alphabet); an error names the bad one.
  static absl::StatusOr<std::unique_ptr<SecretCipher>> Create(
      const std::string& current, const std::vector<std::string>& previous);

  ~SecretCipher();
  SecretCipher(const SecretCipher&) = delete;
  SecretCipher& operator=(const SecretCipher&) = delete;

  bool encrypts() const { return !keys_.empty(); }
  // The current key's id ("" without a key), for logs.
  std::string key_id() const;

  // A client secret as stored in oauthd's tables: sealed under the current key (clear text without
  // a key). Empty values stay empty: they mean "none" (a public client).
  std::string Seal(absl::string_view column, absl::string_view value) const;
  // A code or refresh token as stored: its digest under a key, clear text without.
  std::string StoreLookup(absl::string_view column, absl::string_view value) const;
  // The value of a stored form. DATA_LOSS when it names an unknown key or fails authentication.
  absl::StatusOr<std::string> Open(absl::string_view column, absl::string_view stored) const;
  // Whether a stored form is sealed under the current key (false for clear text).
  bool IsCurrent(absl::string_view stored) const;

 private:
  struct Key;
  SecretCipher() = default;
  std::string SealWith(const Key& key, absl::string_view column, absl::string_view value) const;
  std::vector<std::unique_ptr<Key>> keys_;  // keys_[0] is the current one
};

// A fresh random key in the form --secret-encryption-key takes (base64, 32 bytes).
std::string NewSecretKey();

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_SECRET_CIPHER_H_
