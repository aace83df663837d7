#include "server/model/redirect_allowlist.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "server/model/url_rules.h"

namespace oauthd::model {
namespace {

std::string HostPort(const ParsedUrl& u) { return u.port.empty() ? u.host : u.host + ":" + u.port; }

bool ValidPattern(absl::string_view pattern, ParsedUrl* parsed) {
  if (absl::StrContains(pattern, "***")) return false;
  // ParseAbsoluteUrl refuses control characters and requires a scheme and a host. A wildcard port
  // ("*") is not digits, so patterns are parsed with it replaced by a placeholder.
  std::string probe(pattern);
  const size_t host_start = probe.find("://");
  if (host_start == std::string::npos) return false;
  const size_t host_end = probe.find_first_of("/?#", host_start + 3);
  std::string authority =
      probe.substr(host_start + 3,
                   host_end == std::string::npos ? std::string::npos : host_end - host_start - 3);
  const size_t colon = authority.rfind(':');
  std::string port_pattern;
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    port_pattern = authority.substr(colon + 1);
    probe.replace(host_start + 3 + colon + 1, port_pattern.size(), "1");
  }
  if (!ParseAbsoluteUrl(probe, parsed)) return false;
  if (IsDangerousScheme(parsed->scheme)) return false;
  if (!port_pattern.empty()) parsed->port = port_pattern;
  return true;
}

}  // namespace

bool IsDangerousScheme(absl::string_view scheme) {
  const std::string s = absl::AsciiStrToLower(scheme);
  return s == "javascript" || s == "data" || s == "vbscript" || s == "file" || s == "blob" ||
         s == "about";
}

bool GlobMatch(absl::string_view p, absl::string_view t) {
  if (p.empty()) return t.empty();
  if (absl::StartsWith(p, "**")) {
    absl::string_view rest = p.substr(2);
    for (size_t i = 0; i <= t.size(); ++i) {
      if (GlobMatch(rest, t.substr(i))) return true;
    }
    return false;
  }
  if (p[0] == '*') {
    absl::string_view rest = p.substr(1);
    for (size_t i = 0; i <= t.size(); ++i) {
      if (GlobMatch(rest, t.substr(i))) return true;
      if (i < t.size() && t[i] == '/') break;  // a single star never crosses a '/'
    }
    return false;
  }
  return !t.empty() && p[0] == t[0] && GlobMatch(p.substr(1), t.substr(1));
}

bool RedirectUriMatchesAllowlist(absl::string_view uri, const std::vector<std::string>& allowlist) {
  bool any_entry = false;
  ParsedUrl u;
  const bool uri_ok = ParseAbsoluteUrl(uri, &u) && !u.has_fragment;
  for (const std::string& raw : allowlist) {
    absl::string_view entry = absl::StripAsciiWhitespace(raw);
    if (entry.empty()) continue;
    any_entry = true;
    ParsedUrl p;
    if (!uri_ok || !ValidPattern(entry, &p)) continue;
    if (absl::AsciiStrToLower(p.scheme) != absl::AsciiStrToLower(u.scheme)) continue;
    if (!GlobMatch(HostPort(p), HostPort(u))) continue;
    if (!GlobMatch(p.path, u.path)) continue;
    if (p.has_query != u.has_query) continue;
    if (p.has_query && !GlobMatch(p.query, u.query)) continue;
    return true;
  }
  return !any_entry;
}

}  // namespace oauthd::model
