// The JSON ⇄ message codec both binaries use: any input either fails cleanly or yields a message
// whose JSON reads back to the same message (what the gateway prints, it can read).
#include <google/protobuf/util/message_differencer.h>

#include "common/json_reader.h"
#include "common/json_writer.h"
#include "oauthd/v1/apps.pb.h"
#include "oauthd/v1/authorize.pb.h"
#include "oauthd/v1/server.pb.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

template <typename Message>
void RoundTrip(const std::string& text) {
  Message first;
  if (!oauthd::ReadJson(text, &first).ok()) return;
  std::string printed;
  oauthd::WriteJson(first, &printed);
  Message second;
  FUZZ_CHECK(oauthd::ReadJson(printed, &second).ok());
  FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(first, second));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  RoundTrip<oauthd::v1::OAuthApp>(text);
  RoundTrip<oauthd::v1::CreateOAuthAppRequest>(text);
  RoundTrip<oauthd::v1::ClientRegistrationRequest>(text);
  RoundTrip<oauthd::v1::AuthorizeRequest>(text);
  RoundTrip<oauthd::v1::OAuthAppList>(text);
  return 0;
}
