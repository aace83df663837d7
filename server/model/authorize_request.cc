#include "server/model/authorize_request.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/mattermost_id.h"
#include "server/app/api_error.h"
#include "server/model/redirect_allowlist.h"
#include "server/model/url_rules.h"

namespace oauthd::model {
namespace {

absl::Status Invalid(absl::string_view suffix) {
  return app::AppError(400, absl::StrCat("model.authorize.is_valid.", suffix, ".app_error"));
}

absl::Status PkceError(absl::string_view suffix) {
  return app::AppError(400, absl::StrCat("model.authorize.validate_pkce.", suffix, ".app_error"));
}

}  // namespace

absl::Status ValidateAuthorizeRequest(const oauthd::v1::AuthorizeRequest& r) {
  if (!IsValidId(r.client_id())) return Invalid("client_id");
  if (r.response_type().empty()) return Invalid("response_type");
  ParsedUrl redirect;
  if (r.redirect_uri().empty() || r.redirect_uri().size() > 1024 ||
      !ParseAbsoluteUrl(r.redirect_uri(), &redirect) || IsDangerousScheme(redirect.scheme)) {
    return Invalid("redirect_uri");
  }
  if (r.state().size() > 1024) return Invalid("state");
  if (r.scope().size() > 128) return Invalid("scope");
  if (!r.code_challenge().empty() || !r.code_challenge_method().empty()) {
    if (r.code_challenge().empty()) return Invalid("code_challenge");
    if (r.code_challenge_method().empty()) return Invalid("code_challenge_method");
    if (r.code_challenge_method() != "S256") return Invalid("code_challenge_method.unsupported");
    if (r.code_challenge().size() < 43 || r.code_challenge().size() > 128)
      return Invalid("code_challenge.length");
    for (char c : r.code_challenge()) {
      if (!absl::ascii_isalnum(c) && c != '-' && c != '_') return Invalid("code_challenge.format");
    }
  }
  if (!r.resource().empty()) {
    if (r.resource().size() > 512) return Invalid("resource.length");
    ParsedUrl u;
    if (r.resource().find(':') == std::string::npos) return Invalid("resource.not_absolute");
    if (!ParseAbsoluteUrl(r.resource(), &u)) return Invalid("resource.invalid_uri");
    if (u.has_fragment) return Invalid("resource.has_fragment");
  }
  return absl::OkStatus();
}

std::string PkceS256(absl::string_view verifier) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), digest);
  std::string out;
  absl::WebSafeBase64Escape(absl::string_view(reinterpret_cast<const char*>(digest), sizeof digest),
                            &out);
  return out;  // absl's web-safe form has no padding
}

bool IsValidCodeVerifier(absl::string_view v) {
  if (v.size() < 43 || v.size() > 128) return false;
  for (char c : v) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '.' && c != '_' && c != '~') return false;
  }
  return true;
}

absl::Status ValidatePkce(absl::string_view challenge, absl::string_view verifier,
                          bool public_client) {
  if (challenge.empty()) {
    if (public_client) return PkceError("public_client_required");
    if (!verifier.empty()) return PkceError("not_used_in_auth");
    return absl::OkStatus();
  }
  if (verifier.empty()) return PkceError("verifier_required");
  if (!IsValidCodeVerifier(verifier) || !ConstantTimeEquals(PkceS256(verifier), challenge)) {
    return PkceError("verification_failed");
  }
  return absl::OkStatus();
}

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace oauthd::model
