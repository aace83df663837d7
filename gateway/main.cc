// oauthd-gateway: the HTTP/JSON ⇄ gRPC transcoder in front of oauthd.
#include <cstdio>
#include <string>
#include <vector>

#include "common/flag_set.h"

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:8065", upstream = "127.0.0.1:50051";
  oauthd::FlagSet flags("OAUTHD_GATEWAY_",
                        "Usage: oauthd-gateway --listen=HOST:PORT --upstream=TARGET\n\n"
                        "Serves the REST API of oauthd over HTTP/1.1 by transcoding to gRPC.\n"
                        "The transcoder is built by the gateway issue; this build only parses its flags.\n");
  flags.String("listen", &listen, "HTTP address, HOST:PORT");
  flags.String("upstream", &upstream, "gRPC target of oauthd, e.g. 127.0.0.1:50051 or dns:///oauthd:50051");
  std::vector<std::string> pos;
  absl::Status st = flags.Parse(std::vector<std::string>(argv + 1, argv + argc), &pos);
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  if (!st.ok()) {
    std::fprintf(stderr, "oauthd-gateway: %s\n", std::string(st.message()).c_str());
    return 2;
  }
  std::fprintf(stderr, "oauthd-gateway: the HTTP transcoder is not part of this build yet\n");
  return 1;
}
