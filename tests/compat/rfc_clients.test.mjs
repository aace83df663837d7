// Strict RFC clients, unmodified, against oauthd-gateway → oauthd → MariaDB: the MCP TypeScript SDK
// (@modelcontextprotocol/sdk, client/auth.js: discovery, registration, PKCE, exchange, refresh and its auth()
// orchestrator) and oauth4webapi (discovery with the issuer check, registration, the code grant with PKCE, a Bearer
// call, refresh). Each must see RFC 6749 `invalid_grant` for a wrong verifier, a reused code and a refresh after the
// user deauthorized the app. The site URL is the gateway's own, so the issuer check is real. The test plays the user
// through Mattermost's consent API (POST /oauth/authorize with the user's session).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  auth, discoverAuthorizationServerMetadata, exchangeAuthorization, refreshAuthorization, registerClient,
  startAuthorization,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { InvalidGrantError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import * as oauth from 'oauth4webapi';
import { createDatabase, freePorts, seedUser, startOauthd, startGateway } from './lib/stack.mjs';

const CALLBACK = 'http://127.0.0.1:9/callback';  // never fetched: the test reads the code from the redirect
const OTHER_VERIFIER = 'x'.repeat(43);           // well formed, but not the one the challenge was made from

let db, server, gateway, siteUrl, admin, user;

before(async () => {
  db = createDatabase();
  admin = seedUser(db.url, 'system_user system_admin');
  user = seedUser(db.url, 'system_user');
  const [port] = await freePorts(1);
  siteUrl = `http://127.0.0.1:${port}`;
  server = await startOauthd(db.url, [`--site-url=${siteUrl}`, '--enable-dynamic-client-registration=true',
    '--dcr-rate-limit=1000', '--dcr-rate-burst=1000']);
  gateway = await startGateway(server.port, [`--listen=127.0.0.1:${port}`]);
});

after(async () => {
  await gateway?.stop();
  await server?.stop();
  db?.drop();
});

async function asUser(method, path, body) {
  const res = await fetch(`${siteUrl}${path}`, {
    method, headers: { Authorization: `Bearer ${user.token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

// The user allows the app on the consent page: its Allow button posts the authorization request's parameters.
// Returns the URL the browser is sent back to (with the code and state).
async function consent(authorizationUrl) {
  const url = new URL(authorizationUrl);
  assert.equal(`${url.origin}${url.pathname}`, `${siteUrl}/oauth/authorize`);
  const r = await asUser('POST', '/oauth/authorize', Object.fromEntries(url.searchParams));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return new URL(r.body.redirect);
}

const codeOf = (redirect) => redirect.searchParams.get('code');

const deauthorize = async (clientId) =>
  assert.equal((await asUser('POST', '/oauth/deauthorize', { client_id: clientId })).status, 200);

async function bearerStatus(accessToken) {
  const res = await fetch(`${siteUrl}/api/v4/users/me/oauth/apps/authorized`,
    { headers: { Authorization: `Bearer ${accessToken}` } });
  return res.status;
}

const isInvalidGrant = (e) => {
  assert.ok(e instanceof InvalidGrantError, `InvalidGrantError, got ${e?.constructor?.name}: ${e?.message}`);
  return true;
};

test('MCP SDK: discovery, public registration, PKCE, exchange; a wrong verifier and a reused code are invalid_grant',
  async () => {
    const metadata = await discoverAuthorizationServerMetadata(siteUrl);
    assert.equal(metadata.issuer, siteUrl);
    assert.equal(metadata.registration_endpoint, `${siteUrl}/api/v4/oauth/apps/register`);
    const client = await registerClient(siteUrl, {
      metadata, clientMetadata: { redirect_uris: [CALLBACK], client_name: 'MCP public', token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'], response_types: ['code'] },
    });
    assert.equal(client.client_secret, undefined);
    const { authorizationUrl, codeVerifier } = await startAuthorization(siteUrl,
      { metadata, clientInformation: client, redirectUrl: CALLBACK, scope: 'user', state: 'mcp-state' });
    const redirect = await consent(authorizationUrl);
    assert.equal(redirect.searchParams.get('state'), 'mcp-state');
    const exchange = (verifier) => exchangeAuthorization(siteUrl, {
      metadata, clientInformation: client, authorizationCode: codeOf(redirect), codeVerifier: verifier,
      redirectUri: CALLBACK,
    });
    await assert.rejects(exchange(OTHER_VERIFIER), isInvalidGrant);
    const tokens = await exchange(codeVerifier);
    assert.equal(tokens.token_type, 'bearer');
    assert.equal(tokens.refresh_token, undefined, 'public clients get no refresh token');
    assert.equal(tokens.id_token, undefined);
    assert.equal(await bearerStatus(tokens.access_token), 200);
    await assert.rejects(exchange(codeVerifier), isInvalidGrant);
  });

test('MCP SDK: confidential registration, exchange and refresh; a refresh after deauthorize is invalid_grant',
  async () => {
    const metadata = await discoverAuthorizationServerMetadata(siteUrl);
    const client = await registerClient(siteUrl, {
      metadata, clientMetadata: { redirect_uris: [CALLBACK], client_name: 'MCP confidential',
        token_endpoint_auth_method: 'client_secret_post' },
    });
    assert.equal(client.client_secret.length, 26);
    const { authorizationUrl, codeVerifier } = await startAuthorization(siteUrl,
      { metadata, clientInformation: client, redirectUrl: CALLBACK, scope: 'user' });
    const tokens = await exchangeAuthorization(siteUrl, {
      metadata, clientInformation: client, authorizationCode: codeOf(await consent(authorizationUrl)), codeVerifier,
      redirectUri: CALLBACK,
    });
    assert.equal(tokens.refresh_token.length, 26);
    const refreshed = await refreshAuthorization(siteUrl,
      { metadata, clientInformation: client, refreshToken: tokens.refresh_token });
    assert.notEqual(refreshed.access_token, tokens.access_token);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
    assert.equal(await bearerStatus(refreshed.access_token), 200);
    await deauthorize(client.client_id);
    await assert.rejects(refreshAuthorization(siteUrl,
      { metadata, clientInformation: client, refreshToken: refreshed.refresh_token }), isInvalidGrant);
  });

// What an MCP host keeps between calls to auth(): client information, tokens, the verifier, where it sent the user.
class MemoryProvider {
  constructor() {
    this.saved = {};
    this.invalidated = [];
  }
  get redirectUrl() { return CALLBACK; }
  get clientMetadata() {
    return { redirect_uris: [CALLBACK], client_name: 'MCP auth()', token_endpoint_auth_method: 'client_secret_post',
      scope: 'user' };
  }
  clientInformation() { return this.saved.client; }
  saveClientInformation(info) { this.saved.client = info; }
  tokens() { return this.saved.tokens; }
  saveTokens(tokens) { this.saved.tokens = tokens; }
  redirectToAuthorization(url) { this.saved.authorizationUrl = url; }
  saveCodeVerifier(verifier) { this.saved.verifier = verifier; }
  codeVerifier() { return this.saved.verifier; }
  invalidateCredentials(scope) {
    this.invalidated.push(scope);
    if (scope === 'tokens' || scope === 'all') delete this.saved.tokens;
  }
}

test('MCP SDK auth(): registers and redirects, exchanges, refreshes; a bad code ends in InvalidGrantError', async () => {
  const provider = new MemoryProvider();
  const serverUrl = `${siteUrl}/mcp`;  // no RFC 9728 document there: the SDK falls back to the server's origin
  assert.equal(await auth(provider, { serverUrl }), 'REDIRECT');
  assert.equal(provider.saved.client.client_secret.length, 26, 'registered as a confidential client');
  const code = codeOf(await consent(provider.saved.authorizationUrl));
  assert.equal(await auth(provider, { serverUrl, authorizationCode: code }), 'AUTHORIZED');
  const first = provider.saved.tokens;
  assert.equal(await bearerStatus(first.access_token), 200);
  assert.equal(await auth(provider, { serverUrl }), 'AUTHORIZED', 'refreshed');
  assert.notEqual(provider.saved.tokens.access_token, first.access_token);
  // A code that is no good: auth() recognises invalid_grant, drops the tokens, tries once more, and gives up.
  await assert.rejects(auth(provider, { serverUrl, authorizationCode: code }), isInvalidGrant);
  assert.deepEqual(provider.invalidated, ['tokens']);
});

const o4wOptions = { [oauth.allowInsecureRequests]: true };  // http on loopback

async function o4wDiscover() {
  const issuer = new URL(siteUrl);
  return oauth.processDiscoveryResponse(issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...o4wOptions }));
}

// Sends the user through consent with a fresh PKCE pair and state; returns what the token request needs.
async function o4wAuthorize(as, client) {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: client.client_id, redirect_uri: CALLBACK, scope: 'user', state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  }).toString();
  const params = oauth.validateAuthResponse(as, client, await consent(url), state);
  return { params, verifier };
}

async function o4wExchange(as, client, clientAuth, { params, verifier }) {
  const response = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, CALLBACK, verifier,
    o4wOptions);
  return oauth.processAuthorizationCodeResponse(as, client, response);
}

async function o4wRefresh(as, client, clientAuth, refreshToken) {
  const response = await oauth.refreshTokenGrantRequest(as, client, clientAuth, refreshToken, o4wOptions);
  return oauth.processRefreshTokenResponse(as, client, response);
}

const oauthError = (code) => (e) => {
  assert.ok(e instanceof oauth.ResponseBodyError, `ResponseBodyError, got ${e?.constructor?.name}: ${e?.message}`);
  assert.equal(e.error, code);
  assert.equal(typeof e.error_description, 'string');
  return true;
};

test('oauth4webapi: a REST-created confidential app: code + PKCE, Bearer call, refresh; RFC errors', async () => {
  const as = await o4wDiscover();
  assert.deepEqual(as.token_endpoint_auth_methods_supported, ['client_secret_post', 'none']);
  const created = await fetch(`${siteUrl}/api/v4/oauth/apps`, {
    method: 'POST', headers: { Authorization: `Bearer ${admin.token}` },
    body: JSON.stringify({ name: 'oauth4webapi', homepage: 'https://o4w.example.com', callback_urls: [CALLBACK] }),
  });
  const app = await created.json();
  const client = { client_id: app.id };
  const clientAuth = oauth.ClientSecretPost(app.client_secret);

  const grant = await o4wAuthorize(as, client);
  await assert.rejects(o4wExchange(as, client, clientAuth, { ...grant, verifier: OTHER_VERIFIER }),
    oauthError('invalid_grant'));
  await assert.rejects(o4wExchange(as, client, oauth.ClientSecretPost('wrong-secret'), grant),
    oauthError('invalid_client'));
  const tokens = await o4wExchange(as, client, clientAuth, grant);
  assert.equal(tokens.token_type, 'bearer');
  assert.equal(tokens.scope, 'user');
  assert.equal(tokens.refresh_token.length, 26);
  await assert.rejects(o4wExchange(as, client, clientAuth, grant), oauthError('invalid_grant'));

  const call = await oauth.protectedResourceRequest(tokens.access_token, 'GET',
    new URL(`${siteUrl}/api/v4/users/me/oauth/apps/authorized`), new Headers(), null, o4wOptions);
  assert.equal(call.status, 200);
  assert.ok((await call.json()).some((a) => a.id === app.id), 'the app is among the authorized ones');

  const refreshed = await o4wRefresh(as, client, clientAuth, tokens.refresh_token);
  assert.notEqual(refreshed.access_token, tokens.access_token);
  await assert.rejects(o4wRefresh(as, client, clientAuth, tokens.refresh_token), oauthError('invalid_grant'),
    'a rotated refresh token is spent');
  await deauthorize(app.id);
  await assert.rejects(o4wRefresh(as, client, clientAuth, refreshed.refresh_token), oauthError('invalid_grant'));
});

test('oauth4webapi: a registered public client with PKCE and no secret', async () => {
  const as = await o4wDiscover();
  const client = await oauth.processDynamicClientRegistrationResponse(await oauth.dynamicClientRegistrationRequest(as,
    { redirect_uris: [CALLBACK], token_endpoint_auth_method: 'none', client_name: 'oauth4webapi public' }, o4wOptions));
  assert.equal(client.client_secret, undefined);
  assert.equal(client.token_endpoint_auth_method, 'none');
  const clientAuth = oauth.None();
  const grant = await o4wAuthorize(as, client);
  await assert.rejects(o4wExchange(as, client, clientAuth, { ...grant, verifier: OTHER_VERIFIER }),
    oauthError('invalid_grant'));
  const tokens = await o4wExchange(as, client, clientAuth, grant);
  assert.equal(tokens.refresh_token, undefined);
  assert.equal(await bearerStatus(tokens.access_token), 200);
  await assert.rejects(o4wExchange(as, client, clientAuth, grant), oauthError('invalid_grant'));
  // A public client cannot use the refresh grant: RFC 6749's unauthorized_client.
  await assert.rejects(o4wRefresh(as, client, clientAuth, 'no-such-token'), oauthError('unauthorized_client'));
});
