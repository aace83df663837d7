#include "storage/secret_cipher.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace oauthd::storage {
namespace {

constexpr char kPrefix[] = "oe1:";
constexpr size_t kKeyBytes = 32, kNonceBytes = 12, kTagBytes = 16, kKeyIdChars = 8;

using Bytes = std::string;

Bytes Hmac(const Bytes& key, absl::string_view a, absl::string_view b = "") {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  const std::string msg = absl::StrCat(a, b);
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out, &len);
  return Bytes(reinterpret_cast<char*>(out), len);
}

// "oe1:KEYID:payload" → KEYID and payload; false for anything else (clear text).
bool SplitStored(absl::string_view stored, absl::string_view* key_id, absl::string_view* payload) {
  if (!absl::StartsWith(stored, kPrefix)) return false;
  stored.remove_prefix(sizeof kPrefix - 1);
  if (stored.size() < kKeyIdChars + 1 || stored[kKeyIdChars] != ':') return false;
  *key_id = stored.substr(0, kKeyIdChars);
  *payload = stored.substr(kKeyIdChars + 1);
  return true;
}

struct CipherCtx {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ~CipherCtx() { EVP_CIPHER_CTX_free(ctx); }
};

const unsigned char* U(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Mattermost's base32 alphabet (common/mattermost_id.cc), most significant bits first. It has no
// '0', which marks digests and placeholders.
constexpr char kBase32[] = "ybndrfg8ejkmcpqxot1uwisza345h769";
constexpr char kDigestMark = '0';

std::string Base32(const unsigned char* b, size_t n, size_t chars) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < n && out.size() < chars; ++i) {
    buffer = (buffer << 8) | b[i];
    bits += 8;
    while (bits >= 5 && out.size() < chars) {
      out.push_back(kBase32[(buffer >> (bits - 5)) & 0x1f]);
      bits -= 5;
    }
  }
  return out;
}

}  // namespace

// Sub-keys are derived from the configured key, one per use, so that no key serves two purposes.
struct SecretCipher::Key {
  Bytes aes;       // AES-256-GCM key
  std::string id;  // 8 hex digits

  explicit Key(const Bytes& master)
      : aes(Hmac(master, "oauthd/secret-cipher/v1/aes-256-gcm")),
        id(absl::BytesToHexString(Hmac(master, "oauthd/secret-cipher/v1/key-id"))
               .substr(0, kKeyIdChars)) {}
};

const SecretCipher& SecretCipher::ClearText() {
  static const SecretCipher* clear = new SecretCipher();
  return *clear;
}

absl::StatusOr<std::unique_ptr<SecretCipher>> SecretCipher::Create(
    const std::string& current, const std::vector<std::string>& previous) {
  std::unique_ptr<SecretCipher> cipher(new SecretCipher());
  std::vector<std::string> all = {current};
  all.insert(all.end(), previous.begin(), previous.end());
  for (size_t i = 0; i < all.size(); ++i) {
    Bytes raw;
    if ((!absl::Base64Unescape(all[i], &raw) && !absl::WebSafeBase64Unescape(all[i], &raw)) ||
        raw.size() != kKeyBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(i == 0 ? "the encryption key" : absl::StrCat("previous key ", i),
                       " must be 32 bytes in base64 (e.g. from `openssl rand -base64 32`)"));
    }
    auto key = std::make_unique<Key>(raw);
    for (const auto& k : cipher->keys_) {
      if (k->id == key->id) {
        return absl::InvalidArgumentError(
            absl::StrCat("the same key is given twice (key id ", key->id, ")"));
      }
    }
    cipher->keys_.push_back(std::move(key));
  }
  return cipher;
}

SecretCipher::~SecretCipher() = default;

std::string SecretCipher::key_id() const { return keys_.empty() ? "" : keys_[0]->id; }

std::string SecretCipher::SealWith(const Key& key, absl::string_view column,
                                   absl::string_view value) const {
  Bytes out(kNonceBytes + value.size() + kTagBytes, '\0');
  unsigned char* nonce = reinterpret_cast<unsigned char*>(out.data());
  if (RAND_bytes(nonce, kNonceBytes) != 1) {
    abort();  // no randomness: nothing may be sealed (a repeated nonce would break GCM)
  }
  CipherCtx c;
  int len = 0;
  unsigned char* body = nonce + kNonceBytes;
  if (EVP_EncryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, U(key.aes), nonce) != 1 ||
      EVP_EncryptUpdate(c.ctx, nullptr, &len, U(column), static_cast<int>(column.size())) != 1 ||
      EVP_EncryptUpdate(c.ctx, body, &len, U(value), static_cast<int>(value.size())) != 1 ||
      EVP_EncryptFinal_ex(c.ctx, body + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes, body + value.size()) != 1) {
    abort();  // only a broken OpenSSL fails here; writing the clear value instead would be worse
  }
  return absl::StrCat(kPrefix, key.id, ":", absl::WebSafeBase64Escape(out));
}

std::string SecretCipher::Seal(absl::string_view column, absl::string_view value) const {
  if (keys_.empty() || value.empty()) return std::string(value);
  return SealWith(*keys_[0], column, value);
}

std::string SecretCipher::StoreLookup(absl::string_view column, absl::string_view value) const {
  if (keys_.empty()) return std::string(value);
  return LookupDigest(column, value);
}

std::string LookupDigest(absl::string_view column, absl::string_view value) {
  if (value.empty()) return "";
  unsigned char md[SHA256_DIGEST_LENGTH];
  const std::string input = absl::StrCat("oauthd/lookup-digest/v1/", column, ":", value);
  SHA256(U(input), input.size(), md);
  // As long as the value (so it fits where the value fits), at most all of SHA-256's 256 bits.
  const size_t chars = std::min<size_t>(value.size() - 1, SHA256_DIGEST_LENGTH * 8 / 5);
  return kDigestMark + Base32(md, sizeof md, chars);
}

bool IsDigestOrPlaceholder(absl::string_view stored) {
  return !stored.empty() && stored[0] == kDigestMark;
}

std::vector<std::string> LookupForms(absl::string_view column, absl::string_view value) {
  if (value.empty() || IsDigestOrPlaceholder(value)) return {};
  return {std::string(value), LookupDigest(column, value)};
}

std::string SealedSecretPlaceholder() {
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1) abort();
  return kDigestMark + Base32(raw, sizeof raw, 25);
}

bool IsSealed(absl::string_view stored) { return absl::StartsWith(stored, kPrefix); }

absl::StatusOr<std::string> OpenClientSecret(const SecretCipher& cipher,
                                             absl::string_view in_oauthapps,
                                             absl::string_view sealed) {
  if (!IsDigestOrPlaceholder(in_oauthapps)) return cipher.Open(kClientSecretColumn, in_oauthapps);
  if (sealed.empty())
    return absl::DataLossError("the sealed client secret is missing from OAuthdApps");
  return cipher.Open(kClientSecretColumn, sealed);
}

absl::StatusOr<std::string> SecretCipher::Open(absl::string_view column,
                                               absl::string_view stored) const {
  absl::string_view key_id, payload;
  if (!SplitStored(stored, &key_id, &payload)) return std::string(stored);
  const Key* key = nullptr;
  for (const auto& k : keys_) {
    if (k->id == key_id) key = k.get();
  }
  if (key == nullptr) {
    return absl::DataLossError(absl::StrCat(
        column, " is encrypted with key id ", key_id,
        keys_.empty() ? ", and no --secret-encryption-key is given"
                      : ", which is neither --secret-encryption-key nor a previous key"));
  }
  Bytes raw;
  if (!absl::WebSafeBase64Unescape(payload, &raw) || raw.size() < kNonceBytes + kTagBytes) {
    return absl::DataLossError(absl::StrCat(column, " holds a malformed encrypted value"));
  }
  const size_t n = raw.size() - kNonceBytes - kTagBytes;
  const unsigned char* nonce = U(raw);
  Bytes tag = raw.substr(kNonceBytes + n);
  std::string value(n, '\0');
  CipherCtx c;
  int len = 0;
  unsigned char* out = reinterpret_cast<unsigned char*>(value.data());
  if (EVP_DecryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, U(key->aes), nonce) != 1 ||
      EVP_DecryptUpdate(c.ctx, nullptr, &len, U(column), static_cast<int>(column.size())) != 1 ||
      EVP_DecryptUpdate(c.ctx, out, &len, nonce + kNonceBytes, static_cast<int>(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(c.ctx, out + len, &len) != 1) {
    return absl::DataLossError(
        absl::StrCat(column, " failed authentication under key id ", key_id));
  }
  return value;
}

bool SecretCipher::IsCurrent(absl::string_view stored) const {
  absl::string_view key_id, payload;
  return !keys_.empty() && SplitStored(stored, &key_id, &payload) && key_id == keys_[0]->id;
}

std::string NewSecretKey() {
  unsigned char raw[kKeyBytes];
  if (RAND_bytes(raw, sizeof raw) != 1) abort();
  return absl::Base64Escape(absl::string_view(reinterpret_cast<char*>(raw), sizeof raw));
}

}  // namespace oauthd::storage
