// No secret or token ever reaches a log. Every kind the service issues or receives goes through oauthd (with
// --developer-mode, which fills error details) and the gateway, on success and failure paths: client secrets
// (created, regenerated, registered), authorization codes, access and refresh tokens (issued, refreshed, spent,
// revoked), user session tokens in headers, cookies and ?access_token=, and a wrong secret. Then every line both
// processes logged is searched for each of them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, seedUser, startGateway, startOauthd } from './lib/stack.mjs';

const CALLBACK = 'https://client.example.com/cb';
let db, server, gateway, admin, user;
const secrets = new Set();
const keep = (...values) => values.forEach((v) => { if (typeof v === 'string' && v.length >= 8) secrets.add(v); });

before(async () => {
  db = createDatabase();
  admin = seedUser(db.url, 'system_user system_admin');
  user = seedUser(db.url, 'system_user');
  keep(admin.token, user.token);
  server = await startOauthd(db.url, ['--developer-mode=true', '--enable-dynamic-client-registration=true']);
  gateway = await startGateway(server.port);
});

after(async () => {
  await gateway?.stop();
  await server?.stop();
  db?.drop();
});

async function call(method, path, { token, body, form, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  if (form) h['Content-Type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(`${gateway.url}${path}`, {
    method, headers: h, redirect: 'manual',
    body: form ? new URLSearchParams(form).toString() : body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text };
}

test('no issued or presented secret appears in any log line of oauthd or the gateway', async () => {
  const app = (await call('POST', '/api/v4/oauth/apps', { token: admin.token, body: { name: 'Logged',
    homepage: 'https://client.example.com', callback_urls: [CALLBACK] } })).json;
  keep(app.client_secret);
  const regen = (await call('POST', `/api/v4/oauth/apps/${app.id}/regen_secret`, { token: admin.token })).json;
  keep(regen.client_secret);
  const registered = (await call('POST', '/api/v4/oauth/apps/register', { body: {
    redirect_uris: [CALLBACK], token_endpoint_auth_method: 'client_secret_post' } })).json;
  keep(registered.client_secret);

  const codeFor = async () => {
    const r = await call('POST', '/oauth/authorize', { token: user.token, body: {
      response_type: 'code', client_id: app.id, redirect_uri: CALLBACK, state: 'st' } });
    const code = new URL(r.json.redirect).searchParams.get('code');
    keep(code);
    return code;
  };
  const exchange = (code, secret = regen.client_secret) => call('POST', '/oauth/access_token', { form: {
    grant_type: 'authorization_code', client_id: app.id, client_secret: secret, code, redirect_uri: CALLBACK } });
  const code = await codeFor();
  const wrong = 'wrong-secret-' + 'x'.repeat(20);
  keep(wrong);
  assert.equal((await exchange(code, wrong)).status, 401);
  assert.equal((await exchange(code, app.client_secret)).status, 401, 'the old secret no longer works');
  const tokens = (await exchange(code)).json;
  keep(tokens.access_token, tokens.refresh_token);
  assert.equal((await exchange(code)).status, 400, 'a used code');
  const refresh = (refreshToken) => call('POST', '/oauth/access_token', { form: { grant_type: 'refresh_token',
    client_id: app.id, client_secret: regen.client_secret, refresh_token: refreshToken } });
  const refreshed = (await refresh(tokens.refresh_token)).json;
  keep(refreshed.access_token, refreshed.refresh_token);
  assert.equal((await refresh(tokens.refresh_token)).status, 404, 'a spent refresh token');

  // Tokens presented every way a caller can: header, cookie (with and without CSRF), query; valid and revoked.
  assert.equal((await call('GET', '/api/v4/users/me/oauth/apps/authorized', { token: refreshed.access_token })).status, 200);
  assert.equal((await call('GET', `/api/v4/users/me/oauth/apps/authorized?access_token=${refreshed.access_token}`)).status, 200);
  assert.equal((await call('GET', '/api/v4/oauth/apps', { headers: { Cookie: `MMAUTHTOKEN=${admin.token}` } })).status, 200);
  assert.equal((await call('DELETE', `/api/v4/oauth/apps/${registered.client_id}`,
    { headers: { Cookie: `MMAUTHTOKEN=${admin.token}`, 'X-CSRF-Token': 'forged-csrf-value' } })).status, 401);
  assert.equal((await call('POST', '/oauth/deauthorize', { token: user.token, body: { client_id: app.id } })).status, 200);
  const revoked = await call('GET', '/api/v4/users/me/oauth/apps/authorized', { token: refreshed.access_token });
  assert.equal(revoked.status, 401);
  assert.equal((await refresh(refreshed.refresh_token)).status, 404, 'a revoked refresh token');
  assert.equal((await call('GET', '/oauth/authorize?response_type=code&client_id=' + app.id
    + `&redirect_uri=${encodeURIComponent(CALLBACK)}&access_token=${user.token}`)).status >= 200, true);

  await gateway.stop();
  await server.stop();
  const logs = { oauthd: server.log(), gateway: gateway.log() };
  assert.ok(logs.oauthd.split('\n').length > 15 && logs.gateway.split('\n').length > 15, 'both logged every call');
  assert.ok(secrets.size >= 11, `secrets collected: ${secrets.size}`);
  const leaks = [];
  for (const [name, text] of Object.entries(logs)) {
    for (const s of secrets) if (text.includes(s)) leaks.push(`${name} logged ${s.slice(0, 6)}…`);
  }
  assert.deepEqual(leaks, []);
});

test('on standard error (the default audit log) each audit record is a whole line, next to its call\'s log line', async () => {
  // The previous test stopped both processes; their logs stay readable.
  const lines = server.log().split('\n').filter((l) => l.startsWith('{'));
  const records = lines.map((l) => JSON.parse(l));  // every line whole JSON: none cut or interleaved
  const audits = records.map((r, i) => [r, i]).filter(([r]) => r.audit !== undefined);
  assert.ok(audits.length >= 8, `audit records on standard error: ${audits.length}`);
  for (const [record, i] of audits) {
    const next = records[i + 1];
    assert.equal(next?.request_id, record.request_id, `the line after ${lines[i]}`);
    assert.equal(next.status, record.status);
    assert.ok(next.method, 'a request log line');
  }
});
