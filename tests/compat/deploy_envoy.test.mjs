// deploy/envoy/envoy.yaml checked offline (there is no Envoy binary here): it holds only fields Envoy's v3 API
// defines (lib/envoy_v3_fields.json, transcribed from Envoy's API protos), its transcoder serves every service of the
// descriptor set it loads, every HTTP rule of that set reaches the oauthd cluster through the routes (first match
// wins, as in Envoy), and that descriptor set holds nothing Envoy refuses at start-up (a response_body naming a
// non-HttpBody field). Then each way Envoy would differ from oauthd-gateway where users can tell, and its fix: the
// Lua filter (run under LuaJIT, Envoy's Lua, against a stand-in for the handle API Envoy gives it) for redirects,
// 201s and the original URI; the 404 AppError for unknown paths; "+" in queries; the drain margin; X-Forwarded-For.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
  broken.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[1].typed_config
    .print_options.preserve_proto_names = true;
  assert.deepEqual(unknownFields(broken, 'envoy.config.bootstrap.v3.Bootstrap'), [
    '$.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[1].typed_config'
      + '.print_options.preserve_proto_names',
    '$.static_resources.clusters[0].lb_polcy',
  ]);
});

test('message fields are walked as messages: a misspelled field inside one is caught', () => {
  const withNode = { ...structuredClone(config), node: { id: 'edge-1', clustr: 'oauthd' } };
  assert.deepEqual(unknownFields(withNode, 'envoy.config.bootstrap.v3.Bootstrap'), ['$.node.clustr']);
  const cluster = structuredClone(config.static_resources.clusters[0]);
  cluster.health_checks[0].http_health_check = { path: '/healthz', expected_statuses: [{ start: 200, end: 300 }] };
  cluster.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions']
    .common_http_protocol_options = { idle_timeout: '60s', max_headers_cnt: 100 };
  assert.deepEqual(unknownFields(cluster, 'envoy.config.cluster.v3.Cluster'), [
    "$.typed_extension_protocol_options.envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
      + '.common_http_protocol_options.max_headers_cnt',
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

const filter = (name) => connectionManager().http_filters.find((f) => f.name === name);
const seconds = (duration) => Number(/^([0-9.]+)s$/.exec(duration)?.[1] ?? NaN);

// A stand-in for the handle Envoy passes the Lua filter: headers() with get, replace, add and remove, as Envoy's
// header map has them (one value per name is all this script needs). Each case runs the script on its own headers
// and prints them afterwards, one "name=value" per line.
const HARNESS = `
local function header_map(init)
  local values = {}
  for k, v in pairs(init) do values[k] = v end
  local map = {}
  function map:get(name) return values[name] end
  function map:replace(name, value) values[name] = value end
  function map:add(name, value) if values[name] == nil then values[name] = value end end
  function map:remove(name) values[name] = nil end
  function map:dump()
    local names = {}
    for k in pairs(values) do names[#names + 1] = k end
    table.sort(names)
    for _, k in ipairs(names) do print(k .. "=" .. values[k]) end
  end
  return map
end
local function handle(init)
  local headers = header_map(init)
  return { headers = function(self) return headers end }, headers
end
dofile(arg[1])
local phase, init = arg[2], {}
for i = 3, #arg, 2 do init[arg[i]] = arg[i + 1] end
local h, headers = handle(init)
if phase == "request" then envoy_on_request(h) else envoy_on_response(h) end
headers:dump()
`;

function runLua(phase, headers) {
  const dir = mkdtempSync(join(tmpdir(), 'oauthd-envoy-lua-'));
  writeFileSync(join(dir, 'filter.lua'), filter('envoy.filters.http.lua').typed_config.default_source_code.inline_string);
  writeFileSync(join(dir, 'harness.lua'), HARNESS);
  const args = [join(dir, 'harness.lua'), join(dir, 'filter.lua'), phase, ...Object.entries(headers).flat()];
  const out = execFileSync('luajit', args).toString();
  return Object.fromEntries(out.trim().split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')),
    l.slice(l.indexOf('=') + 1)]));
}

test('the Lua filter runs before the transcoder, so it sees what the client sent and what the transcoder answers', () => {
  const names = connectionManager().http_filters.map((f) => f.name);
  assert.ok(names.indexOf('envoy.filters.http.lua') >= 0, 'a Lua filter');
  assert.ok(names.indexOf('envoy.filters.http.lua') < names.indexOf('envoy.filters.http.grpc_json_transcoder'));
});

test('Lua: a redirect and a 201 get their status from x-http-code; other answers keep theirs', () => {
  const location = 'https://chat.example.com/login?redirect_to=%2Foauth%2Fauthorize%3Fclient_id%3Dx';
  assert.deepEqual(runLua('response', { ':status': '200', 'x-http-code': '302', location, 'cache-control': 'no-store' }),
    { ':status': '302', location, 'cache-control': 'no-store' });
  assert.deepEqual(runLua('response', { ':status': '200', 'x-http-code': '201', 'content-type': 'application/json' }),
    { ':status': '201', 'content-type': 'application/json' });
  assert.deepEqual(runLua('response', { ':status': '200', 'content-type': 'application/json' }),
    { ':status': '200', 'content-type': 'application/json' });
  assert.deepEqual(runLua('response', { ':status': '404', 'content-type': 'application/json' }),
    { ':status': '404', 'content-type': 'application/json' });
  // Not a status: dropped, and the status stays.
  assert.deepEqual(runLua('response', { ':status': '200', 'x-http-code': '2001' }), { ':status': '200' });
  assert.deepEqual(runLua('response', { ':status': '200', 'x-http-code': 'abc' }), { ':status': '200' });
});

test('Lua: oauthd gets the URI the client asked for in x-original-uri, never one the client wrote there', () => {
  const path = '/oauth/authorize?client_id=abc&redirect_uri=https%3A%2F%2Fx%2Fcb&state=a+b';
  assert.deepEqual(runLua('request', { ':path': path, ':method': 'GET' }),
    { ':path': path, ':method': 'GET', 'x-original-uri': path });
  assert.deepEqual(runLua('request', { ':path': '/api/v4/users/me/oauth/apps/authorized?access_token=t',
    'x-original-uri': '/forged' })['x-original-uri'], '/api/v4/users/me/oauth/apps/authorized?access_token=t');
});

test('unknown paths get the 404 AppError as JSON, also those under a routed prefix that no RPC maps', () => {
  const [host] = connectionManager().route_config.virtual_hosts;
  const last = host.routes[host.routes.length - 1];
  assert.equal(last.match.prefix, '/');
  assert.equal(last.direct_response.status, 404);
  // The transcoder answers an unmapped path under /api/v4/oauth/ itself (reject_unknown_method), as a local reply,
  // like the route's direct response: the mapper turns both into the AppError.
  const [mapper] = connectionManager().local_reply_config.mappers;
  assert.deepEqual(mapper.filter.status_code_filter.comparison, { op: 'EQ',
    value: { default_value: 404, runtime_key: 'oauthd.local_404' } });
  assert.equal(mapper.body_format_override.content_type, 'application/json');
  const body = mapper.body_format_override.text_format_source.inline_string;
  const parsed = JSON.parse(body.replace('%REQ(X-REQUEST-ID)%', 'f00'));
  assert.deepEqual(parsed, { id: 'api.context.404.app_error', message: 'Sorry, we could not find the page.',
    detailed_error: '', request_id: 'f00', status_code: 404 }, 'the body oauthd-gateway sends');
});

test('"+" in a query string is a space, as oauthd-gateway decodes it', () => {
  assert.equal(transcoder().query_param_unescape_plus, true);
});

test('drain: Envoy notices a closing pod before it stops serving, and retries only what never reached a pod', () => {
  const [check] = config.static_resources.clusters[0].health_checks;
  const oauthdConfig = parse(readFileSync(join(root, 'deploy/k8s/oauthd-config.yaml'), 'utf8')).data;
  const delay = seconds(oauthdConfig.OAUTHD_SHUTDOWN_DELAY);
  assert.equal(check.unhealthy_threshold, 1);
  assert.ok(seconds(check.interval) * check.unhealthy_threshold + seconds(check.timeout) < delay,
    `a NOT_SERVING pod is noticed within ${check.interval} × ${check.unhealthy_threshold} + ${check.timeout}, `
    + `before OAUTHD_SHUTDOWN_DELAY (${oauthdConfig.OAUTHD_SHUTDOWN_DELAY}) ends`);
  assert.ok(seconds(check.no_traffic_interval) <= 5, 'an idle cluster is still checked often');
  const cluster = config.static_resources.clusters[0];
  assert.equal(cluster.ignore_health_on_host_removal, true, 'a pod that left DNS is dropped at once');
  assert.equal(cluster.common_lb_config.healthy_panic_threshold.value, 0, 'no panic routing to closing pods');
  const retry = connectionManager().route_config.virtual_hosts[0].retry_policy;
  assert.deepEqual(retry.retry_on.split(',').sort(), ['connect-failure', 'refused-stream'],
    'only failures where no pod processed the request, so any method may be retried');
  assert.equal(retry.retry_host_predicate[0].name, 'envoy.retry_host_predicates.previous_hosts');
});

test('X-Forwarded-For: Envoy appends its peer, and the shipped settings trust no whole private range', () => {
  assert.equal(connectionManager().use_remote_address, true);
  assert.ok(!connectionManager().xff_num_trusted_hops, 'Envoy believes no hop before its peer');
  const trusted = parse(readFileSync(join(root, 'deploy/k8s/oauthd-config.yaml'), 'utf8')).data.OAUTHD_TRUSTED_PROXIES;
  for (const range of trusted.split(',')) {
    const bits = Number(range.split('/')[1] ?? 32);
    assert.ok(bits >= 16 && !['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].includes(range),
      `${range}: trust only the edge's own pods, never a range a load balancer may sit in`);
  }
});

test('the README names the Envoy it needs and the image it was written for', () => {
  const readme = readFileSync(join(root, 'deploy/envoy/README.md'), 'utf8');
  assert.match(readme, /Envoy 1\.25 or later/);
  assert.match(readme, /envoyproxy\/envoy:v1\.\d+\.\d+/);
  assert.doesNotMatch(readme, /Success is always 200/, 'the Lua filter gives non-200 successes their status');
});
