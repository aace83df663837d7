#include "storage/db_url.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace oauthd::storage {
namespace {

absl::StatusOr<std::string> PercentDecode(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size() || !absl::ascii_isxdigit(s[i + 1]) || !absl::ascii_isxdigit(s[i + 2])) {
      return absl::InvalidArgumentError("bad percent escape in database URL");
    }
    int v = 0;
    absl::SimpleHexAtoi(s.substr(i + 1, 2), &v);
    out.push_back(static_cast<char>(v));
    i += 2;
  }
  return out;
}

}  // namespace

std::vector<DbHost> HostsOf(const DbUrl& url) {
  if (!url.hosts.empty()) return url.hosts;
  return {DbHost{url.host, url.port}};
}

absl::StatusOr<DbUrl> ParseDbUrl(absl::string_view url) {
  const auto bad = [](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("database URL must look like mysql://USER:PASS@HOST:PORT/DB (", why, ")"));
  };
  if (!absl::ConsumePrefix(&url, "mysql://")) return bad("scheme is not mysql://");
  DbUrl out;
  size_t at = url.rfind('@');
  if (at == absl::string_view::npos) return bad("no USER@");
  absl::string_view userinfo = url.substr(0, at);
  url.remove_prefix(at + 1);
  size_t colon = userinfo.find(':');
  auto user = PercentDecode(userinfo.substr(0, colon));
  if (!user.ok()) return user.status();
  out.user = *user;
  if (colon != absl::string_view::npos) {
    auto pass = PercentDecode(userinfo.substr(colon + 1));
    if (!pass.ok()) return pass.status();
    out.password = *pass;
  }
  if (out.user.empty()) return bad("empty user");
  size_t slash = url.find('/');
  if (slash == absl::string_view::npos) return bad("no /DB");
  absl::string_view hostport = url.substr(0, slash);
  out.database = std::string(url.substr(slash + 1));
  if (out.database.empty() || out.database.find_first_of("/?#`") != std::string::npos) {
    return bad("bad database name");
  }
  for (absl::string_view one : absl::StrSplit(hostport, ',')) {
    DbHost h;
    size_t pcolon = one.rfind(':');
    if (pcolon != absl::string_view::npos) {
      if (!absl::SimpleAtoi(one.substr(pcolon + 1), &h.port) || h.port <= 0 || h.port > 65535) {
        return bad("bad port");
      }
      one = one.substr(0, pcolon);
    }
    if (one.empty()) return bad("empty host");
    h.host = std::string(one);
    out.hosts.push_back(std::move(h));
  }
  out.host = out.hosts.front().host;
  out.port = out.hosts.front().port;
  return out;
}

DbHosts::DbHosts(std::vector<DbHost> hosts, absl::Duration retry_after)
    : hosts_(std::move(hosts)),
      retry_after_(retry_after),
      down_until_(hosts_.size(), absl::InfinitePast()) {}

size_t DbHosts::Pick() {
  std::lock_guard<std::mutex> lock(mu_);
  const absl::Time now = absl::Now();
  for (size_t i = 0; i < hosts_.size(); ++i) {
    if (down_until_[i] <= now) return i;
  }
  // All failed lately: take turns rather than wait.
  return next_when_all_down_++ % hosts_.size();
}

void DbHosts::MarkDown(size_t i) {
  std::lock_guard<std::mutex> lock(mu_);
  if (i < down_until_.size()) down_until_[i] = absl::Now() + retry_after_;
}

}  // namespace oauthd::storage
