// Issue 13 end to end, with the real binaries, the real MariaDB and @mattermost/client: secrets encrypted at rest and
// rotated under load, the previous-secret grace period, TLS and mutual TLS on both binaries, trusted proxies for
// X-Forwarded-For, the cap on registered clients, reaping of idle ones, and the audit log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import https from 'node:https';
import mattermost from '@mattermost/client';
import {
  binDir, createDatabase, freePorts, oauthd, seedUser, sql, startGateway, startOauthd,
} from './lib/stack.mjs';
import { grpc, loadProtos, call } from './lib/grpc.mjs';

const { Client4 } = mattermost;
const CALLBACK = 'https://client.example.com/callback';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let db, admin, user, tmp;

before(() => {
  db = createDatabase();
  admin = seedUser(db.url, 'system_user system_admin');
  user = seedUser(db.url, 'system_user');
  tmp = mkdtempSync(path.join(tmpdir(), 'oauthd-security-'));
});

after(() => {
  db?.drop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// oauthd and a gateway in front of it; stop() stops both.
async function stack(flags = [], gatewayFlags = []) {
  const server = await startOauthd(db.url, flags);
  const gateway = await startGateway(server.port, gatewayFlags);
  const client = (token) => {
    const c = new Client4();
    c.setUrl(gateway.url);
    c.setToken(token);
    return c;
  };
  return {
    server, gateway, admin: client(admin.token), user: client(user.token),
    async token(form) {
      const res = await fetch(`${gateway.url}/oauth/access_token`, {
        method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
      return { status: res.status, body: await res.json() };
    },
    async code(app) {
      const res = await client(user.token).authorizeOAuthApp('code', app.id, CALLBACK, 'st', '');
      return new URL(res.redirect).searchParams.get('code');
    },
    async stop() {
      await gateway.stop();
      await server.stop();
    },
  };
}

const newApp = (s, name) => s.admin.createOAuthApp({ name, description: 'd', homepage: 'https://client.example.com',
  callback_urls: [CALLBACK] });

// An app with a refresh token and a pending (unredeemed) code, made through the API.
async function appWithGrants(s, name) {
  const app = await newApp(s, name);
  const t = await s.token({ grant_type: 'authorization_code', client_id: app.id, client_secret: app.client_secret,
    code: await s.code(app), redirect_uri: CALLBACK });
  assert.equal(t.status, 200, JSON.stringify(t.body));
  return { app, refresh: t.body.refresh_token, pending: await s.code(app) };
}

// Every grant still works: the secret reads back through the API, the refresh token refreshes (and is replaced),
// the pending code redeems once.
async function assertUsable(s, g) {
  assert.equal((await s.admin.getOAuthApp(g.app.id)).client_secret, g.app.client_secret);
  const r = await s.token({ grant_type: 'refresh_token', client_id: g.app.id, client_secret: g.app.client_secret,
    refresh_token: g.refresh });
  assert.equal(r.status, 200, `${g.app.name} refresh: ${JSON.stringify(r.body)}`);
  g.refresh = r.body.refresh_token;
  if (g.pending) {
    const c = await s.token({ grant_type: 'authorization_code', client_id: g.app.id,
      client_secret: g.app.client_secret, code: g.pending, redirect_uri: CALLBACK });
    assert.equal(c.status, 200, `${g.app.name} code: ${JSON.stringify(c.body)}`);
    g.pending = null;
  }
}

// Leaves no protected value behind for the tests that follow (they run without keys).
function clearSecrets() {
  sql(db.url, 'DELETE FROM OAuthApps; DELETE FROM OAuthAccessData; DELETE FROM OAuthAuthData; '
    + 'DELETE FROM OAuthdApps; DELETE FROM OAuthdAuthData; DELETE FROM OAuthdAccessData; '
    + 'DELETE FROM OAuthdPreviousSecrets; DELETE FROM Preferences');
}

const rows = (statement) => sql(db.url, statement).split('\n').filter(Boolean);

// How each secret is kept: 'clear' in Mattermost's columns, or the key id it is sealed under in oauthd's. Digests
// (of codes and refresh tokens) and placeholders (of sealed client secrets) start with '0' and need no key.
function storedKeyIds() {
  const sealed = [
    ...rows('SELECT ClientSecret FROM OAuthdApps WHERE ClientSecret IS NOT NULL'),
    ...rows('SELECT RefreshToken FROM OAuthdAccessData WHERE RefreshToken IS NOT NULL'),
    ...rows('SELECT ClientSecret FROM OAuthdPreviousSecrets'),
  ];
  const inMattermost = [
    ...rows("SELECT ClientSecret FROM OAuthApps WHERE ClientSecret <> ''"),
    ...rows("SELECT RefreshToken FROM OAuthAccessData WHERE RefreshToken <> ''"),
    ...rows('SELECT Code FROM OAuthAuthData'),
  ];
  assert.deepEqual(inMattermost.filter((v) => v.startsWith('oe1:')), [], "nothing sealed in Mattermost's columns");
  return new Set([
    ...sealed.map((v) => (v.startsWith('oe1:') ? v.split(':')[1] : 'clear')),
    ...inMattermost.filter((v) => !v.startsWith('0')).map(() => 'clear'),
  ]);
}

function keyIdFromLog(server) {
  return /AES-256-GCM, key id ([0-9a-f]{8})/.exec(server.log())[1];
}

test('secrets at rest: clear text, then encrypted, then rotated to a new key under load; every secret still works',
  async () => {
    const k1 = oauthd(db.url, ['secrets', 'new-key']);
    const k2 = oauthd(db.url, ['secrets', 'new-key']);
    assert.match(k1, /^[A-Za-z0-9+/]{43}=$/);

    // Without a key: Mattermost's clear text, and the log says so.
    let s = await stack();
    assert.match(s.server.log(), /stored in clear text \(no --secret-encryption-key\)/);
    const grants = [await appWithGrants(s, 'clear')];
    assert.equal(sql(db.url, `SELECT ClientSecret FROM OAuthApps WHERE Id = '${grants[0].app.id}'`),
      grants[0].app.client_secret);
    await s.stop();

    // With K1: new client secrets are sealed in oauthd's table (Mattermost's column holds a placeholder), codes and
    // refresh tokens are digests; old clear ones still read; the API answers are unchanged.
    s = await stack([`--secret-encryption-key=${k1}`]);
    const k1Id = keyIdFromLog(s.server);
    grants.push(await appWithGrants(s, 'k1-a'), await appWithGrants(s, 'k1-b'));
    const placeholder = sql(db.url, `SELECT ClientSecret FROM OAuthApps WHERE Id = '${grants[1].app.id}'`);
    assert.match(placeholder, /^0[a-z0-9]{25}$/);
    assert.notEqual(placeholder, grants[1].app.client_secret);
    const sealed = sql(db.url, `SELECT ClientSecret FROM OAuthdApps WHERE AppId = '${grants[1].app.id}'`);
    assert.ok(sealed.startsWith(`oe1:${k1Id}:`), sealed);
    assert.ok(!sealed.includes(grants[1].app.client_secret));
    assert.equal(sql(db.url, `SELECT COUNT(*) FROM OAuthAccessData WHERE RefreshToken = '${grants[1].refresh}'`), '0');
    assert.equal(sql(db.url, `SELECT COUNT(*) FROM OAuthAccessData WHERE ClientId = '${grants[1].app.id}'
      AND RefreshToken LIKE '0%' AND CHAR_LENGTH(RefreshToken) = 26`), '1');
    assert.equal(sql(db.url, `SELECT COUNT(*) FROM OAuthAuthData WHERE Code = '${grants[1].pending}'`), '0');
    assert.deepEqual(storedKeyIds(), new Set(['clear', k1Id]));
    for (const g of grants) await assertUsable(s, g);
    for (const g of grants) g.pending = await s.code(g.app);
    await s.stop();

    // Many more rows in clear text (as a Mattermost server would have left them), so that the rotation takes a
    // while: 1500 apps with secrets.
    const rows = Array.from({ length: 1500 }, (_, i) => {
      const id = `bulk${String(i).padStart(22, '0')}`;
      return `('${id}', '${admin.id}', ${i}, ${i}, 'secret${String(i).padStart(20, '0')}', 'Bulk ${i}', '', '', '[]', '')`;
    });
    for (let i = 0; i < rows.length; i += 250) {
      sql(db.url, `INSERT INTO OAuthApps (Id, CreatorId, CreateAt, UpdateAt, ClientSecret, Name, Description, IconURL,
        CallbackUrls, Homepage) VALUES ${rows.slice(i, i + 250).join(',')}`);
    }

    // Every pod reads both keys and writes K2; then the rotation runs while clients refresh, read apps and redeem.
    s = await stack([`--secret-encryption-key=${k2}`, `--secret-previous-keys=${k1}`]);
    const k2Id = keyIdFromLog(s.server);
    const failures = [];
    let calls = 0;
    let rotating = true;
    const load = (async () => {
      while (rotating) {
        for (const g of grants) {
          try {
            await assertUsable(s, g);
            calls += 1;
          } catch (e) {
            failures.push(e.message);
          }
        }
      }
    })();
    const rotation = await new Promise((resolve) => {
      const child = spawn(`${binDir()}/oauthd`, ['secrets', 'rotate', `--db=${db.url}`, `--new-key=${k2}`,
        `--old-key=${k1}`, '--batch-size=25'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      child.stderr.on('data', (d) => { log += d; });
      child.on('exit', (code) => resolve({ code, log }));
    });
    rotating = false;
    await load;
    assert.equal(rotation.code, 0, rotation.log);
    assert.match(rotation.log, /OAuthApps\.ClientSecret: \d+ examined, \d+ protected under the new key/);
    assert.match(rotation.log, new RegExp(`done: every stored secret is under key id ${k2Id}`));
    assert.ok(rotation.log.split('\n').filter((l) => l.includes('OAuthApps.ClientSecret')).length > 10,
      'progress is reported batch by batch');
    assert.deepEqual(failures, []);
    assert.ok(calls > 0, 'load ran during the rotation');
    assert.deepEqual(storedKeyIds(), new Set([k2Id]));
    await s.stop();

    // K1 is gone from the pods: everything still works under K2 alone, the bulk apps' secrets too.
    s = await stack([`--secret-encryption-key=${k2}`]);
    for (const g of grants) await assertUsable(s, g);
    const bulk = await s.admin.getOAuthApp(`bulk${String(7).padStart(22, '0')}`);
    assert.equal(bulk.client_secret, `secret${String(7).padStart(20, '0')}`);
    // Running the rotation again finds nothing to do.
    const again = spawnSync(`${binDir()}/oauthd`, ['secrets', 'rotate', `--db=${db.url}`, `--new-key=${k2}`]);
    assert.equal(again.status, 0, again.stderr.toString());
    assert.doesNotMatch(again.stderr.toString(), /[1-9]\d* protected under the new key/);
    await s.stop();

    // A pod with only K1 cannot read K2's values and says which key it lacks: a 500, never a wrong answer.
    s = await stack([`--secret-encryption-key=${k1}`]);
    await assert.rejects(s.admin.getOAuthApp(grants[0].app.id), (e) => e.status_code === 500);
    await s.stop();
    clearSecrets();
  });

test('secrets rotate: usage errors are exit 2 with a reason; an unknown key is reported, exit 1', () => {
  const run = (args) => {
    try {
      execFileSync(`${binDir()}/oauthd`, ['secrets', 'rotate', `--db=${db.url}`, ...args], { stdio: 'pipe' });
      return { code: 0 };
    } catch (e) {
      return { code: e.status, err: e.stderr.toString() };
    }
  };
  assert.deepEqual(run([]).code, 2);
  assert.match(run(['--new-key=short']).err, /32 bytes in base64/);
  // A value sealed under key A; a run given only key B cannot read it.
  sql(db.url, `INSERT INTO OAuthApps (Id, CreatorId, ClientSecret, Name) VALUES ('usage000000000000000000000', '${admin.id}', 'clearsecret', 'usage')`);
  const [a, b] = [oauthd(db.url, ['secrets', 'new-key']), oauthd(db.url, ['secrets', 'new-key'])];
  assert.equal(run([`--new-key=${a}`]).code, 0);
  const r = run([`--new-key=${b}`]);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /1 values could not be read; give their key with --old-key/);
  assert.equal(run([`--new-key=${b}`, `--old-key=${a}`]).code, 0);
  clearSecrets();
  assert.match(execFileSync(`${binDir()}/oauthd`, ['secrets', 'rotate', '--help']).toString(), /--batch-size/);
});

test('--secret-rotation-grace: the previous secret works inside the window, not after; off by default', async () => {
  let s = await stack(['--secret-rotation-grace=3s']);
  const app = await newApp(s, 'grace');
  const codes = [await s.code(app), await s.code(app)];
  const fresh = await s.admin.regenOAuthAppSecret(app.id);
  assert.notEqual(fresh.client_secret, app.client_secret);
  // Inside the window: the old secret still works; so does the new one.
  const old = await s.token({ grant_type: 'authorization_code', client_id: app.id, client_secret: app.client_secret,
    code: codes[0], redirect_uri: CALLBACK });
  assert.equal(old.status, 200, JSON.stringify(old.body));
  await sleep(3500);
  const late = await s.token({ grant_type: 'authorization_code', client_id: app.id, client_secret: app.client_secret,
    code: codes[1], redirect_uri: CALLBACK });
  assert.equal(late.status, 401);
  assert.equal(late.body.error, 'invalid_client');
  const now = await s.token({ grant_type: 'authorization_code', client_id: app.id,
    client_secret: fresh.client_secret, code: codes[1], redirect_uri: CALLBACK });
  assert.equal(now.status, 200, JSON.stringify(now.body));
  await s.stop();

  // Mattermost's behaviour without the flag: the old secret fails at once.
  s = await stack();
  const app2 = await newApp(s, 'no-grace');
  const code = await s.code(app2);
  await s.admin.regenOAuthAppSecret(app2.id);
  const denied = await s.token({ grant_type: 'authorization_code', client_id: app2.id,
    client_secret: app2.client_secret, code, redirect_uri: CALLBACK });
  assert.equal(denied.status, 401);
  await s.stop();
});

function request(mod, url, options = {}) {
  return new Promise((resolve, reject) => {
    const req = mod.request(url, options, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

test('TLS: HTTPS gateway, gateway → oauthd over mutual TLS; plain text and missing client certificates fail',
  async () => {
    const dir = mkdtempSync(path.join(tmp, 'tls-'));
    // x509 -extfile /dev/stdin would wait for input: write the extension files instead.
    const ossl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1',
      '-subj', '/CN=oauthd test CA');
    for (const [name, ext] of [['server', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
      ['client', 'extendedKeyUsage=clientAuth']]) {
      execFileSync('sh', ['-c', `echo '${ext}' > ${name}.ext`], { cwd: dir });
      ossl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
      ossl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out',
        `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`);
    }
    const f = (n) => path.join(dir, n);
    const server = await startOauthd(db.url, [`--tls-cert=${f('server.pem')}`, `--tls-key=${f('server.key')}`,
      `--tls-client-ca=${f('ca.pem')}`]);
    assert.match(server.log(), /serving gRPC over mutual TLS/);
    const gateway = await startGateway(server.port, [`--tls-cert=${f('server.pem')}`, `--tls-key=${f('server.key')}`,
      '--upstream-tls', `--upstream-ca=${f('ca.pem')}`, `--upstream-client-cert=${f('client.pem')}`,
      `--upstream-client-key=${f('client.key')}`]);
    try {
      const url = `https://127.0.0.1:${gateway.port}/api/v4/oauth/apps`;
      const ok = await request(https, url, { ca: readFileSync(f('ca.pem')), headers: { authorization: `Bearer ${admin.token}` } });
      assert.equal(ok.status, 200, ok.body);
      assert.ok(Array.isArray(JSON.parse(ok.body)));
      // A client that does not trust the CA refuses the server; plain HTTP to the HTTPS port gets no answer.
      await assert.rejects(request(https, url), /self[- ]signed|unable to verify|certificate/i);
      await assert.rejects(request(http, `http://127.0.0.1:${gateway.port}/api/v4/oauth/apps`));

      const { oauthd: pkg } = loadProtos(['oauthd/v1/apps.proto']);
      const target = `127.0.0.1:${server.port}`;
      const ca = readFileSync(f('ca.pem'));
      const tries = [
        ['plain text', grpc.credentials.createInsecure(), false],
        ['TLS without a client certificate', grpc.credentials.createSsl(ca), false],
        ['mutual TLS', grpc.credentials.createSsl(ca, readFileSync(f('client.key')), readFileSync(f('client.pem'))), true],
      ];
      for (const [what, creds, works] of tries) {
        const c = new pkg.v1.OAuthApps(target, creds);
        const r = await call(c, 'GetOAuthApps', { page: 0, per_page: 10 }, admin.token, { deadline: Date.now() + 3000 });
        c.close();
        if (works) assert.equal(r.err, null, `${what}: ${r.err?.message}`);
        else assert.ok(r.err, `${what} must fail`);
      }
    } finally {
      await gateway.stop();
      await server.stop();
    }
    // A gateway that calls the mutual-TLS oauthd without a client certificate gets nothing through: 503.
    const server2 = await startOauthd(db.url, [`--tls-cert=${f('server.pem')}`, `--tls-key=${f('server.key')}`,
      `--tls-client-ca=${f('ca.pem')}`]);
    const gateway2 = await startGateway(server2.port, ['--upstream-tls', `--upstream-ca=${f('ca.pem')}`,
      '--timeout=3s']);
    try {
      const r = await fetch(`${gateway2.url}/api/v4/oauth/apps`, { headers: { authorization: `Bearer ${admin.token}` } });
      assert.ok(r.status >= 500, `status ${r.status}`);
    } finally {
      await gateway2.stop();
      await server2.stop();
    }
  });

test('trusted proxies: X-Forwarded-For from an untrusted peer is ignored by the registration limit', async () => {
  // The gateway (127.0.0.1) is the one trusted proxy; clients come from 127.0.0.3 and 127.0.0.4.
  const s = await stack(['--enable-dynamic-client-registration', '--dcr-rate-limit=0.01', '--dcr-rate-burst=1',
    '--trusted-proxies=127.0.0.1/32']);
  const register = (from, forwardedFor) => request(http, `${s.gateway.url}/api/v4/oauth/apps/register`, {
    method: 'POST', localAddress: from,
    headers: { 'content-type': 'application/json', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
    body: JSON.stringify({ redirect_uris: [CALLBACK], token_endpoint_auth_method: 'none' }),
  });
  try {
    assert.equal((await register('127.0.0.3', '198.51.100.1')).status, 201);
    // Another spoofed address from the same untrusted peer is the same client.
    assert.equal((await register('127.0.0.3', '198.51.100.2')).status, 429);
    assert.equal((await register('127.0.0.3')).status, 429);
    // Another peer is another client.
    assert.equal((await register('127.0.0.4', '198.51.100.1')).status, 201);
  } finally {
    await s.stop();
  }
});

const deleteRegisteredClients = () => sql(db.url,
  'DELETE o, x FROM OAuthApps o JOIN OAuthdApps x ON x.AppId = o.Id WHERE x.IsDynamicallyRegistered = 1');

test('--dcr-max-clients: registration past the cap is 400 invalid_client_metadata; other apps do not count',
  async () => {
    deleteRegisteredClients();
    const s = await stack(['--enable-dynamic-client-registration', '--dcr-rate-limit=1000', '--dcr-rate-burst=100',
      '--dcr-max-clients=3']);
    const register = () => fetch(`${s.gateway.url}/api/v4/oauth/apps/register`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [CALLBACK] }),
    });
    try {
      await newApp(s, 'not registered');
      // Concurrent registrations do not overshoot (the count and the insert share a transaction with a write of a guard row).
      const first = await Promise.all(Array.from({ length: 5 }, register));
      assert.deepEqual(first.map((r) => r.status).sort(), [201, 201, 201, 400, 400]);
      const refused = await register();
      assert.equal(refused.status, 400);
      const body = await refused.json();
      assert.equal(body.error, 'invalid_client_metadata');
      assert.match(body.error_description, /limit of 3 dynamically registered clients/);
      assert.equal(sql(db.url, 'SELECT COUNT(*) FROM OAuthdApps WHERE IsDynamicallyRegistered = 1'), '3');
    } finally {
      await s.stop();
    }
  });

test('--dcr-idle-ttl: idle registered clients are reaped by one pod at a time; a live refresh token keeps a client',
  async () => {
    deleteRegisteredClients();
    const [m1, m2] = await freePorts(2);
    const flags = ['--enable-dynamic-client-registration', '--dcr-rate-limit=1000', '--dcr-rate-burst=100',
      '--dcr-idle-ttl=3s', '--dcr-reap-interval=1s'];
    const s = await stack([...flags, `--metrics-listen=127.0.0.1:${m1}`]);
    const second = await startOauthd(db.url, [...flags, `--metrics-listen=127.0.0.1:${m2}`]);
    const register = async (body) => (await fetch(`${s.gateway.url}/api/v4/oauth/apps/register`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    })).json();
    try {
      const withRefresh = await register({ redirect_uris: [CALLBACK] });
      const t = await s.token({ grant_type: 'authorization_code', client_id: withRefresh.client_id,
        client_secret: withRefresh.client_secret, code: await s.code({ id: withRefresh.client_id }),
        redirect_uri: CALLBACK });
      assert.equal(t.status, 200, JSON.stringify(t.body));
      assert.ok(t.body.refresh_token);
      assert.equal(sql(db.url, `SELECT COUNT(*) FROM OAuthdClientActivity WHERE ClientId = '${withRefresh.client_id}'`), '1');
      const idle = await Promise.all([1, 2, 3].map(() => register({ redirect_uris: [CALLBACK],
        token_endpoint_auth_method: 'none' })));
      const rest = await newApp(s, 'created through the API, idle');
      await sleep(5500);
      const exists = (id) => sql(db.url, `SELECT COUNT(*) FROM OAuthApps WHERE Id = '${id}'`) === '1';
      for (const c of idle) assert.ok(!exists(c.client_id), `${c.client_id} should be reaped`);
      assert.ok(exists(withRefresh.client_id), 'a client with a refresh token is kept');
      assert.ok(exists(rest.id), 'only registered clients are reaped');
      const reaped = async (port) => Number(/oauthd_dcr_reaped_clients_total (\d+)/
        .exec(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())[1]);
      assert.equal((await reaped(m1)) + (await reaped(m2)), 3);
      // The kept client still works.
      const r = await s.token({ grant_type: 'refresh_token', client_id: withRefresh.client_id,
        client_secret: withRefresh.client_secret, refresh_token: t.body.refresh_token });
      assert.equal(r.status, 200);
    } finally {
      await second.stop();
      await s.stop();
    }
  });

test('audit log: one record per state change with actor, app, address, request id and outcome; never a secret',
  async () => {
    const auditPath = path.join(tmp, 'audit.log');
    const s = await stack(['--enable-dynamic-client-registration', '--dcr-rate-limit=1000', '--dcr-rate-burst=100',
      `--audit-log=${auditPath}`]);
    const secrets = [];
    let reg;
    try {
      const app = await newApp(s, 'audited');
      secrets.push(app.client_secret);
      await s.admin.editOAuthApp({ ...app, name: 'audited 2' });
      const regen = await s.admin.regenOAuthAppSecret(app.id);
      secrets.push(regen.client_secret);
      const code = await s.code(app);
      secrets.push(code);
      const t = await s.token({ grant_type: 'authorization_code', client_id: app.id, client_secret: regen.client_secret,
        code, redirect_uri: CALLBACK });
      secrets.push(t.body.access_token, t.body.refresh_token);
      const bad = await s.token({ grant_type: 'authorization_code', client_id: app.id, client_secret: 'wrong',
        code: 'nope', redirect_uri: CALLBACK });
      assert.equal(bad.status, 401);
      await s.user.deauthorizeOAuthApp(app.id);
      await assert.rejects(s.user.deleteOAuthApp(app.id), (e) => e.status_code === 403);
      reg = await (await fetch(`${s.gateway.url}/api/v4/oauth/apps/register`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: [CALLBACK] }),
      })).json();
      secrets.push(reg.client_secret);
      await s.admin.deleteOAuthApp(app.id);
      await s.admin.getOAuthApps(0, 10);  // a read: no record
    } finally {
      await s.stop();
    }
    const text = readFileSync(auditPath, 'utf8');
    for (const secret of secrets) assert.ok(secret && !text.includes(secret), 'a secret, token or code in the audit log');
    const records = text.trim().split('\n').map((l) => JSON.parse(l));
    const events = records.map((r) => `${r.audit}:${r.outcome}`);
    assert.deepEqual(events, ['oauth_app.create:success', 'oauth_app.update:success',
      'oauth_app.regenerate_secret:success', 'oauth.authorize:success', 'oauth.token:success', 'oauth.token:failure',
      'oauth.deauthorize:success', 'oauth_app.delete:failure', 'oauth_app.register:success', 'oauth_app.delete:success']);
    const create = records[0];
    assert.equal(create.actor_type, 'user');
    assert.equal(create.actor, admin.id);
    assert.match(create.app_id, /^[a-z0-9]{26}$/);
    assert.equal(create.client_ip, '127.0.0.1');
    assert.match(create.request_id, /^[a-z0-9]{26}$/);
    assert.equal(create.status, 201);
    for (const r of records.slice(1, 8)) assert.equal(r.app_id, create.app_id, JSON.stringify(r));
    assert.equal(records[4].actor_type, 'client');
    assert.equal(records[4].actor, create.app_id);
    assert.match(records[5].error, /\.credentials\.app_error$/);
    assert.equal(records[7].actor, user.id);
    assert.equal(records[7].status, 403);
    assert.equal(records[7].error, 'api.context.permissions.app_error');
    assert.equal(records[8].actor_type, 'anonymous');
    assert.equal(records[8].app_id, reg.client_id);
  });
