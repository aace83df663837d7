// deploy/docker/Dockerfile: the runtime stage installs a package for every library the built binaries link (so
// the image cannot miss one), the build stage asks for nothing the project's package list does not know, and, where
// podman can build and run containers on this machine, the image is built from a local Debian base made with
// mmdebstrap and its binaries run in it as the manifests run them (non-root, read-only root filesystem).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './lib/manifests.mjs';
import { binDir, createDatabase, freePorts } from './lib/stack.mjs';
import { probe } from './lib/pods.mjs';

const dockerfile = readFileSync(join(root, 'deploy/docker/Dockerfile'), 'utf8');
const stages = dockerfile.split(/^FROM /m).slice(1);

// The packages a stage's `apt-get install` lines name.
function installed(stage) {
  const text = stage.replace(/\\\n/g, ' ');
  const m = /apt-get install ([^&\n]+)/.exec(text);
  assert.ok(m, 'the stage installs packages');
  return m[1].split(/\s+/).filter((w) => w && !w.startsWith('-'));
}

// The Debian package that owns a library file, however the path reaches it (merged /usr, symlinks).
function owner(file) {
  const real = realpathSync(file);
  for (const candidate of new Set([file, real, file.replace(/^\/usr/, ''), real.replace(/^\/usr/, ''),
    `/usr${file}`, `/usr${real}`])) {
    const r = spawnSync('dpkg', ['-S', candidate]);
    if (r.status === 0) return r.stdout.toString().split(':')[0];
  }
  throw new Error(`no package owns ${file}`);
}

test('every library the binaries link comes from a package the runtime stage installs', () => {
  const runtime = new Set(installed(stages[stages.length - 1]));
  const missing = [];
  for (const binary of ['oauthd', 'oauthd-gateway']) {
    const ldd = execFileSync('ldd', [join(binDir(), binary)]).toString();
    assert.doesNotMatch(ldd, /not found/);
    const libs = [...ldd.matchAll(/=> (\/\S+)/g)].map((m) => m[1]);
    assert.ok(libs.length > 10, `${binary} links shared libraries`);
    for (const lib of libs) {
      const pkg = owner(lib);
      if (!runtime.has(pkg)) missing.push(`${binary}: ${lib} (${pkg})`);
    }
  }
  assert.deepEqual(missing, [], 'add these packages to the runtime stage');
});

test('the build stage installs only packages the project installs itself, and the image runs what the manifests run',
  () => {
    const known = new Set(execFileSync('bash', ['-c',
      'source deploy/lib/packages.sh; echo "${OAUTHD_BUILD_PACKAGES[@]}"'], { cwd: root }).toString().trim().split(' '));
    for (const p of installed(stages[0])) assert.ok(known.has(p), `${p} is in deploy/lib/packages.sh`);
    assert.match(dockerfile, /^COPY --from=build \/build\/bin\/oauthd \/build\/bin\/oauthd-gateway \/usr\/local\/bin\/$/m);
    assert.match(dockerfile, /^USER 65532:65532$/m, 'the manifests run as 65532');
    assert.match(dockerfile, /^ENTRYPOINT \["\/usr\/local\/bin\/oauthd"\]$/m, 'exec form: no shell');
  });

// podman in a sandbox without CAP_SYS_RESOURCE: runc, and resource limits below the current ones.
const podmanArgs = ['--runtime', 'runc'];
const limits = ['--ulimit', 'nofile=1024:4096', '--ulimit', 'nproc=1024:4096'];
const podman = (args, options = {}) => spawnSync('podman', [...podmanArgs, ...args],
  { encoding: 'utf8', maxBuffer: 64 << 20, ...options });

function whyNoImage() {
  for (const tool of ['podman', 'mmdebstrap', 'runc']) {
    if (spawnSync('which', [tool]).status !== 0) return `${tool} is not installed (tests/run.sh installs it)`;
  }
  return null;
}

test('the image builds from a local mmdebstrap base, and both binaries run in it', { timeout: 1500000 }, async (t) => {
  const why = whyNoImage();
  if (why) return t.skip(why);
  const cache = join(process.env.OAUTHD_BUILD_DIR ?? join(root, 'build'), 'image');
  mkdirSync(cache, { recursive: true });
  const baseTar = join(cache, 'debian-bookworm-minbase.tar');
  const base = 'localhost/oauthd-debian-base:bookworm';
  if (!existsSync(baseTar)) {
    // --format=tar: mmdebstrap picks the format from the name, and `.part` would make it a directory.
    const r = spawnSync('mmdebstrap', ['--variant=minbase', '--format=tar', 'bookworm', `${baseTar}.part`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    execFileSync('mv', [`${baseTar}.part`, baseTar]);
  }
  if (podman(['image', 'exists', base]).status !== 0) {
    const r = podman(['import', baseTar, base]);
    assert.equal(r.status, 0, r.stderr);
  }
  const smoke = podman(['run', '--rm', '--network', 'none', ...limits, base, 'true']);
  if (smoke.status !== 0) return t.skip(`podman cannot run containers here: ${smoke.stderr.trim()}`);

  const image = 'localhost/oauthd:test';
  const build = podman(['build', '--network', 'host', ...limits, '--build-arg', `DEBIAN_IMAGE=${base}`,
    '-f', 'deploy/docker/Dockerfile', '-t', image, '.'], { cwd: root });
  assert.equal(build.status, 0, build.stdout.slice(-4000) + build.stderr.slice(-4000));

  const run = (args) => podman(['run', '--rm', '--read-only', '--network', 'none', ...limits, ...args]);
  const help = run([image, '--help']);
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout + help.stderr, /serve/);
  const gatewayHelp = run(['--entrypoint', '/usr/local/bin/oauthd-gateway', image, '--help']);
  assert.equal(gatewayHelp.status, 0, gatewayHelp.stderr);
  assert.match(gatewayHelp.stdout, /Usage: oauthd-gateway/);
  assert.equal(run(['--entrypoint', '/usr/bin/id', image, '-u']).stdout.trim(), '65532');

  // `oauthd serve` against the test database, read-only and non-root, answering its gRPC health check.
  const [port] = await freePorts(1);
  const name = `oauthd-image-test-${port}`;
  const db = createDatabase();
  const started = podman(['run', '-d', '--rm', '--read-only', '--network', 'host', ...limits, '--name', name,
    '-e', `OAUTHD_DB=${db.url}`, '-e', `OAUTHD_GRPC_LISTEN=127.0.0.1:${port}`, image]);
  assert.equal(started.status, 0, started.stderr);
  try {
    const pod = { name, port: () => port };
    let serving = false;
    for (let i = 0; i < 50 && !serving; i++) {
      serving = await probe(pod, { grpc: { port: 50051 }, timeoutSeconds: 1 });
      if (!serving) await new Promise((done) => setTimeout(done, 200));
    }
    assert.ok(serving, podman(['logs', name]).stderr);
  } finally {
    const stopped = podman(['stop', '-t', '15', name]);
    db.drop();
    assert.equal(stopped.status, 0, stopped.stderr);
  }
});
