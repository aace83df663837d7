// Who is calling: the address a registration limit keys on. X-Forwarded-For is believed only as far
// as the proxies that wrote it are trusted (--trusted-proxies): from the immediate peer leftwards,
// each hop a trusted proxy names is taken; the first untrusted one is the client. A spoofed header
// from an untrusted peer is thereby ignored.
#ifndef OAUTHD_SERVER_RPC_CLIENT_ADDRESS_H_
#define OAUTHD_SERVER_RPC_CLIENT_ADDRESS_H_

#include <array>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace oauthd::rpc {

class TrustedProxies {
 public:
  TrustedProxies() = default;  // trusts nobody
  // Comma-separated CIDRs or addresses, IPv4 or IPv6, e.g. "127.0.0.1/32,10.0.0.0/8,::1".
  static absl::StatusOr<TrustedProxies> Parse(absl::string_view cidrs);

  bool Contains(absl::string_view ip) const;
  // `peer` is gRPC's peer string ("ipv4:1.2.3.4:5678", "ipv6:[::1]:5678") or an address;
  // `forwarded_for` the X-Forwarded-For value ("" if none).
  std::string ClientAddress(absl::string_view peer, absl::string_view forwarded_for) const;

 private:
  struct Network {
    std::array<unsigned char, 16> bytes{};  // IPv4 as IPv4-mapped IPv6
    int prefix = 0;                         // bits, counted on the 128-bit form
  };
  std::vector<Network> networks_;
};

// "ipv4:1.2.3.4:5678" / "ipv6:[::1]:5678" → the address.
std::string PeerAddress(absl::string_view peer);

}  // namespace oauthd::rpc

#endif  // OAUTHD_SERVER_RPC_CLIENT_ADDRESS_H_
