// Checking and revoking tokens over HTTP with a strict RFC client, unmodified: oauth4webapi's introspectionRequest /
// processIntrospectionResponse (RFC 7662) and revocationRequest / processRevocationResponse (RFC 7009), through
// oauthd-gateway → oauthd → MariaDB, discovered from the RFC 8414 metadata, with client_secret_basic and
// client_secret_post; a public client revoking with its client_id alone; and the wire details a client reads
// (401 with WWW-Authenticate, {"active":false} and nothing more, Cache-Control: no-store).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { createDatabase, freePorts, oauthd, seedUser, startOauthd, startGateway } from './lib/stack.mjs';

const CALLBACK = 'http://127.0.0.1:9/callback';
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

let db, server, gateway, siteUrl, admin, user, as;

before(async () => {
  db = createDatabase();
  admin = seedUser(db.url, 'system_user system_admin');
  user = seedUser(db.url, 'system_user');
  const [port] = await freePorts(1);
  siteUrl = `http://127.0.0.1:${port}`;
  server = await startOauthd(db.url, [`--site-url=${siteUrl}`]);
  gateway = await startGateway(server.port, [`--listen=127.0.0.1:${port}`]);
  const issuer = new URL(siteUrl);
  as = await oauth.processDiscoveryResponse(issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', [oauth.allowInsecureRequests]: true }));
});

after(async () => {
  await gateway?.stop();
  await server?.stop();
  db?.drop();
});

const api = async (method, path, token, body) => {
  const res = await fetch(`${siteUrl}${path}`, {
    method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
};

async function newApp(isPublic = false) {
  const r = await api('POST', '/api/v4/oauth/apps', admin.token, {
    name: 'checks', homepage: 'https://c.example.com', callback_urls: [CALLBACK], is_public: isPublic,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

// A grant of `app` to the user: the consent API, then the code exchange.
async function grant(app) {
  const consent = await api('POST', '/oauth/authorize', user.token, {
    response_type: 'code', client_id: app.id, redirect_uri: CALLBACK, state: 's', code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
  });
  const code = new URL(consent.body.redirect).searchParams.get('code');
  const form = { grant_type: 'authorization_code', client_id: app.id, code, redirect_uri: CALLBACK,
    code_verifier: VERIFIER };
  if (app.client_secret) form.client_secret = app.client_secret;
  const res = await fetch(`${siteUrl}/oauth/access_token`, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  assert.equal(res.status, 200);
  return res.json();
}

const options = { [oauth.allowInsecureRequests]: true };
const introspect = async (client, auth, token) => oauth.processIntrospectionResponse(as, client,
  await oauth.introspectionRequest(as, client, auth, token, options));
const revoke = async (client, auth, token) => oauth.processRevocationResponse(
  await oauth.revocationRequest(as, client, auth, token, options));

test('the metadata names both endpoints and how clients authenticate there', () => {
  assert.equal(as.introspection_endpoint, `${siteUrl}/oauth/introspect`);
  assert.equal(as.revocation_endpoint, `${siteUrl}/oauth/revoke`);
  assert.deepEqual(as.introspection_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post']);
  assert.deepEqual(as.revocation_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post', 'none']);
});

test('oauth4webapi introspects and revokes unmodified, with client_secret_basic and client_secret_post', async () => {
  const app = await newApp();
  const client = { client_id: app.id };
  const tokens = await grant(app);
  for (const auth of [oauth.ClientSecretBasic(app.client_secret), oauth.ClientSecretPost(app.client_secret)]) {
    const claims = await introspect(client, auth, tokens.access_token);
    assert.equal(claims.active, true);
    assert.equal(claims.client_id, app.id);
    assert.equal(claims.sub, user.id);
    assert.equal(claims.username, user.username);
    assert.equal(claims.token_type, 'bearer');
    assert.equal(claims.iss, siteUrl);
    assert.ok(claims.exp > claims.iat);
    assert.equal((await introspect(client, auth, tokens.refresh_token)).token_type, 'refresh_token');
  }
  await revoke(client, oauth.ClientSecretBasic(app.client_secret), tokens.refresh_token);
  assert.deepEqual(await introspect(client, oauth.ClientSecretPost(app.client_secret), tokens.access_token),
    { active: false });
  assert.equal((await api('GET', '/api/v4/users/me/oauth/apps/authorized', tokens.access_token)).status, 401);
  // Revoking again, or an unknown token: still 200.
  await revoke(client, oauth.ClientSecretPost(app.client_secret), tokens.refresh_token);
  await revoke(client, oauth.ClientSecretPost(app.client_secret), 'unknowntoken00000000000000');
});

test('a public client revokes with its client_id alone; it cannot introspect', async () => {
  const app = await newApp(true);
  const client = { client_id: app.id, token_endpoint_auth_method: 'none' };
  const tokens = await grant(app);
  // 401 with a Basic challenge, which oauth4webapi surfaces as such.
  await assert.rejects(introspect(client, oauth.None(), tokens.access_token),
    (e) => e instanceof oauth.WWWAuthenticateChallengeError && e.response.status === 401
      && e.cause[0].scheme === 'basic');
  await revoke(client, oauth.None(), tokens.access_token);
  assert.equal((await api('GET', '/api/v4/users/me/oauth/apps/authorized', tokens.access_token)).status, 401);
});

test('a wrong secret is 401 invalid_client with a Basic challenge; a resource server sees every token', async () => {
  const app = await newApp();
  const api2 = await newApp();
  const tokens = await grant(app);
  const res = await fetch(`${siteUrl}/oauth/introspect`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: `Basic ${Buffer.from(`${app.id}:wrong`).toString('base64')}` },
    body: `token=${tokens.access_token}`,
  });
  assert.equal(res.status, 401);
  assert.equal(res.headers.get('www-authenticate'), 'Basic realm="oauthd"');
  assert.equal((await res.json()).error, 'invalid_client');
  // Another app learns nothing about this token, until a system admin makes it a resource server (the CLI here;
  // PUT /api/v4/oauth/apps/{id}/resource_server does the same).
  const other = await fetch(`${siteUrl}/oauth/introspect`, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: tokens.access_token, client_id: api2.id, client_secret: api2.client_secret }),
  });
  assert.equal(other.status, 200);
  assert.equal(other.headers.get('cache-control'), 'no-store');
  assert.equal(await other.text(), '{"active":false}');
  oauthd(db.url, ['app', 'resource-server', api2.id, 'on']);
  const seen = await introspect({ client_id: api2.id }, oauth.ClientSecretPost(api2.client_secret),
    tokens.access_token);
  assert.equal(seen.active, true);
  assert.equal(seen.client_id, app.id);
});
