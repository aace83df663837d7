#include "server/rpc/client_address.h"

#include <arpa/inet.h>

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace oauthd::rpc {
namespace {

// An address as 16 bytes, IPv4 mapped into ::ffff:0:0/96 so one comparison covers both.
bool ToBytes(absl::string_view text, std::array<unsigned char, 16>* out, bool* v4) {
  const std::string s(text);
  unsigned char buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) {
    out->fill(0);
    (*out)[10] = (*out)[11] = 0xff;
    std::memcpy(out->data() + 12, buf, 4);
    *v4 = true;
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) {
    std::memcpy(out->data(), buf, 16);
    *v4 = false;
    return true;
  }
  return false;
}

bool PrefixMatches(const std::array<unsigned char, 16>& a, const std::array<unsigned char, 16>& b,
                   int prefix) {
  const int whole = prefix / 8, bits = prefix % 8;
  if (std::memcmp(a.data(), b.data(), whole) != 0) return false;
  if (bits == 0) return true;
  const unsigned char mask = static_cast<unsigned char>(0xff << (8 - bits));
  return (a[whole] & mask) == (b[whole] & mask);
}

}  // namespace

std::string PeerAddress(absl::string_view p) {
  if (!absl::ConsumePrefix(&p, "ipv4:") && !absl::ConsumePrefix(&p, "ipv6:")) return std::string(p);
  size_t colon = p.rfind(':');
  if (colon != absl::string_view::npos) p = p.substr(0, colon);
  absl::ConsumePrefix(&p, "[");
  absl::ConsumeSuffix(&p, "]");
  // %25-encoded zone ids ("fe80::1%25eth0") are not part of the address.
  if (size_t zone = p.find('%'); zone != absl::string_view::npos) p = p.substr(0, zone);
  return std::string(p);
}

absl::StatusOr<TrustedProxies> TrustedProxies::Parse(absl::string_view cidrs) {
  TrustedProxies t;
  for (absl::string_view item : absl::StrSplit(cidrs, ',', absl::SkipWhitespace())) {
    item = absl::StripAsciiWhitespace(item);
    absl::string_view address = item, length;
    if (size_t slash = item.find('/'); slash != absl::string_view::npos) {
      address = item.substr(0, slash);
      length = item.substr(slash + 1);
    }
    Network n;
    bool v4 = false;
    int bits = -1;
    if (!ToBytes(address, &n.bytes, &v4) ||
        (!length.empty() &&
         (!absl::SimpleAtoi(length, &bits) || bits < 0 || bits > (v4 ? 32 : 128)))) {
      return absl::InvalidArgumentError(
          absl::StrCat("--trusted-proxies: \"", item, "\" is not an address or CIDR"));
    }
    n.prefix = length.empty() ? 128 : (v4 ? 96 + bits : bits);
    t.networks_.push_back(n);
  }
  return t;
}

bool TrustedProxies::Contains(absl::string_view ip) const {
  std::array<unsigned char, 16> bytes;
  bool v4 = false;
  if (!ToBytes(ip, &bytes, &v4)) return false;
  for (const Network& n : networks_) {
    if (PrefixMatches(bytes, n.bytes, n.prefix)) return true;
  }
  return false;
}

std::string TrustedProxies::ClientAddress(absl::string_view peer,
                                          absl::string_view forwarded_for) const {
  std::string current = PeerAddress(peer);
  if (forwarded_for.empty()) return current;
  std::vector<absl::string_view> hops = absl::StrSplit(forwarded_for, ',');
  for (auto it = hops.rbegin(); it != hops.rend() && Contains(current); ++it) {
    const absl::string_view hop = absl::StripAsciiWhitespace(*it);
    std::array<unsigned char, 16> ignored;
    bool v4 = false;
    // A trusted proxy that names no address (or garbage) leaves the proxy itself as the client.
    if (!ToBytes(hop, &ignored, &v4)) break;
    current = std::string(hop);
  }
  return current;
}

}  // namespace oauthd::rpc
