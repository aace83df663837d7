// Faults and overload against the real binaries and a MariaDB of this test's own (so killing it harms nobody).
// - The database is killed (SIGKILL) and restarted, then paused (SIGSTOP) for longer than the callers' 10 s
//   deadline, under a steady mixed load of REST (through the gateway) and gRPC calls: every call succeeds or fails
//   with a 503 AppError (UNAVAILABLE over gRPC) within its deadline, service resumes within 5 s of the database
//   coming back without restarting oauthd, every write acknowledged with 2xx is there afterwards, and no app is
//   half-deleted.
// - Ten times more concurrent calls than the pool has connections, while the database is held up: a bounded queue,
//   fast 503s past it, bounded memory, and full service once the load drops.
// - The gateway's connection cap: one connection too many is answered 503 and closed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, grpc, loadProtos } from './lib/grpc.mjs';
import { oauthd, seedUser, sql, startGateway, startOauthd } from './lib/stack.mjs';

const pkg = loadProtos(['oauthd/v1/apps.proto']).oauthd.v1;
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const ctl = () => process.env.OAUTHD_TEST_MARIADB_CTL;
const DEADLINE_MS = 10000;  // the gateway's --timeout, and the gRPC callers' deadline

let dir, dbUrl, admin;

function mariadb(command) {
  return execFileSync(ctl(), [command, dir]).toString().trim();
}
const mysqldPid = () => Number(readFileSync(join(dir, 'mysqld.pid'), 'utf8'));

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'oauthd-faults-'));
  const port = mariadb('start');
  execFileSync('mariadb', ['--no-defaults', '-h127.0.0.1', `-P${port}`, '-uoauthd', '-poauthd', '-e',
    'CREATE DATABASE oauthd CHARACTER SET utf8mb4']);
  dbUrl = `mysql://oauthd:oauthd@127.0.0.1:${port}/oauthd`;
  oauthd(dbUrl, ['migrate']);
  admin = seedUser(dbUrl, 'system_user system_admin');
});

after(() => {
  try { process.kill(mysqldPid(), 'SIGCONT'); } catch { /* gone */ }
  try { mariadb('stop'); } catch { /* gone */ }
  rmSync(dir, { recursive: true, force: true });
});

const newApp = (name) => ({ name, homepage: 'https://faults.example.com', description: '', icon_url: '',
  callback_urls: ['https://faults.example.com/cb'], is_trusted: false });

test('database killed and paused under load: only 503s, back within 5 s, nothing acknowledged is lost', async () => {
  const server = await startOauthd(dbUrl, ['--db-pool-size=4', '--db-timeout=2s']);
  const gateway = await startGateway(server.port, [`--timeout=${DEADLINE_MS / 1000}s`]);
  const rpc = new pkg.OAuthApps(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
  const acked = new Map();   // id → name
  const deleted = new Set();
  const wrong = [];
  let ok = 0, unavailable = 0, stop = false, lastOk = 0;
  const rest = async (method, path, body) => {
    const started = Date.now();
    const res = await fetch(`${gateway.url}${path}`, { method, headers: { Authorization: `Bearer ${admin.token}` },
      body: body && JSON.stringify(body) });
    const json = await res.json();
    const took = Date.now() - started;
    if (took > DEADLINE_MS) wrong.push(`${method} ${path}: answered after ${took} ms`);
    if (res.status === 503 && typeof json.id === 'string') { unavailable++; return null; }
    if (res.status >= 300) { wrong.push(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`); return null; }
    ok++;
    lastOk = Date.now();
    return json;
  };
  const grpcCall = async (method, request) => {
    const started = Date.now();
    const r = await call(rpc, method, request, admin.token, { deadline: started + DEADLINE_MS });
    if (!r.err) { ok++; lastOk = Date.now(); return r.response; }
    if (r.err.code === grpc.status.UNAVAILABLE) { unavailable++; return null; }
    wrong.push(`gRPC ${method}: code ${r.err.code} ${r.err.details}`);
    return null;
  };
  // Each worker deletes only apps it made. A delete answered 503 may or may not have happened (the answer can be
  // lost after the commit): that app is no longer counted either way.
  const worker = async (w) => {
    const mine = [];
    for (let i = 0; !stop; i++) {
      const viaRest = i % 2 === 0;
      const name = `w${w}-${i}`;
      const made = viaRest ? await rest('POST', '/api/v4/oauth/apps', newApp(name))
        : await grpcCall('CreateOAuthApp', newApp(name));
      if (made) { acked.set(made.id, made.name); mine.push(made.id); }
      if (mine.length > 4 && i % 3 === 0) {
        const id = mine.shift();
        const gone = viaRest ? await rest('DELETE', `/api/v4/oauth/apps/${id}`)
          : await grpcCall('DeleteOAuthApp', { app_id: id });
        acked.delete(id);
        if (gone) deleted.add(id);
      } else if (mine.length) {
        await (viaRest ? rest('GET', `/api/v4/oauth/apps/${mine[0]}`) : grpcCall('GetOAuthApp', { app_id: mine[0] }));
      }
      await sleep(5);
    }
  };
  const workers = [0, 1, 2, 3].map(worker);
  // Seconds from the database answering again to the first call that succeeds after it.
  const recovery = async () => {
    const back = Date.now();
    while (lastOk < back) {
      assert.ok(Date.now() - back < 15000, 'service came back');
      await sleep(50);
    }
    return (lastOk - back) / 1000;
  };
  try {
    await sleep(1500);
    assert.ok(ok > 20, 'the load runs');

    process.kill(mysqldPid(), 'SIGKILL');
    await sleep(2500);
    mariadb('start');
    const afterKill = await recovery();

    process.kill(mysqldPid(), 'SIGSTOP');
    await sleep(DEADLINE_MS + 2000);  // past the callers' deadline, and --db-timeout several times over
    process.kill(mysqldPid(), 'SIGCONT');
    const afterPause = await recovery();
    await sleep(1500);
    stop = true;
    await Promise.all(workers);
    console.log(`faults: ${ok} calls succeeded, ${unavailable} answered 503/UNAVAILABLE; back ${afterKill}s after `
      + `the restart, ${afterPause}s after the pause`);
    assert.deepEqual(wrong, [], 'only successes and 503s, each within its deadline');
    assert.ok(unavailable > 0, 'the faults were felt');
    assert.ok(afterKill <= 5 && afterPause <= 5, 'service resumed within 5 s');
    assert.equal(server.child.exitCode, null, 'oauthd was not restarted');
  } finally {
    stop = true;
    await Promise.all(workers);
    rpc.close();
  }
  // Every acknowledged app is there with its name; every acknowledged delete is complete.
  const ids = [...acked.keys()].map((id) => `'${id}'`).join(',');
  const stored = new Map(sql(dbUrl, `SELECT Id, Name FROM OAuthApps WHERE Id IN (${ids})`).split('\n')
    .filter(Boolean).map((l) => l.split('\t')));
  for (const [id, name] of acked) assert.equal(stored.get(id), name, `acknowledged app ${id}`);
  if (deleted.size) {
    const gone = [...deleted].map((id) => `'${id}'`).join(',');
    assert.equal(sql(dbUrl, `SELECT COUNT(*) FROM OAuthApps WHERE Id IN (${gone})`), '0');
  }
  assert.equal(sql(dbUrl, 'SELECT COUNT(*) FROM OAuthAuthData d LEFT JOIN OAuthApps a ON a.Id = d.ClientId '
    + 'WHERE a.Id IS NULL'), '0', 'no half-deleted app');
  console.log(`faults: ${acked.size} acknowledged apps present, ${deleted.size} acknowledged deletes complete`);
  await gateway.stop();
  await server.stop();
});

function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]) / 1024;
}

test('ten times the pool in concurrent calls: bounded queue, fast 503s past it, bounded memory, recovery',
  async () => {
    const server = await startOauthd(dbUrl, ['--db-pool-size=4', '--max-queued-calls=8', '--db-timeout=10s']);
    const rpc = new pkg.OAuthApps(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    try {
      const app = (await call(rpc, 'CreateOAuthApp', newApp('busy'), admin.token)).response;
      const baseline = rssMb(server.child.pid);
      // Hold the apps table for 3 s: the 4 workers block on it, 8 calls queue, the rest must not wait.
      const lock = spawn('mariadb', ['--no-defaults', '-h127.0.0.1', `-P${new URL(dbUrl).port}`, '-uoauthd',
        '-poauthd', 'oauthd', '-e', 'LOCK TABLES OAuthApps WRITE; SELECT SLEEP(3); UNLOCK TABLES;'],
      { stdio: 'ignore' });
      await sleep(300);
      const results = await Promise.all(Array.from({ length: 40 }, async () => {
        const started = Date.now();
        const r = await call(rpc, 'GetOAuthApp', { app_id: app.id }, admin.token, { deadline: Date.now() + 30000 });
        return { ms: Date.now() - started, code: r.err?.code ?? 0 };
      }));
      await new Promise((done) => (lock.exitCode !== null ? done() : lock.once('exit', done)));
      const served = results.filter((r) => r.code === 0);
      const busy = results.filter((r) => r.code === grpc.status.UNAVAILABLE);
      console.log(`overload: ${served.length} served after the lock, ${busy.length} answered 503 at once `
        + `(slowest 503: ${Math.max(...busy.map((r) => r.ms))} ms); RSS ${baseline.toFixed(0)} → `
        + `${rssMb(server.child.pid).toFixed(0)} MB`);
      assert.equal(served.length + busy.length, 40, JSON.stringify(results));
      assert.ok(served.length >= 4 && served.length <= 12, 'the workers and the queue, no more');
      assert.ok(busy.length >= 28, 'the rest is turned away');
      assert.ok(busy.every((r) => r.ms < 1000), 'turned away at once, not after waiting');
      assert.ok(rssMb(server.child.pid) < baseline + 64, 'memory stays bounded');
      // The load is gone: everything is served again.
      const again = await Promise.all(Array.from({ length: 10 },
        () => call(rpc, 'GetOAuthApp', { app_id: app.id }, admin.token)));
      assert.deepEqual(again.filter((r) => r.err).map((r) => `${r.err.code} ${r.err.details}`), [], 'recovered');
    } finally {
      rpc.close();
      await server.stop();
    }
  });

test('the gateway answers one connection past --max-connections with a 503 and closes it', async () => {
  const server = await startOauthd(dbUrl);
  const gateway = await startGateway(server.port, ['--max-connections=3']);
  const open = await Promise.all([0, 1, 2].map(() => new Promise((done) => {
    const s = net.connect(gateway.port, '127.0.0.1', () => done(s));
  })));
  try {
    await sleep(100);
    const res = await fetch(`${gateway.url}/healthz`);
    assert.equal(res.status, 503);
    assert.equal((await res.json()).id, 'api.gateway.too_many_connections.app_error');
    open[0].destroy();
    await sleep(100);
    assert.equal((await fetch(`${gateway.url}/healthz`)).status, 200, 'a freed slot is used again');
  } finally {
    open.forEach((s) => s.destroy());
    await gateway.stop();
    await server.stop();
  }
});
