// Brings up what a compatibility test talks to, with the project's own tools only: a fresh database on the
// private MariaDB that tests/run.sh started, `oauthd migrate`, users and tokens made with `oauthd user/session
// create` and `oauthd role grant`, and `oauthd serve` on a free port.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`$${name} is not set: run the tests through tests/run.sh`);
  return v;
}

export const binDir = () => env('OAUTHD_BIN_DIR');

// Free loopback ports, held together while picking so that they differ.
export async function freePorts(n) {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise((done) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => done(s));
  })));
  const picked = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  return picked;
}

// SIGTERM, resolving once the child has exited (at once if it already has).
const stopChild = (child) => new Promise((done) => {
  if (child.exitCode !== null || child.signalCode !== null) return done();
  child.once('exit', done);
  child.kill('SIGTERM');
});

// With OAUTHD_TEST_SCHEMA=mattermost (ctest's compat.mattermost_schema.* runs), a database starts as a Mattermost
// server's: its MySQL schema and rows it wrote (tests/data/), before `oauthd migrate`.
export const mattermostOrigin = () => process.env.OAUTHD_TEST_SCHEMA === 'mattermost';
const dataDir = fileURLToPath(new URL('../../data/', import.meta.url));

export function createDatabase({ migrate = true } = {}) {
  const [host, port] = env('OAUTHD_TEST_MYSQL').split(':');
  const name = `oauthd_c_${randomBytes(6).toString('hex')}`;
  const client = ['--no-defaults', `-h${host}`, `-P${port}`, '-uoauthd', '-poauthd'];
  execFileSync('mariadb', [...client, '-e', `CREATE DATABASE ${name} CHARACTER SET utf8mb4`]);
  const url = `mysql://oauthd:oauthd@${host}:${port}/${name}`;
  if (mattermostOrigin()) {
    for (const file of ['mattermost-mysql-schema.sql', 'mattermost-seed.sql']) {
      execFileSync('mariadb', [...client, name], { input: readFileSync(`${dataDir}${file}`) });
    }
  }
  if (migrate) oauthd(url, ['migrate']);
  return {
    url,
    drop() {
      execFileSync('mariadb', ['--no-defaults', `-h${host}`, `-P${port}`, '-uoauthd', '-poauthd',
        '-e', `DROP DATABASE IF EXISTS ${name}`]);
    },
  };
}

export function oauthd(dbUrl, args) {
  return execFileSync(`${binDir()}/oauthd`, args, {
    env: { ...process.env, OAUTHD_DB: dbUrl }, stdio: ['ignore', 'pipe', 'pipe'],
  }).toString().trim();
}

// A user with `roles` and a session token for it.
export function seedUser(dbUrl, roles) {
  const username = `u${randomBytes(5).toString('hex')}`;
  const id = oauthd(dbUrl, ['user', 'create', `--username=${username}`, `--email=${username}@example.com`,
    `--roles=${roles}`]);
  const token = oauthd(dbUrl, ['session', 'create', `--user=${id}`]);
  return { id, token, username };
}

// Starts `oauthd serve` and resolves to { port, stop() } once it reports its port.
export function startOauthd(dbUrl, flags = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(`${binDir()}/oauthd`, ['serve', `--db=${dbUrl}`, '--grpc-listen=127.0.0.1:0',
      '--cache-ttl=0s', '--site-url=https://chat.example.com', ...flags], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    const timer = setTimeout(() => reject(new Error(`oauthd did not start:\n${log}`)), 10000);
    child.stderr.on('data', (chunk) => {
      log += chunk;
      const m = /serving gRPC(?: over [A-Za-z ]+)? on port (\d+)/.exec(log);
      if (m && timer) {
        clearTimeout(timer);
        resolve({
          port: Number(m[1]),
          log: () => log,
          child,
          stop: () => stopChild(child),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`oauthd exited (${code}):\n${log}`)));
  });
}

// Starts `oauthd-gateway` in front of an oauthd on `upstreamPort`; resolves to { port, url, stop() }.
export function startGateway(upstreamPort, flags = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(`${binDir()}/oauthd-gateway`, ['--listen=127.0.0.1:0', `--upstream=127.0.0.1:${upstreamPort}`,
      ...flags], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    const timer = setTimeout(() => reject(new Error(`oauthd-gateway did not start:\n${log}`)), 10000);
    child.stderr.on('data', (chunk) => {
      log += chunk;
      const m = /serving HTTPS? on port (\d+)/.exec(log);
      if (m && timer) {
        clearTimeout(timer);
        const port = Number(m[1]);
        resolve({
          port,
          url: `http://127.0.0.1:${port}`,
          log: () => log,
          child,
          stop: () => stopChild(child),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`oauthd-gateway exited (${code}):\n${log}`)));
  });
}

// Runs SQL on the test database (for set-up the API does not offer, e.g. an authorization preference).
export function sql(dbUrl, statement) {
  const m = /^mysql:\/\/([^:]+):([^@]*)@([^:]+):(\d+)\/(.+)$/.exec(dbUrl);
  return execFileSync('mariadb', ['--no-defaults', `-h${m[3]}`, `-P${m[4]}`, `-u${m[1]}`, `-p${m[2]}`, m[5],
    '-N', '-e', statement]).toString().trim();
}
