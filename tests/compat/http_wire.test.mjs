// The HTTP wire rules of design/architecture.md, checked with raw requests through the real gateway and server:
// status codes, content type, numbers, arrays, headers, gateway-made errors, limits and slow clients.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createDatabase, freePorts, seedUser, startOauthd, startGateway } from './lib/stack.mjs';

let db, server, gateway, admin;

async function http(method, path, { body, headers = {}, token } = {}) {
  const h = { ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  const res = await fetch(`${gateway.url}${path}`, { method, body, headers: h, redirect: 'manual' });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

before(async () => {
  db = createDatabase();
  admin = seedUser(db.url, 'system_user system_admin');
  server = await startOauthd(db.url, ['--enable-dynamic-client-registration=true']);
  gateway = await startGateway(server.port, ['--max-body-bytes=4096', '--read-timeout=1s',
    '--cors-allowed-origins=https://app.example.com']);
});

after(async () => {
  await gateway?.stop();
  await server?.stop();
  db?.drop();
});

const appBody = JSON.stringify({ name: 'wire', callback_urls: ['https://w.example.com/cb'], homepage: 'https://w.example.com' });

test('create answers 201 with exact JSON content type, numbers and headers', async () => {
  const r = await http('POST', '/api/v4/oauth/apps', { body: appBody, token: admin.token,
    headers: { 'X-Request-ID': 'wire-req-1' } });
  assert.equal(r.status, 201);
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.equal(r.headers.get('x-request-id'), 'wire-req-1');
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
  assert.match(r.text, /"create_at":\d{13},/);  // a JSON number, not a string
  assert.match(r.text, /"callback_urls":\["https:\/\/w\.example\.com\/cb"\]/);
  assert.doesNotMatch(r.text, /is_dynamically_registered/);
});

test('GET answers carry Expires: 0, lists are bare arrays and [] when empty', async () => {
  const r = await http('GET', '/api/v4/oauth/apps?page=100', { token: admin.token });
  assert.equal(r.status, 200);
  assert.equal(r.text, '[]');
  assert.equal(r.headers.get('expires'), '0');
  assert.ok(r.headers.get('x-request-id').length > 0);
  const authorized = await http('GET', '/api/v4/users/me/oauth/apps/authorized', { token: admin.token });
  assert.equal(authorized.text, '[]');
});

test('unknown paths are 404 and wrong verbs 405 with Allow, both AppError JSON', async () => {
  const nf = await http('GET', '/api/v4/nothing');
  assert.equal(nf.status, 404);
  assert.equal(nf.headers.get('content-type'), 'application/json');
  assert.equal(nf.json().status_code, 404);
  assert.equal(nf.json().request_id, nf.headers.get('x-request-id'));
  const wrong = await http('PATCH', '/api/v4/oauth/apps');
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get('allow'), 'GET, POST');
  assert.equal(wrong.json().status_code, 405);
});

test('a malformed body is a 400 AppError; a null body decodes as empty', async () => {
  const bad = await http('POST', '/api/v4/oauth/apps', { body: '{"name":', token: admin.token });
  assert.equal(bad.status, 400);
  assert.equal(bad.json().id, 'api.context.invalid_body_param.app_error');
  const nul = await http('POST', '/api/v4/oauth/apps', { body: 'null', token: admin.token });
  assert.equal(nul.status, 400);
  assert.equal(nul.json().id, 'model.oauth.is_valid.name.app_error');
});

test('bodies over --max-body-bytes are 413 and URLs over the bound 414', async () => {
  const big = await http('POST', '/api/v4/oauth/apps', { body: 'x'.repeat(5000), token: admin.token });
  assert.equal(big.status, 413);
  assert.equal(big.json().id, 'api.context.request_body_too_large.app_error');
  const long = await http('GET', `/api/v4/oauth/apps?x=${'y'.repeat(3000)}`, { token: admin.token });
  assert.equal(long.status, 414);
  assert.equal(long.json().status_code, 414);
});

test('the metadata document is public-cacheable and the gateway answers repeats from memory', async () => {
  const calls = () => (server.log().match(/"method":"GetAuthorizationServerMetadata"/g) || []).length;
  const before = calls();
  const first = await http('GET', '/.well-known/oauth-authorization-server');
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('cache-control'), 'public, max-age=60');
  assert.equal(first.headers.get('expires'), null, 'no Expires: 0 beside an explicit Cache-Control');
  assert.equal(first.headers.get('age'), null);
  const second = await http('GET', '/.well-known/oauth-authorization-server');
  assert.equal(second.status, 200);
  assert.equal(second.text, first.text);
  assert.equal(second.headers.get('cache-control'), 'public, max-age=60');
  assert.match(second.headers.get('age'), /^\d+$/);
  assert.ok(second.headers.get('x-request-id').length > 0);
  assert.notEqual(second.headers.get('x-request-id'), first.headers.get('x-request-id'));
  const bypass = await http('GET', '/.well-known/oauth-authorization-server',
    { headers: { 'Cache-Control': 'no-cache' } });
  assert.equal(bypass.headers.get('age'), null);
  // oauthd's log lines reach us through a pipe: wait for the two expected (a third would be a cache miss).
  for (let i = 0; i < 60 && calls() - before < 2; i++) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(calls() - before, 2, 'the repeat was answered by the gateway, the no-cache one by oauthd');

  // Authenticated answers carry no Cache-Control, so they are never shared.
  const created = await http('POST', '/api/v4/oauth/apps', { body: appBody, token: admin.token });
  for (let i = 0; i < 2; i++) {
    const got = await http('GET', `/api/v4/oauth/apps/${created.json().id}`, { token: admin.token });
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('age'), null);
    assert.equal(got.headers.get('expires'), '0');
  }
});

test('a cached metadata document does not outlive the oauthd that made it', async () => {
  // oauthd restarts on the same port with another configuration; the gateway in front stays up.
  const [port] = await freePorts(1);
  const listen = `--grpc-listen=127.0.0.1:${port}`;
  let upstream = await startOauthd(db.url, [listen, '--site-url=https://old.example.com',
    '--enable-dynamic-client-registration=true']);
  const edge = await startGateway(port);
  const metadata = async () => {
    const res = await fetch(`${edge.url}/.well-known/oauth-authorization-server`);
    return { status: res.status, age: res.headers.get('age'), body: await res.json() };
  };
  // While the gateway reconnects (gRPC backs off after a failed attempt) it answers 503, never a stale document.
  const afterRestart = async () => {
    for (let i = 0; ; i++) {
      const r = await metadata();
      if (r.status !== 503 || i === 100) return r;
      assert.equal(r.body.id, 'api.gateway.upstream_unavailable.app_error', JSON.stringify(r.body));
      await new Promise((done) => setTimeout(done, 100));
    }
  };
  try {
    const old = await metadata();
    assert.equal(old.body.issuer, 'https://old.example.com');
    assert.equal(old.body.registration_endpoint, 'https://old.example.com/api/v4/oauth/apps/register');
    assert.match((await metadata()).age, /^\d+$/, 'the repeat came from the cache');

    await upstream.stop();
    upstream = await startOauthd(db.url, [listen, '--site-url=https://new.example.com']);
    const fresh = await afterRestart();
    assert.equal(fresh.age, null, 'not from the cache');
    assert.equal(fresh.body.issuer, 'https://new.example.com');
    assert.equal(fresh.body.registration_endpoint, undefined, 'registration is off now');
    assert.match((await metadata()).age, /^\d+$/, 'cached again');

    await upstream.stop();
    upstream = await startOauthd(db.url, [listen, '--enable-oauth-service-provider=false']);
    assert.equal((await afterRestart()).status, 501);
  } finally {
    await edge.stop();
    await upstream.stop();
  }
});

test('metadata, registration and its rate limit over HTTP', async () => {
  const md = await http('GET', '/.well-known/oauth-authorization-server');
  assert.equal(md.status, 200);
  assert.equal(md.json().registration_endpoint, 'https://chat.example.com/api/v4/oauth/apps/register');
  const reg = await http('POST', '/api/v4/oauth/apps/register', {
    body: '{"redirect_uris":["https://r.example.com/cb"],"token_endpoint_auth_method":"none"}',
    headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': '192.0.2.10' } });
  assert.equal(reg.status, 201);
  assert.equal(reg.json().token_endpoint_auth_method, 'none');
  assert.equal(reg.json().client_secret, undefined);
  assert.equal(typeof reg.json().client_id_issued_at, 'number');
  const again = await http('POST', '/api/v4/oauth/apps/register', {
    body: '{"redirect_uris":["https://r.example.com/cb"]}', headers: { 'X-Forwarded-For': '192.0.2.10' } });
  assert.equal(again.status, 429);
  assert.equal(again.text, 'limit exceeded\n');
  assert.equal(again.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(again.headers.get('retry-after'), '1');
  // The limiter keys on the hop the gateway appends (the peer), not on what the client claims: a forged
  // X-Forwarded-For does not buy a fresh bucket.
  const forged = await http('POST', '/api/v4/oauth/apps/register', { body: '{', headers: { 'X-Forwarded-For': '192.0.2.11' } });
  assert.equal(forged.status, 429);
  await new Promise((r) => setTimeout(r, 600));  // 2 tokens a second: one is back
  const malformed = await http('POST', '/api/v4/oauth/apps/register', { body: '{' });
  assert.equal(malformed.status, 400);
  assert.deepEqual(malformed.json(), { error: 'invalid_client_metadata', error_description: 'Invalid JSON in request body' });
});

test('headers beyond what gRPC carries are 431 at the gateway, and the calls after them are served', async () => {
  for (let i = 0; i < 20; i++) {
    const big = await http('GET', '/api/v4/oauth/apps', { headers: { Authorization: `Bearer ${'t'.repeat(10000)}` } });
    assert.equal(big.status, 431);
    assert.equal(big.json().id, 'api.context.request_headers_too_large.app_error');
    const next = await http('GET', '/api/v4/oauth/apps', { token: admin.token });
    assert.equal(next.status, 200);
  }
});

test('the gateway answers /healthz and /metrics itself', async () => {
  const h = await http('GET', '/healthz');
  assert.equal(h.status, 200);
  assert.deepEqual(h.json(), { status: 'OK' });
  const m = await http('GET', '/metrics');
  assert.equal(m.status, 200);
  assert.match(m.text, /oauthd_gateway_requests_total\{method="CreateOAuthApp",code="201"\} \d+/);
});

test('CORS: allowed origins only, with a preflight', async () => {
  const ok = await http('GET', '/healthz', { headers: { Origin: 'https://app.example.com' } });
  assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example.com');
  assert.equal(ok.headers.get('vary'), 'Origin');
  const other = await http('GET', '/healthz', { headers: { Origin: 'https://evil.example.com' } });
  assert.equal(other.headers.get('access-control-allow-origin'), null);
  const pre = await http('OPTIONS', '/api/v4/oauth/apps', { headers: { Origin: 'https://app.example.com',
    'Access-Control-Request-Method': 'POST' } });
  assert.equal(pre.status, 204);
  assert.match(pre.headers.get('access-control-allow-methods'), /POST/);
});

test('keep-alive serves several requests on one connection; a slow client is cut off', async () => {
  const raw = (socket, data) => new Promise((resolve) => {
    let buf = '';
    socket.on('data', (d) => { buf += d; if ((buf.match(/HTTP\/1\.1 200/g) ?? []).length === 2) resolve(buf); });
    socket.write(data);
  });
  const s = net.connect(gateway.port, '127.0.0.1');
  const both = await raw(s, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal((both.match(/HTTP\/1\.1 200/g) ?? []).length, 2);
  s.destroy();
  // Half a request line, then silence: the gateway closes within its read timeout (1 s here).
  const slow = net.connect(gateway.port, '127.0.0.1');
  const closedAfter = await new Promise((resolve) => {
    const start = Date.now();
    slow.on('close', () => resolve(Date.now() - start));
    slow.on('error', () => {});
    slow.write('GET /heal');
  });
  assert.ok(closedAfter >= 900 && closedAfter < 5000, `closed after ${closedAfter} ms`);
});

test('an unreachable upstream is a 503 AppError', async () => {
  const orphan = await startGateway(1);  // nothing listens on port 1
  try {
    const r = await fetch(`${orphan.url}/api/v4/oauth/apps`);
    assert.equal(r.status, 503);
    const body = await r.json();
    assert.equal(body.status_code, 503);
    assert.equal(body.id, 'api.gateway.upstream_unavailable.app_error');
  } finally {
    await orphan.stop();
  }
});
