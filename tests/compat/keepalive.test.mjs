// Idle connections, on both sides of the gateway. Clients and load balancers keep idle keep-alive connections for a
// long time (nginx and AWS ALB 60 s, Google's 600 s) and send on them without warning: the gateway must keep them
// longer than that, say how long (Keep-Alive: timeout=N), and say Connection: close when it closes on purpose. Its
// own channel to oauthd pings while idle, and oauthd must accept those pings instead of answering GOAWAY
// too_many_pings, so that a quiet stack answers its next call.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDatabase, startOauthd, startGateway } from './lib/stack.mjs';

let db, server;

before(async () => {
  db = createDatabase();
  server = await startOauthd(db.url);
});

after(async () => {
  await server?.stop();
  db?.drop();
});

// A raw HTTP/1.1 connection: send a request, read one whole answer (headers and Content-Length body).
class Connection {
  constructor(port) {
    this.socket = net.connect(port, '127.0.0.1');
    this.buffer = '';
    this.closed = new Promise((resolve) => this.socket.on('close', resolve));
    this.socket.on('data', (d) => { this.buffer += d; this.wake?.(); });
    this.socket.on('error', () => {});
  }
  async request(lines) {
    this.socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end >= 0) {
        const head = this.buffer.slice(0, end);
        const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (this.buffer.length >= end + 4 + length) {
          this.buffer = this.buffer.slice(end + 4 + length);
          const [status, ...fields] = head.split('\r\n');
          const headers = Object.fromEntries(fields.map((f) => [f.slice(0, f.indexOf(':')).toLowerCase(),
            f.slice(f.indexOf(':') + 1).trim()]));
          return { status: Number(status.split(' ')[1]), headers };
        }
      }
      const more = new Promise((resolve) => { this.wake = resolve; });
      const gone = this.closed.then(() => { throw new Error('the gateway closed the connection'); });
      await Promise.race([more, gone]);
    }
  }
  destroy() { this.socket.destroy(); }
}

test('an idle keep-alive connection outlives the old 10 s default, and says how long it may stay idle', async () => {
  const gateway = await startGateway(server.port);
  try {
    const c = new Connection(gateway.port);
    const first = await c.request(['GET /healthz HTTP/1.1', 'Host: x']);
    assert.equal(first.status, 200);
    assert.equal(first.headers['keep-alive'], 'timeout=620');
    assert.notEqual(first.headers.connection, 'close');
    await sleep(11000);
    const later = await c.request(['GET /.well-known/oauth-authorization-server HTTP/1.1', 'Host: x']);
    assert.equal(later.status, 200, 'the same connection, after 11 s idle');
    c.destroy();
  } finally {
    await gateway.stop();
  }
});

test('the read timeout cuts off a stalled request, the idle timeout an idle connection, each on its own', async () => {
  const gateway = await startGateway(server.port, ['--read-timeout=1s', '--idle-timeout=3s']);
  try {
    // A request begun, then silence: closed after the read timeout.
    const stalled = new Connection(gateway.port);
    const start = Date.now();
    stalled.socket.write('GET /heal');
    await stalled.closed;
    const stalledFor = Date.now() - start;
    assert.ok(stalledFor >= 900 && stalledFor < 2500, `a stalled request was cut off after ${stalledFor} ms`);
    // Idle after an answer: open past the read timeout, closed after the idle timeout it announced.
    const idle = new Connection(gateway.port);
    const answer = await idle.request(['GET /healthz HTTP/1.1', 'Host: x']);
    assert.equal(answer.headers['keep-alive'], 'timeout=3');
    const idleStart = Date.now();
    await sleep(2000);
    assert.equal((await idle.request(['GET /healthz HTTP/1.1', 'Host: x'])).status, 200, 'still open after 2 s');
    await idle.closed;
    const idleFor = Date.now() - idleStart;
    assert.ok(idleFor >= 4500 && idleFor < 7000, `an idle connection was closed after ${idleFor} ms`);
  } finally {
    await gateway.stop();
  }
});

test('a connection the gateway closes on purpose says so on its last answer', async () => {
  const gateway = await startGateway(server.port, ['--shutdown-delay=3s']);
  try {
    const asked = new Connection(gateway.port);
    const bye = await asked.request(['GET /healthz HTTP/1.1', 'Host: x', 'Connection: close']);
    assert.equal(bye.headers.connection, 'close');
    assert.equal(bye.headers['keep-alive'], undefined);
    await asked.closed;
    // Draining: the answers still given say Connection: close, so that clients go elsewhere.
    const kept = new Connection(gateway.port);
    assert.equal((await kept.request(['GET /.well-known/oauth-authorization-server HTTP/1.1', 'Host: x'])).status,
      200);
    gateway.child.kill('SIGTERM');
    await sleep(300);
    const last = await kept.request(['GET /.well-known/oauth-authorization-server HTTP/1.1', 'Host: x']);
    assert.equal(last.status, 200);
    assert.equal(last.headers.connection, 'close');
    await kept.closed;
  } finally {
    await gateway.stop();
  }
});

// Scaled down: pings every second against an oauthd that accepts them that often (the defaults are 30 s and 10 s),
// six seconds of quiet, then a call. The control, an oauthd that accepts fewer pings than the gateway sends, shows
// that the check sees the failure the defaults avoid.
async function quietStack(minPingInterval) {
  const oauthd = await startOauthd(db.url, [`--keepalive-min-ping-interval=${minPingInterval}`]);
  const gateway = await startGateway(oauthd.port, ['--upstream-keepalive=1s']);
  try {
    // An answer only oauthd gives (the gateway caches the metadata document).
    const get = () => fetch(`${gateway.url}/api/v4/oauth/apps`);
    assert.equal((await get()).status, 401);
    await sleep(6000);
    const after = await get();
    return { status: after.status, logs: gateway.log() + oauthd.log() };
  } finally {
    await gateway.stop();
    await oauthd.stop();
  }
}

test('a quiet stack answers its next call: oauthd accepts the gateway\'s keepalive pings', async () => {
  const quiet = await quietStack('1s');
  assert.equal(quiet.status, 401, 'oauthd answered (401: no session)');
  assert.doesNotMatch(quiet.logs, /too_many_pings|GOAWAY/i);
  const control = await quietStack('60s');
  assert.match(control.logs, /too_many_pings/, 'an oauthd stricter than the gateway answers GOAWAY');
});
