// Graceful shutdown of both binaries on SIGTERM: health answers NOT_SERVING (503 for the gateway's /healthz) first
// while calls are still taken for --shutdown-delay, then no new connections, then calls in flight finish (here one
// held up by a table lock for 2 s) before the process exits 0, each step logged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { call, grpc, loadProtos } from './lib/grpc.mjs';
import { createDatabase, seedUser, startGateway, startOauthd } from './lib/stack.mjs';

const health = loadProtos(['grpc/health/v1/health.proto']).grpc.health.v1;
const pkg = loadProtos(['oauthd/v1/apps.proto']).oauthd.v1;
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

let db, admin;

before(() => {
  db = createDatabase();
  admin = seedUser(db.url, 'system_user system_admin');
});

after(() => db?.drop());

const exitOf = (server) => new Promise((done) => server.child.once('exit', (code, signal) => done({ code, signal })));

test('oauthd: NOT_SERVING during --shutdown-delay while calls still succeed, then exit 0', async () => {
  const server = await startOauthd(db.url, ['--shutdown-delay=1500ms']);
  const target = `127.0.0.1:${server.port}`;
  const checker = new health.Health(target, grpc.credentials.createInsecure());
  const apps = new pkg.OAuthApps(target, grpc.credentials.createInsecure());
  try {
    assert.equal((await call(checker, 'Check', { service: '' })).response.status, 'SERVING');
    const exited = exitOf(server);
    server.child.kill('SIGTERM');
    await sleep(300);
    assert.equal((await call(checker, 'Check', { service: '' })).response.status, 'NOT_SERVING');
    const during = await call(apps, 'GetOAuthApps', { page: 0, per_page: 10 }, admin.token);
    assert.equal(during.err, null, 'a call during the delay is still answered');
    assert.deepEqual(await exited, { code: 0, signal: null });
    assert.match(server.log(), /NOT_SERVING[\s\S]*still accepting calls[\s\S]*no longer accepting calls[\s\S]*stopped/);
  } finally {
    checker.close();
    apps.close();
  }
});

test('both: a request in flight at SIGTERM is answered before the processes exit 0', async () => {
  const server = await startOauthd(db.url);
  const gateway = await startGateway(server.port, ['--shutdown-delay=500ms']);
  // Hold the apps table for 2 s, so that the list below is in flight when the signals arrive.
  const [, host, port, name] = /@([^:]+):(\d+)\/(.+)$/.exec(db.url);
  const lock = spawn('mariadb', ['--no-defaults', `-h${host}`, `-P${port}`, '-uoauthd', '-poauthd', name, '-e',
    'LOCK TABLES OAuthApps WRITE; SELECT SLEEP(2); UNLOCK TABLES;'], { stdio: 'ignore' });
  await sleep(300);
  const started = Date.now();
  const inFlight = fetch(`${gateway.url}/api/v4/oauth/apps`, { headers: { Authorization: `Bearer ${admin.token}` } });
  await sleep(200);
  const gatewayExit = exitOf(gateway);
  const serverExit = exitOf(server);
  gateway.child.kill('SIGTERM');
  server.child.kill('SIGTERM');
  await sleep(100);
  const healthz = await fetch(`${gateway.url}/healthz`);
  assert.equal(healthz.status, 503, 'the gateway fails its health check first');
  const res = await inFlight;
  assert.equal(res.status, 200, await res.clone().text());
  assert.ok(Array.isArray(await res.json()));
  assert.ok(Date.now() - started >= 1000, 'the answer waited for the lock');
  assert.deepEqual(await gatewayExit, { code: 0, signal: null });
  assert.deepEqual(await serverExit, { code: 0, signal: null });
  assert.match(gateway.log(), /answers 503[\s\S]*still accepting requests[\s\S]*no longer accepting[\s\S]*stopped/);
  await new Promise((done) => (lock.exitCode !== null ? done() : lock.once('exit', done)));
});
