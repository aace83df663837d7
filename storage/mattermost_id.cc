#include "storage/mattermost_id.h"

#include <openssl/rand.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/ascii.h"

namespace oauthd {

std::string NewId() {
  static constexpr char kAlphabet[] = "ybndrfg8ejkmcpqxot1uwisza345h769";
  uint8_t b[16];
  if (RAND_bytes(b, sizeof b) != 1) {
    std::fprintf(stderr,
                 "fatal: OpenSSL RAND_bytes failed; refusing to generate a predictable id\n");
    std::abort();
  }
  b[6] = (b[6] & 0x0f) | 0x40;  // UUID version 4
  b[8] = (b[8] & 0x3f) | 0x80;  // RFC 4122 variant
  std::string out;
  out.reserve(26);
  // Base32: 5 bits at a time, most significant first; 128 bits → 26 characters (the last one padded
  // with zeros).
  uint32_t buffer = 0;
  int bits = 0;
  for (uint8_t byte : b) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 0x1f]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 0x1f]);
  return out;
}

bool IsValidId(absl::string_view id) {
  if (id.size() != 26) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace oauthd
