// Encryption at rest of the values that let a caller act as a client or a user: client secrets,
// refresh tokens and authorization codes. AES-256-GCM (OpenSSL EVP) under a 32-byte key; every
// stored value names the key that sealed it, so keys can rotate while the service runs.
//
// Stored form: "oe1:" KEYID ":" base64url(nonce[12] | ciphertext | tag[16]), where KEYID is 8 hex
// digits derived from the key. The column's name is the additional authenticated data, so a value
// cannot be moved to another column. Values without the prefix are clear text (Mattermost's form,
// and what oauthd writes without a key) and are always read as they are.
//
// Values that are looked up by themselves (codes, refresh tokens) are sealed deterministically:
// the nonce is an HMAC of the value, so sealing the same value under the same key gives the same
// text and `WHERE Code IN (...)` can find it under any known key. They are random and used once,
// so equal texts reveal nothing. Client secrets are only read, never searched for: random nonce.
#ifndef OAUTHD_STORAGE_SECRET_CIPHER_H_
#define OAUTHD_STORAGE_SECRET_CIPHER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace oauthd::storage {

// Column names, used as the additional authenticated data.
inline constexpr char kClientSecretColumn[] = "OAuthApps.ClientSecret";
inline constexpr char kAuthCodeColumn[] = "OAuthAuthData.Code";
inline constexpr char kRefreshTokenColumn[] = "OAuthAccessData.RefreshToken";

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

  // The stored form of a value (clear text without a key). Empty values stay empty: they mean
  // "none" (a public client's secret, a token without refresh).
  std::string Seal(absl::string_view column, absl::string_view value) const;
  std::string SealForLookup(absl::string_view column, absl::string_view value) const;
  // Every stored form a value may have: under each known key, and in clear text.
  std::vector<std::string> LookupForms(absl::string_view column, absl::string_view value) const;
  // The value of a stored form. DATA_LOSS when it names an unknown key or fails authentication.
  absl::StatusOr<std::string> Open(absl::string_view column, absl::string_view stored) const;
  // Whether a stored form is sealed under the current key (false for clear text).
  bool IsCurrent(absl::string_view stored) const;

 private:
  struct Key;
  SecretCipher() = default;
  std::string SealWith(const Key& key, absl::string_view column, absl::string_view value,
                       bool deterministic) const;
  std::vector<std::unique_ptr<Key>> keys_;  // keys_[0] is the current one
};

// A fresh random key in the form --secret-encryption-key takes (base64, 32 bytes).
std::string NewSecretKey();

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_SECRET_CIPHER_H_
