// The authorization flow over HTTP through the real gateway: @mattermost/client's authorizeOAuthApp,
// getAuthorizedOAuthApps and deauthorizeOAuthApp, and the form-encoded token endpoint as an OAuth client calls it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import mattermost from '@mattermost/client';
import { createDatabase, seedUser, startOauthd, startGateway } from './lib/stack.mjs';

const { Client4, ClientError } = mattermost;
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const CALLBACK = 'https://client.example.com/callback';

let db, server, gateway, admin, user, adminClient, userClient;

function clientFor(token) {
  const c = new Client4();
  c.setUrl(gateway.url);
  c.setToken(token);
  return c;
}

// authorizeOAuthApp resolves to the JSON body, {redirect}.
async function authorize(client, app, extra = {}) {
  const res = await client.authorizeOAuthApp('code', app.id, CALLBACK, 'state-123', '', extra.resource,
    extra.challenge, extra.challenge ? 'S256' : undefined);
  assert.ok(res.redirect, JSON.stringify(res));
  const url = new URL(res.redirect);
  assert.equal(url.origin + url.pathname, CALLBACK);
  assert.equal(url.searchParams.get('state'), 'state-123');
  return url.searchParams.get('code');
}

async function token(form) {
  const res = await fetch(`${gateway.url}/oauth/access_token`, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

before(async () => {
  db = createDatabase();
  admin = seedUser(db.url, 'system_user system_admin');
  user = seedUser(db.url, 'system_user');
  server = await startOauthd(db.url);
  gateway = await startGateway(server.port);
  adminClient = clientFor(admin.token);
  userClient = clientFor(user.token);
});

after(async () => {
  await gateway?.stop();
  await server?.stop();
  db?.drop();
});

test('confidential client: authorizeOAuthApp, token exchange, the token on /api/v4, deauthorizeOAuthApp', async () => {
  const app = await adminClient.createOAuthApp({ name: 'HTTP flow', description: '', homepage: 'https://client.example.com',
    callback_urls: [CALLBACK] });
  const code = await authorize(userClient, app);
  const t = await token({ grant_type: 'authorization_code', client_id: app.id, client_secret: app.client_secret,
    code, redirect_uri: CALLBACK });
  assert.equal(t.status, 200, JSON.stringify(t.body));
  assert.equal(t.headers.get('content-type'), 'application/json');
  assert.equal(t.headers.get('cache-control'), 'no-store');
  assert.equal(t.headers.get('pragma'), 'no-cache');
  assert.equal(t.body.token_type, 'bearer');
  assert.equal(typeof t.body.expires_in, 'number');
  assert.equal(t.body.refresh_token.length, 26);

  const asApp = clientFor(t.body.access_token);
  const authorized = await asApp.getAuthorizedOAuthApps('me');
  assert.equal(authorized.length, 1);
  assert.equal(authorized[0].id, app.id);
  assert.equal(authorized[0].client_secret, '');
  // ?access_token= works for OAuth tokens through the gateway too.
  const viaQuery = await fetch(`${gateway.url}/api/v4/users/me/oauth/apps/authorized?access_token=${t.body.access_token}`);
  assert.equal(viaQuery.status, 200);
  const plainViaQuery = await fetch(`${gateway.url}/api/v4/users/me/oauth/apps/authorized?access_token=${user.token}`);
  assert.equal(plainViaQuery.status, 401);

  const refreshed = await token({ grant_type: 'refresh_token', client_id: app.id, client_secret: app.client_secret,
    refresh_token: t.body.refresh_token });
  assert.equal(refreshed.status, 200);
  assert.notEqual(refreshed.body.access_token, t.body.access_token);

  assert.deepEqual(await userClient.deauthorizeOAuthApp(app.id), { status: 'OK' });
  assert.deepEqual(await userClient.getAuthorizedOAuthApps('me'), []);
  await assert.rejects(clientFor(refreshed.body.access_token).getAuthorizedOAuthApps('me'),
    (e) => e instanceof ClientError && e.status_code === 401);
});

test('public client with PKCE; errors as AppError JSON', async () => {
  const app = await adminClient.createOAuthApp({ name: 'Public', description: '', homepage: 'https://client.example.com',
    callback_urls: [CALLBACK], is_public: true });
  assert.equal(app.client_secret, '');
  await assert.rejects(userClient.authorizeOAuthApp('code', app.id, CALLBACK, 's', ''),
    (e) => e.server_error_id === 'api.oauth.allow_oauth.pkce_required_public.app_error' && e.status_code === 400);
  const code = await authorize(userClient, app, { challenge: CHALLENGE });
  const bad = await token({ grant_type: 'authorization_code', client_id: app.id, code, redirect_uri: CALLBACK,
    code_verifier: 'x'.repeat(43) });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.id, 'model.authorize.validate_pkce.verification_failed.app_error');
  // RFC 6749 §5.2 beside the AppError: the error code and its description.
  assert.equal(bad.body.error, 'invalid_grant');
  assert.equal(bad.body.error_description, bad.body.message);
  assert.equal(bad.body.status_code, 400);
  const good = await token({ grant_type: 'authorization_code', client_id: app.id, code, redirect_uri: CALLBACK,
    code_verifier: VERIFIER });
  assert.equal(good.status, 200, JSON.stringify(good.body));
  // RFC 6749 §5.1: a member without a value is absent, not "" (strict clients refuse "").
  assert.ok(!('refresh_token' in good.body) && !('id_token' in good.body), JSON.stringify(good.body));
  assert.equal(good.body.scope, 'user');
  const reuse = await token({ grant_type: 'authorization_code', client_id: app.id, code, redirect_uri: CALLBACK,
    code_verifier: VERIFIER });
  assert.equal(reuse.status, 400);
  assert.equal(reuse.body.id, 'api.oauth.get_access_token.expired_code.app_error');
  const badGrant = await token({ grant_type: 'password', client_id: app.id });
  assert.equal(badGrant.body.id, 'api.oauth.get_access_token.bad_grant.app_error');
  assert.equal(badGrant.body.status_code, 400);
  assert.equal(badGrant.body.error, 'unsupported_grant_type');
});

test('POST /oauth/authorize: a null body is a bad body, an empty object fails validation', async () => {
  const post = async (body) => {
    const res = await fetch(`${gateway.url}/oauth/authorize`, {
      method: 'POST', headers: { Authorization: `Bearer ${user.token}`, 'Content-Type': 'application/json' }, body,
    });
    return { status: res.status, body: await res.json() };
  };
  for (const body of ['null', ' null\n']) {
    const r = await post(body);
    assert.equal(r.status, 400);
    assert.equal(r.body.id, 'api.context.invalid_body_param.app_error');
  }
  const empty = await post('{}');
  assert.equal(empty.status, 400);
  assert.equal(empty.body.id, 'model.authorize.is_valid.client_id.app_error');
  assert.equal(empty.body.error, undefined, 'RFC 6749 members belong to the token endpoint');
});

test('the browser entry point redirects anonymous users to the login page', async () => {
  const app = await adminClient.createOAuthApp({ name: 'Login', description: '', homepage: 'https://client.example.com',
    callback_urls: [CALLBACK] });
  const path = `/oauth/authorize?response_type=code&client_id=${app.id}&redirect_uri=${encodeURIComponent(CALLBACK)}&state=abc`;
  const res = await fetch(`${gateway.url}${path}`, { redirect: 'manual' });
  assert.equal(res.status, 302);
  const location = new URL(res.headers.get('location'));
  assert.equal(location.pathname, '/login');
  assert.equal(location.searchParams.get('redirect_to'), path);
  const page = await fetch(`${gateway.url}${path}`, { headers: { Cookie: `MMAUTHTOKEN=${user.token}` } });
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.match(page.headers.get('content-security-policy'), /script-src 'nonce-/);
  assert.match(await page.text(), /Login would like to access your account/);
});
