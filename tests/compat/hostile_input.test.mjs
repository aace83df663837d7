// A catalogue of malformed and hostile requests against every endpoint, through the real gateway and server:
// truncated, deeply nested and huge JSON, invalid UTF-8, NUL bytes, duplicate keys, wrong types, integers beyond
// int64, SQL metacharacters in string fields, path traversal and percent-encoding tricks in {app_id}, oversized
// headers and cookies, redirect URIs with userinfo, several '@', backslashes, dot segments, fragments, IDN hosts and
// control characters, and raw HTTP that is not HTTP. Each must get a 4xx whose body is an AppError (`id`) or an
// OAuth error (`error`), both processes must stay up, and the database must hold exactly what it held before.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createDatabase, seedUser, sql, startGateway, startOauthd } from './lib/stack.mjs';

const CALLBACK = 'https://client.example.com/cb';
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
let db, server, gateway, admin, user, app, publicApp, code;

async function send(method, path, { body, headers = {}, token } = {}) {
  const h = { ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  const res = await fetch(`${gateway.url}${path}`, { method, body, headers: h, redirect: 'manual' });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

// A raw exchange on a socket, for what fetch refuses to send; resolves to the status line's code (0: closed).
function raw(bytes) {
  return new Promise((resolve) => {
    const socket = net.connect(gateway.port, '127.0.0.1');
    let got = '';
    socket.setTimeout(5000, () => socket.destroy());
    socket.on('data', (d) => { got += d.toString('latin1'); });
    socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0), text: got }));
    socket.on('error', () => {});
    socket.end(Buffer.from(bytes, 'latin1'));
  });
}

// What must not change: every row of the tables a request could write.
function snapshot() {
  return ['OAuthApps', 'OAuthAccessData', 'OAuthAuthData', 'Preferences', 'Users', 'Roles']
    .map((t) => `${t}: ${sql(db.url, `CHECKSUM TABLE ${t}`)}`).concat(
      `Sessions: ${sql(db.url, 'SELECT COUNT(*) FROM Sessions')}`);
}

before(async () => {
  db = createDatabase();
  admin = seedUser(db.url, 'system_user system_admin');
  user = seedUser(db.url, 'system_user');
  server = await startOauthd(db.url, ['--enable-dynamic-client-registration=true', '--dcr-rate-limit=100000',
    '--dcr-rate-burst=100000', '--dcr-redirect-uri-allowlist=https://*.example.com/**']);
  gateway = await startGateway(server.port, ['--max-body-bytes=65536']);
  const made = await send('POST', '/api/v4/oauth/apps', { token: admin.token, body: JSON.stringify(
    { name: 'Target', homepage: 'https://client.example.com', callback_urls: [CALLBACK] }) });
  app = JSON.parse(made.text);
  publicApp = JSON.parse((await send('POST', '/api/v4/oauth/apps', { token: admin.token, body: JSON.stringify(
    { name: 'Public', homepage: 'https://client.example.com', callback_urls: [CALLBACK], is_public: true }) })).text);
  const allowed = await send('POST', '/oauth/authorize', { token: user.token, body: JSON.stringify({
    response_type: 'code', client_id: publicApp.id, redirect_uri: CALLBACK, state: 's',
    code_challenge: CHALLENGE, code_challenge_method: 'S256' }) });
  code = new URL(JSON.parse(allowed.text).redirect).searchParams.get('code');
});

after(async () => {
  await gateway?.stop();
  await server?.stop();
  db?.drop();
});

const SQL = ["' OR '1'='1", "x'; DROP TABLE OAuthApps; --", '" OR ""="', '1 UNION SELECT ClientSecret FROM OAuthApps',
  '\\\'; SELECT SLEEP(5); --', '%27%20OR%201%3D1'];
const BAD_REDIRECTS = [
  'https://user@evil.example.net/cb', 'https://client.example.com@evil.example.net/cb',
  'https://a@b@client.example.com/cb', 'https://client.example.com\\@evil.example.net/cb',
  'https://client.example.com\\cb', 'https://client.example.com/a/../cb', 'https://client.example.com/./cb',
  'https://client.example.com/cb#fragment', 'https://exämple.com/cb', 'https://xn--exmple-cua.com/cb',
  'https://client.example.com/c\nb', 'https://client.example.com/c\rb', 'https://client.example.com/c\tb',
  'https://client.example.com/c\u0000b', '//evil.example.net/cb', 'javascript:alert(1)//https://client.example.com/cb',
  'https:/\\evil.example.net', 'https://client.example.com%2F@evil.example.net/cb', 'https://127.0.0.1:0/cb',
  'https://client.example.com:99999/cb',
];

// Registration takes these, as Mattermost does: each parses with host client.example.com, inside the allowlist, so a
// redirect to it can only reach that host (the authorization and token endpoints still refuse them: they are not
// the registered callback).
const REGISTRABLE = new Set(['https://a@b@client.example.com/cb', 'https://client.example.com/a/../cb',
  'https://client.example.com/./cb']);

function cases() {
  const list = [];
  const add = (name, method, path, opts = {}) => list.push({ name, method, path, opts });
  const json = (name, body, path = '/api/v4/oauth/apps', method = 'POST', token = admin.token) =>
    add(name, method, path, { body, token, headers: { 'Content-Type': 'application/json' } });

  // Malformed JSON bodies, on every endpoint that reads JSON.
  const malformed = {
    truncated_object: '{"name":"x"', truncated_string: '{"name":"x', lone_brace: '{', lone_bracket: '[', colon: ':',
    trailing_comma: '{"name":"x",}', single_quotes: "{'name':'x'}", bare_word: 'name', empty_key: '{:1}',
    nested_10000_arrays: '['.repeat(10000) + ']'.repeat(10000),
    nested_10000_objects: '{"a":'.repeat(10000) + '1' + '}'.repeat(10000),
    invalid_utf8: '{"name":"\xff\xfe"}', raw_nul: '{"name":"a\u0000b"}', bad_escape: '{"name":"\\q"}',
    lone_surrogate_escape: '{"name":"\\udc00"}', control_char_in_string: '{"name":"a\u0001b"}',
    number_as_key: '{1:2}', unquoted_key: '{name:"x"}', nan: '{"name":NaN}', huge: `{"name":"${'x'.repeat(70000)}"}`,
  };
  for (const [k, v] of Object.entries(malformed)) json(`create: ${k}`, v);
  for (const [k, v] of Object.entries(malformed)) json(`update: ${k}`, v, `/api/v4/oauth/apps/${'a'.repeat(26)}`, 'PUT');
  for (const k of ['truncated_object', 'nested_10000_arrays', 'invalid_utf8', 'raw_nul', 'huge', 'nan']) {
    json(`register: ${k}`, malformed[k], '/api/v4/oauth/apps/register', 'POST', null);
    json(`authorize: ${k}`, malformed[k], '/oauth/authorize', 'POST', user.token);
    json(`deauthorize: ${k}`, malformed[k], '/oauth/deauthorize', 'POST', user.token);
  }
  // Valid JSON of the wrong shape.
  const base = { name: 'x', homepage: 'https://client.example.com', callback_urls: [CALLBACK] };
  const wrongTypes = {
    name_number: { ...base, name: 1 }, name_object: { ...base, name: {} }, name_array: { ...base, name: ['x'] },
    callbacks_string: { ...base, callback_urls: CALLBACK }, callbacks_numbers: { ...base, callback_urls: [1, 2] },
    callbacks_nested: { ...base, callback_urls: [[CALLBACK]] }, trusted_string: { ...base, is_trusted: 'yes' },
    trusted_number: { ...base, is_trusted: 1 }, public_null_list: { ...base, is_public: [] },
    top_level_array: [base], top_level_string: 'x', top_level_number: 1, top_level_true: true,
  };
  for (const [k, v] of Object.entries(wrongTypes)) json(`create: ${k}`, JSON.stringify(v));
  json('create: create_at beyond int64', `{"name":"x","create_at":99999999999999999999}`);
  json('create: create_at fraction', `{"name":"x","create_at":1.5}`);
  json('create: create_at exponent', `{"name":"x","create_at":1e400}`);
  json('create: duplicate keys, last of the wrong type', `{"name":"x","name":5}`);
  json('create: duplicate keys, case-folded, wrong type', `{"name":"x","NAME":[]}`);
  json('register: redirect_uris not a list', '{"redirect_uris":"https://a.example.com/cb"}', '/api/v4/oauth/apps/register', 'POST', null);
  json('register: redirect_uris numbers', '{"redirect_uris":[1]}', '/api/v4/oauth/apps/register', 'POST', null);
  json('deauthorize: client_id number', '{"client_id":12345678901234567890123456}', '/oauth/deauthorize', 'POST', user.token);
  json('authorize: scope object', `{"client_id":"${'a'.repeat(26)}","scope":{}}`, '/oauth/authorize', 'POST', user.token);
  // Rejected values: validation must stop these before any write.
  json('create: empty name', JSON.stringify({ ...base, name: '' }));
  json('create: name of 65 runes', JSON.stringify({ ...base, name: 'é'.repeat(65) }));
  json('create: no callbacks', JSON.stringify({ ...base, callback_urls: [] }));
  json('create: homepage javascript', JSON.stringify({ ...base, homepage: 'javascript:alert(1)' }));
  json('create: icon_url data', JSON.stringify({ ...base, icon_url: 'data:text/html,x' }));

  // SQL metacharacters in every string that reaches a query.
  for (const s of SQL) {
    const e = encodeURIComponent(s);
    add(`get app id: ${s}`, 'GET', `/api/v4/oauth/apps/${e}`, { token: admin.token });
    add(`app info id: ${s}`, 'GET', `/api/v4/oauth/apps/${e}/info`, { token: admin.token });
    add(`delete app id: ${s}`, 'DELETE', `/api/v4/oauth/apps/${e}`, { token: admin.token });
    add(`authorized user id: ${s}`, 'GET', `/api/v4/users/${e}/oauth/apps/authorized`, { token: admin.token });
    add(`bearer token: ${s}`, 'GET', '/api/v4/oauth/apps', { headers: { Authorization: `Bearer ${s}` } });
    add(`cookie token: ${s}`, 'GET', '/api/v4/oauth/apps', { headers: { Cookie: `MMAUTHTOKEN=${e}` } });
    add(`token client_id: ${s}`, 'POST', '/oauth/access_token', { form: { grant_type: 'authorization_code', code: 'c',
      client_id: s } });
    add(`token code: ${s}`, 'POST', '/oauth/access_token', { form: { grant_type: 'authorization_code', code: s,
      client_id: app.id, client_secret: app.client_secret, redirect_uri: CALLBACK } });
    add(`token refresh_token: ${s}`, 'POST', '/oauth/access_token', { form: { grant_type: 'refresh_token',
      refresh_token: s, client_id: app.id, client_secret: app.client_secret } });
    add(`token client_secret: ${s}`, 'POST', '/oauth/access_token', { form: { grant_type: 'authorization_code',
      code: 'c', client_id: app.id, client_secret: s } });
    json(`deauthorize client_id: ${s}`, JSON.stringify({ client_id: s }), '/oauth/deauthorize', 'POST', user.token);
    json(`authorize client_id: ${s}`, JSON.stringify({ response_type: 'code', client_id: s, redirect_uri: CALLBACK }),
      '/oauth/authorize', 'POST', user.token);
    json(`register auth method: ${s}`, JSON.stringify({ redirect_uris: ['https://a.example.com/cb'],
      token_endpoint_auth_method: s }), '/api/v4/oauth/apps/register', 'POST', null);
  }

  // Path traversal and percent-encoding tricks where {app_id} goes.
  const ids = ['..', '../..', '..%2F..%2Fusers', '%2e%2e', '%2e%2e%2fregister', 'a%2Fb', '%00', `${'a'.repeat(25)}%00`,
    '%', '%zz', '%252F', `${'a'.repeat(13)}%2F${'a'.repeat(12)}`, '%EF%BC%8E%EF%BC%8E', 'a'.repeat(27), 'A'.repeat(26),
    `${'a'.repeat(25)}!`, '%20', 'register%00', `${'a'.repeat(26)}/../../../etc/passwd`, `${'a'.repeat(26)};x=1`];
  for (const id of ids) {
    add(`get app path: ${id}`, 'GET', `/api/v4/oauth/apps/${id}`, { token: admin.token });
    add(`regen secret path: ${id}`, 'POST', `/api/v4/oauth/apps/${id}/regen_secret`, { token: admin.token });
  }

  // Oversized or strange headers and cookies.
  add('header of 20 KB', 'GET', '/api/v4/oauth/apps', { token: admin.token, headers: { 'X-Big': 'x'.repeat(20000) } });
  add('cookie of 20 KB', 'GET', '/api/v4/oauth/apps', { headers: { Cookie: `MMAUTHTOKEN=${'x'.repeat(20000)}` } });
  add('200 headers', 'GET', '/api/v4/oauth/apps', { headers: Object.fromEntries(
    Array.from({ length: 200 }, (_, i) => [`x-h${i}`, 'v'.repeat(100)])) });
  add('authorization of 10 KB', 'GET', '/api/v4/oauth/apps', { headers: { Authorization: `Bearer ${'t'.repeat(10000)}` } });
  add('cookie with 500 pairs', 'GET', '/api/v4/oauth/apps', { headers: { Cookie: Array.from({ length: 500 },
    (_, i) => `c${i}=v`).join('; ') } });
  add('cookie session with a forged CSRF token', 'POST', '/api/v4/oauth/apps', { body: JSON.stringify(base),
    headers: { Cookie: `MMAUTHTOKEN=${admin.token}`, 'X-CSRF-Token': "' OR 1=1" } });
  add('cookie session without a CSRF token', 'DELETE', `/api/v4/oauth/apps/${app.id}`,
    { headers: { Cookie: `MMAUTHTOKEN=${admin.token}` } });
  add('URL of 3000 bytes', 'GET', `/api/v4/oauth/apps?x=${'a'.repeat(3000)}`, { token: admin.token });

  // Redirect URIs that try to slip past exact matching or the allowlist.
  for (const uri of BAD_REDIRECTS) {
    json(`authorize redirect: ${JSON.stringify(uri)}`, JSON.stringify({ response_type: 'code', client_id: app.id,
      redirect_uri: uri, state: 's' }), '/oauth/authorize', 'POST', user.token);
    if (!REGISTRABLE.has(uri)) {
      json(`register redirect: ${JSON.stringify(uri)}`, JSON.stringify({ redirect_uris: [uri] }),
        '/api/v4/oauth/apps/register', 'POST', null);
    }
    add(`token redirect: ${JSON.stringify(uri)}`, 'POST', '/oauth/access_token', { form: {
      grant_type: 'authorization_code', client_id: publicApp.id, code, redirect_uri: uri, code_verifier: VERIFIER } });
  }
  return list;
}

const rawCases = [
  ['not HTTP at all', 'hello\r\n\r\n'],
  ['NUL in the request line', 'GET /api/v4/oauth/apps\u0000 HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['bad version', 'GET / HTTP/9.9\r\nHost: x\r\n\r\n'],
  ['header without colon', 'GET /healthz HTTP/1.1\r\nHost x\r\n\r\n'],
  ['both Content-Length and chunked', 'POST /api/v4/oauth/apps HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n'
    + 'Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  ['bad chunk size', 'POST /oauth/access_token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n'],
  ['negative Content-Length', 'POST /oauth/access_token HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n'],
  ['Content-Length beyond the limit', 'POST /oauth/access_token HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n'],
];

test('every hostile request is a 4xx with an error body; nothing crashes, nothing is written', async () => {
  const before = snapshot();
  const all = cases();
  const bad = [];
  for (const c of all) {
    const { form, ...opts } = c.opts;
    if (form) {
      opts.body = new URLSearchParams(form).toString();
      opts.headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
    }
    let r;
    try {
      r = await send(c.method, c.path, opts);
    } catch (e) {
      bad.push(`${c.name}: no answer (${e.message})`);
      continue;
    }
    let body = null;
    try { body = JSON.parse(r.text); } catch { /* checked below */ }
    const errorBody = body && (typeof body.id === 'string' || typeof body.error === 'string');
    if (r.status < 400 || r.status > 499 || !errorBody || !r.type?.startsWith('application/json')) {
      bad.push(`${c.name}: ${r.status} ${r.type} ${r.text.slice(0, 120)}`);
    }
  }
  for (const [name, bytes] of rawCases) {
    const r = await raw(bytes);
    if (r.status !== 0 && (r.status < 400 || r.status > 499)) bad.push(`raw ${name}: ${r.status}`);
  }
  // A page that is not a number is page 0, as in Mattermost (spec §2.1): whatever it says, it reaches no query.
  // Junk paging reads as the defaults: the same list as none (the test's two apps, and a Mattermost database's).
  const apps = JSON.parse((await send('GET', '/api/v4/oauth/apps', { token: admin.token })).text).length;
  for (const s of SQL) {
    const r = await send('GET', `/api/v4/oauth/apps?page=${encodeURIComponent(s)}&per_page=${encodeURIComponent(s)}`,
      { token: admin.token });
    if (r.status !== 200 || JSON.parse(r.text).length !== apps) bad.push(`list page ${s}: ${r.status} ${r.text.slice(0, 80)}`);
  }
  console.log(`hostile inputs: ${all.length + rawCases.length + SQL.length} tried, ${bad.length} answered wrongly`);
  assert.deepEqual(bad, []);
  assert.ok(all.length + rawCases.length >= 150, `at least 150 cases (${all.length + rawCases.length})`);
  // Both processes are still up and answering; the database holds what it held.
  assert.ok(server.child.exitCode === null && gateway.child.exitCode === null, 'both processes are up');
  assert.equal((await send('GET', '/healthz')).status, 200);
  assert.equal((await send('GET', `/api/v4/oauth/apps/${app.id}`, { token: admin.token })).status, 200);
  assert.deepEqual(snapshot(), before);
});
