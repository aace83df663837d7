#include "server/model/redirect_allowlist.h"

#include <algorithm>
#include <vector>

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

// Tokens: a literal character, '*' (a run without '/') or '**' (any run). Matching carries the set
// of text positions reachable after each token, so it costs O(|pattern| x |text|) whatever the
// pattern: the recursive backtracking it replaces went exponential on patterns with many stars
// (found by tests/fuzz/allowlist_glob_fuzz), and registration requests are open to anyone.
bool GlobMatch(absl::string_view p, absl::string_view t) {
  std::vector<char> reach(t.size() + 1, 0), next(t.size() + 1);
  reach[0] = 1;
  for (size_t i = 0; i < p.size();) {
    std::fill(next.begin(), next.end(), 0);
    if (p[i] == '*') {
      const bool multi = i + 1 < p.size() && p[i + 1] == '*';
      i += multi ? 2 : 1;
      bool on = false;  // inside a run that started at a reachable position
      for (size_t j = 0; j <= t.size(); ++j) {
        on = on || reach[j];
        next[j] = on;
        if (j < t.size() && !multi && t[j] == '/') on = false;  // one star never crosses a '/'
      }
    } else {
      for (size_t j = 0; j < t.size(); ++j) {
        if (reach[j] && t[j] == p[i]) next[j + 1] = 1;
      }
      ++i;
    }
    reach.swap(next);
  }
  return reach[t.size()];
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
