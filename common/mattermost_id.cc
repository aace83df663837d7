#include "common/mattermost_id.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>

#include "absl/strings/ascii.h"

namespace oauthd {
namespace {

// 16 bytes as a UUIDv4 in Mattermost's base32: 5 bits at a time, most significant first; 128 bits →
// 26 characters (the last one padded with zeros).
std::string EncodeId(uint8_t* b) {
  static constexpr char kAlphabet[] = "ybndrfg8ejkmcpqxot1uwisza345h769";
  b[6] = (b[6] & 0x0f) | 0x40;  // UUID version 4
  b[8] = (b[8] & 0x3f) | 0x80;  // RFC 4122 variant
  std::string out;
  out.reserve(26);
  uint32_t buffer = 0;
  int bits = 0;
  for (int i = 0; i < 16; ++i) {
    buffer = (buffer << 8) | b[i];
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 0x1f]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 0x1f]);
  return out;
}

void SecureRandom(uint8_t* b, int n) {
  if (RAND_bytes(b, n) != 1) {
    std::fprintf(stderr,
                 "fatal: OpenSSL RAND_bytes failed; refusing to generate a predictable id\n");
    std::abort();
  }
}

// The bytes of secret ids, drawn from the CSPRNG a block at a time: each RAND_bytes call takes the
// generator's lock and (OpenSSL 3's fork check) makes a getpid system call, and one token exchange
// needs four ids (bench/README.md, "random bytes a block at a time"). A thread's block is its own;
// bytes handed out are wiped from it, and a forked child drops what its parent had drawn, so no two
// processes hand out the same bytes.
struct RandomBlock {
  uint8_t bytes[512];
  size_t used = sizeof bytes;
};
thread_local RandomBlock random_block;

void TakeRandom(uint8_t* out, size_t n) {
  static std::once_flag fork_handler;
  std::call_once(fork_handler, [] {
    // In the child only the forking thread lives on, and this is its block.
    pthread_atfork(nullptr, nullptr, [] {
      OPENSSL_cleanse(random_block.bytes, sizeof random_block.bytes);
      random_block.used = sizeof random_block.bytes;
    });
  });
  RandomBlock& b = random_block;
  if (sizeof b.bytes - b.used < n) {
    SecureRandom(b.bytes, sizeof b.bytes);
    b.used = 0;
  }
  std::memcpy(out, b.bytes + b.used, n);
  OPENSSL_cleanse(b.bytes + b.used, n);
  b.used += n;
}

}  // namespace

std::string NewId() {
  uint8_t b[16];
  TakeRandom(b, sizeof b);
  return EncodeId(b);
}

std::string NewRequestId() {
  thread_local std::mt19937_64 rng([] {
    uint8_t seed[8];
    SecureRandom(seed, sizeof seed);
    uint64_t v;
    std::memcpy(&v, seed, sizeof v);
    return v;
  }());
  uint8_t b[16];
  const uint64_t hi = rng(), lo = rng();
  std::memcpy(b, &hi, 8);
  std::memcpy(b + 8, &lo, 8);
  return EncodeId(b);
}

bool IsPlainRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      return false;
  }
  return true;
}

bool IsValidId(absl::string_view id) {
  if (id.size() != 26) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace oauthd
