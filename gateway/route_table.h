// The gateway's configuration, built once at start from a FileDescriptorSet: one binding per
// google.api.http rule (and each additional_binding) of every RPC in it. Adding an annotated RPC
// adds a route; nothing here knows what the RPCs mean.
#ifndef OAUTHD_GATEWAY_ROUTE_TABLE_H_
#define OAUTHD_GATEWAY_ROUTE_TABLE_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/path_matcher.h"

namespace oauthd::gateway {

struct Binding {
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::string grpc_path;      // "/package.Service/Method"
  std::string http_method;    // GET, POST, PUT, DELETE, PATCH or a custom kind
  std::string body;           // "", "*" or a top-level field name
  std::string response_body;  // "" or a top-level field name
  std::string path_template;  // as written, for logs
};

class RouteTable {
 public:
  static absl::StatusOr<std::unique_ptr<RouteTable>> FromDescriptorSet(
      absl::string_view serialized);

  PathMatcher::Result Match(absl::string_view http_method, absl::string_view path,
                            const Binding** binding, PathMatch* match,
                            std::vector<std::string>* allowed_methods) const;

  const std::vector<Binding>& bindings() const { return bindings_; }
  const google::protobuf::DescriptorPool& pool() const { return pool_; }
  // Messages of this pool's types (thread-safe; prototypes are cached).
  std::unique_ptr<google::protobuf::Message> NewMessage(
      const google::protobuf::Descriptor* type) const;

 private:
  RouteTable() = default;
  absl::Status AddMethod(const google::protobuf::MethodDescriptor* method);

  google::protobuf::DescriptorPool pool_;
  mutable google::protobuf::DynamicMessageFactory factory_{&pool_};
  std::vector<Binding> bindings_;
  PathMatcher matcher_;
};

// True for google.api.HttpBody: raw bytes with a content type instead of JSON.
bool IsHttpBody(const google::protobuf::Descriptor* type);

}  // namespace oauthd::gateway

#endif  // OAUTHD_GATEWAY_ROUTE_TABLE_H_
