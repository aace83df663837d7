// The contract's FileDescriptorSet (protoc --include_imports), compiled into the binaries that need
// it.
#ifndef OAUTHD_PROTO_DESCRIPTOR_SET_H_
#define OAUTHD_PROTO_DESCRIPTOR_SET_H_

#include <string_view>

namespace oauthd {
std::string_view EmbeddedDescriptorSet();
}  // namespace oauthd

#endif  // OAUTHD_PROTO_DESCRIPTOR_SET_H_
