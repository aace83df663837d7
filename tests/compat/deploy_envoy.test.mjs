// deploy/envoy/envoy.yaml checked offline (there is no Envoy binary here): it holds only fields Envoy's v3 API
// defines (lib/envoy_v3_fields.json, transcribed from Envoy's API protos), its transcoder serves every service of the
// descriptor set it loads, every HTTP rule of that set reaches the oauthd cluster through the routes (first match
// wins, as in Envoy), and that descriptor set holds nothing Envoy refuses at start-up (a response_body naming a
// non-HttpBody field).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { root } from './lib/manifests.mjs';
import { binDir } from './lib/stack.mjs';

const schema = JSON.parse(readFileSync(join(root, 'tests/compat/lib/envoy_v3_fields.json'), 'utf8'));
const config = parse(readFileSync(join(root, 'deploy/envoy/envoy.yaml'), 'utf8'));
const buildDir = process.env.OAUTHD_BUILD_DIR ?? join(root, 'build');
const envoyDescriptors = join(buildDir, 'deploy/envoy/oauthd_envoy.pb');

// Paths of fields the schema does not know, walking `value` as message `type`.
function unknownFields(value, type, path = '$', out = []) {
  if (type === 'scalar') {
    if (value !== null && typeof value === 'object') out.push(`${path} (a message where a scalar belongs)`);
    return out;
  }
  if (type.startsWith('[]')) {
    if (!Array.isArray(value)) out.push(`${path} (not a list)`);
    else value.forEach((v, i) => unknownFields(v, type.slice(2), `${path}[${i}]`, out));
    return out;
  }
  if (type.startsWith('map:')) {
    for (const [k, v] of Object.entries(value)) unknownFields(v, type.slice(4), `${path}.${k}`, out);
    return out;
  }
  if (type === 'Any') {
    const { '@type': url, ...rest } = value;
    const name = /^type\.googleapis\.com\/(.+)$/.exec(url ?? '')?.[1];
    if (!name || !schema[name]) {
      out.push(`${path}.@type ${url} (not in the schema)`);
      return out;
    }
    return unknownFields(rest, name, path, out);
  }
  const fields = schema[type];
  if (!fields) throw new Error(`no schema for ${type}`);
  for (const [k, v] of Object.entries(value ?? {})) {
    if (!(k in fields)) out.push(`${path}.${k}`);
    else unknownFields(v, fields[k], `${path}.${k}`, out);
  }
  return out;
}

const connectionManager = () => config.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
const transcoder = () => connectionManager().http_filters
  .find((f) => f.name === 'envoy.filters.http.grpc_json_transcoder').typed_config;

// "package.Service Method VERB /path body=... response_body=..." for every HTTP rule of a descriptor set.
function rules(descriptorSet) {
  const text = execFileSync(join(binDir(), 'oauthd-envoy-descriptors'), ['--list', descriptorSet]).toString();
  return text.trim().split('\n').map((line) => {
    const [service, method, verb, path, body, responseBody] = line.split(' ');
    return { service, method, verb, path, body: body.slice(5), responseBody: responseBody.slice(14) };
  });
}

test('envoy.yaml holds only fields of Envoy\'s v3 API, and the check catches one that is not', () => {
  assert.deepEqual(unknownFields(config, 'envoy.config.bootstrap.v3.Bootstrap'), []);
  const broken = structuredClone(config);
  broken.static_resources.clusters[0].lb_polcy = 'ROUND_ROBIN';
  broken.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0].typed_config
    .print_options.preserve_proto_names = true;
  assert.deepEqual(unknownFields(broken, 'envoy.config.bootstrap.v3.Bootstrap'), [
    '$.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0].typed_config'
      + '.print_options.preserve_proto_names',
    '$.static_resources.clusters[0].lb_polcy',
  ]);
});

test('the transcoder serves every service of its descriptor set, with the gateway\'s field names', () => {
  assert.ok(existsSync(envoyDescriptors), `${envoyDescriptors} is built`);
  const t = transcoder();
  assert.equal(t.proto_descriptor, '/etc/envoy/oauthd_envoy.pb');
  const services = [...new Set(rules(envoyDescriptors).map((r) => r.service))].sort();
  assert.deepEqual([...t.services].sort(), services);
  assert.equal(t.print_options.preserve_proto_field_names, true, 'snake_case names, as oauthd-gateway prints');
  assert.equal(t.print_options.always_print_primitive_fields, true, '"" and false are printed, as Mattermost does');
  assert.equal(t.match_incoming_request_route, true, 'routes below match REST paths');
  assert.equal(t.request_validation_options.reject_unknown_method, true, 'unknown paths are 404, not passed on');
  assert.equal(t.convert_grpc_status, true, 'errors carry a JSON body');
  const names = connectionManager().http_filters.map((f) => f.name);
  assert.equal(names[names.length - 1], 'envoy.filters.http.router', 'the router comes last');
});

test('every HTTP rule reaches the oauthd cluster through the routes', () => {
  const [host] = connectionManager().route_config.virtual_hosts;
  const clusters = new Map(config.static_resources.clusters.map((c) => [c.name, c]));
  for (const route of host.routes) {
    if (route.route) assert.ok(clusters.has(route.route.cluster), `route ${route.match.prefix} → a defined cluster`);
  }
  for (const rule of rules(envoyDescriptors)) {
    const literal = rule.path.split('{')[0];
    const first = host.routes.find((r) => literal.startsWith(r.match.prefix ?? '\0') || r.match.path === rule.path);
    assert.ok(first?.route, `${rule.verb} ${rule.path} (${rule.method}) is routed, not answered by Envoy`);
    assert.equal(first.route.cluster, 'oauthd_grpc', `${rule.method}`);
  }
  const cluster = clusters.get('oauthd_grpc');
  const http2 = cluster.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'];
  assert.ok(http2.explicit_http_config.http2_protocol_options, 'gRPC needs HTTP/2 upstream');
  assert.ok(cluster.health_checks.some((h) => h.grpc_health_check), 'grpc.health.v1 health checks');
  assert.equal(cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address,
    'oauthd-grpc', 'the headless Service of deploy/k8s');
});

test('the Envoy descriptor set holds nothing Envoy refuses, and differs from the contract only there', () => {
  const contract = rules(join(buildDir, 'proto/descriptor_set.pb'));
  const envoy = rules(envoyDescriptors);
  assert.equal(envoy.length, contract.length);
  assert.deepEqual(envoy.filter((r) => r.responseBody), [], 'no response_body on a non-HttpBody field');
  const stripped = contract.filter((r) => r.responseBody).map((r) => r.method).sort();
  assert.deepEqual(stripped, ['GetAuthorizedOAuthAppsForUser', 'GetOAuthApps']);
  assert.deepEqual(envoy.map(({ responseBody, ...r }) => r), contract.map(({ responseBody, ...r }) => r));
});
