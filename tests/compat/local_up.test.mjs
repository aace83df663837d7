// deploy/local/up.sh as a user runs it: --help, a bad argument, two runs in a row (each must end with a stack that
// answers @mattermost/client through the processes that run started, the previous ones gone), a port held by
// another program, and `down` leaving nothing of the stack running. Free ports and a private state folder keep it
// away from a developer's own stack.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mattermost from '@mattermost/client';
import { freePorts } from './lib/stack.mjs';

const { Client4 } = mattermost;
const upSh = resolve('../../deploy/local/up.sh');

let state, ports, env;

function runUp(args, extraEnv = {}) {
  return new Promise((done) => {
    execFile(upSh, args, { env: { ...env, ...extraEnv }, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      done({ code: err ? err.code : 0, stdout, stderr });
    });
  });
}

function alive(pid) {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] !== 'Z';
  } catch {
    return false;
  }
}

const listening = (port) => new Promise((done) => {
  const socket = connect(port, '127.0.0.1');
  socket.once('connect', () => { socket.destroy(); done(true); });
  socket.once('error', () => done(false));
});

// Starts the stack and returns what it printed: the token and the pids of the processes it started.
async function upAndParse() {
  const run = await runUp([]);
  assert.equal(run.code, 0, `up.sh failed:\n${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /oauthd is running/);
  const token = /admin token: (\S+)/.exec(run.stdout)?.[1];
  const gatewayPid = Number(/oauthd-gateway, pid (\d+)/.exec(run.stdout)?.[1]);
  const oauthdPid = Number(/oauthd, pid (\d+)/.exec(run.stdout)?.[1]);
  assert.ok(token && gatewayPid && oauthdPid, run.stdout);
  return { token, gatewayPid, oauthdPid };
}

function client(token) {
  const c = new Client4();
  c.setUrl(`http://127.0.0.1:${ports.http}`);
  c.setToken(token);
  return c;
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

before(async () => {
  state = mkdtempSync(join(tmpdir(), 'oauthd-up-'));
  const [grpc, metrics, http] = await freePorts(3);
  ports = { grpc, metrics, http };
  env = {
    ...process.env,
    OAUTHD_LOCAL_STATE: state,
    OAUTHD_LOCAL_GRPC_PORT: String(grpc),
    OAUTHD_LOCAL_METRICS_PORT: String(metrics),
    OAUTHD_LOCAL_HTTP_PORT: String(http),
  };
});

after(async () => {
  await runUp(['down']);
  rmSync(state, { recursive: true, force: true });
});

test('--help and -h print the usage; an unknown argument is an error with the usage', async () => {
  for (const flag of ['--help', '-h']) {
    const run = await runUp([flag]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /Usage: deploy\/local\/up\.sh/);
    assert.match(run.stdout, /OAUTHD_LOCAL_HTTP_PORT/);
  }
  assert.equal(existsSync(join(state, 'db')), false, '--help started nothing');
  const bad = await runUp(['restart-please']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown argument 'restart-please'/);
  assert.match(bad.stderr, /Usage:/);
});

test('two runs in a row each end with a working stack; a held port is named; down leaves nothing running',
  async () => {
    const first = await upAndParse();
    const app = await client(first.token).createOAuthApp({
      name: 'up.sh app', homepage: 'https://up.example.com', callback_urls: ['https://up.example.com/cb'],
      description: '', icon_url: '', is_trusted: false,
    });
    assert.equal(app.id.length, 26);

    const second = await upAndParse();
    assert.notEqual(second.oauthdPid, first.oauthdPid);
    assert.notEqual(second.gatewayPid, first.gatewayPid);
    assert.equal(alive(first.oauthdPid), false, 'the first oauthd has exited');
    assert.equal(alive(first.gatewayPid), false, 'the first gateway has exited');
    // The failure this guards against showed a few seconds after "running": look again after a while.
    await sleep(1500);
    assert.ok(alive(second.oauthdPid) && alive(second.gatewayPid), 'the second stack is still running');
    const apps = await client(second.token).getOAuthApps(0, 100);
    assert.deepEqual(apps.map((a) => a.id), [app.id]);
    assert.equal((await client(first.token).getOAuthApp(app.id)).name, 'up.sh app');

    // Another program on the HTTP port: a clear error naming the variable, and no "running".
    const [heldPort] = await freePorts(1);
    const squatter = createServer().listen(heldPort, '127.0.0.1');
    try {
      const run = await runUp([], { OAUTHD_LOCAL_HTTP_PORT: String(heldPort) });
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.match(run.stderr, new RegExp(`port ${heldPort} is in use by another program`));
      assert.match(run.stderr, /OAUTHD_LOCAL_HTTP_PORT/);
      assert.doesNotMatch(run.stdout, /oauthd is running/);
    } finally {
      squatter.close();
    }

    const mariadbPid = Number(readFileSync(join(state, 'db', 'mysqld.pid'), 'utf8'));
    assert.ok(alive(mariadbPid));
    const down = await runUp(['down']);
    assert.equal(down.code, 0, down.stderr);
    for (const pid of [second.oauthdPid, second.gatewayPid, mariadbPid]) {
      assert.equal(alive(pid), false, `pid ${pid} has exited`);
    }
    for (const port of Object.values(ports)) assert.equal(await listening(port), false, `port ${port} is free`);
  });
