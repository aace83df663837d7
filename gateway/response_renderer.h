// Turns the RPC's outcome into the HTTP response: the response message (or its `response_body`
// field) as JSON or raw HttpBody bytes with x-http-code as the status; a failed call as its error
// detail (any message type in the descriptor set) with the status from the detail's `status_code`
// field, else from the gRPC code. Response metadata on a fixed allow-list becomes headers.
#ifndef OAUTHD_GATEWAY_RESPONSE_RENDERER_H_
#define OAUTHD_GATEWAY_RESPONSE_RENDERER_H_

#include <google/protobuf/message.h>

#include <map>
#include <string>

#include "gateway/http_types.h"
#include "gateway/route_table.h"

namespace oauthd::gateway {

using MetadataMap = std::multimap<std::string, std::string>;

HttpResponse RenderSuccess(const Binding& binding, const google::protobuf::Message& response,
                           const MetadataMap& metadata);
// `details` is the serialized google.rpc.Status from grpc-status-details-bin ("" when absent).
HttpResponse RenderFailure(const RouteTable& table, int grpc_code, const std::string& grpc_message,
                           const std::string& details, const MetadataMap& metadata,
                           const std::string& request_id);

// The standard gRPC → HTTP table (google/rpc/code.proto).
int HttpStatusForGrpcCode(int code);

}  // namespace oauthd::gateway

#endif  // OAUTHD_GATEWAY_RESPONSE_RENDERER_H_
