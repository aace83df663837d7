// A rolling restart driven by deploy/k8s itself. Each container runs as a local process with the command, args and
// environment its manifest gives it (ConfigMaps and a test Secret); a flag, variable or port the binaries do not
// accept fails the test. The migration Job runs first, as declared. Two replicas of oauthd and of the gateway are
// probed as the kubelet would, then replaced one at a time as a Deployment with maxSurge 1 / maxUnavailable 0 does
// (new pod ready for minReadySeconds, old pod out of the endpoints, preStop sleep, SIGTERM, grace period) while a
// steady stream of mixed REST (through the gateways) and gRPC (straight to oauthd, as internal services call it)
// requests runs. No request may fail, every acknowledged write must be in the database, and every pod must exit 0
// on its own, having logged each shutdown step.
//
// Stand-ins for what a cluster provides: the headless Service oauthd-grpc is a fixed list of three pod slots
// (`ipv4:` target; a slot without a pod is refused, as a removed address would be), and the gateway Service is the
// test's own round robin over the gateway pods that are ready and not terminating.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import mattermost from '@mattermost/client';
import { call, grpc, loadProtos } from './lib/grpc.mjs';
import { containerSpec, find, loadManifests } from './lib/manifests.mjs';
import { startPod, terminate, waitReady } from './lib/pods.mjs';
import { createDatabase, freePorts, seedUser, sql } from './lib/stack.mjs';

const { Client4 } = mattermost;
const pkg = loadProtos(['oauthd/v1/apps.proto']).oauthd.v1;
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const manifests = loadManifests();

let db, admin, secrets, oauthdSpec, gatewaySpec, slots, upstream;
const pods = { oauthd: [], gateway: [] };   // running pods, oldest first
const endpoints = new Set();                // gateway pods the "Service" sends requests to
const everyPod = [];

before(async () => {
  db = createDatabase({ migrate: false });
  secrets = { 'oauthd-db': { url: db.url } };
  oauthdSpec = containerSpec(manifests, 'oauthd', secrets);
  gatewaySpec = containerSpec(manifests, 'oauthd-gateway', secrets);
  const grpcService = find(manifests, 'Service', 'oauthd-grpc');
  const grpcPort = grpcService.spec.ports[0].port;
  assert.ok(oauthdSpec.ports.includes(grpcPort), 'the Service port is the container port (targetPort by name)');
  slots = await freePorts(3);
  upstream = `ipv4:${slots.map((p) => `127.0.0.1:${p}`).join(',')}`;
  // The migration Job, as declared.
  const migrate = await startPod(containerSpec(manifests, 'oauthd-migrate', secrets, 'Job'), 'migrate');
  const { code } = await migrate.exited;
  assert.equal(code, 0, `the migration Job failed:\n${migrate.log()}`);
  admin = seedUser(db.url, 'system_user system_admin');
});

after(async () => {
  for (const pod of everyPod) if (pod.alive()) pod.child.kill('SIGKILL');
  db?.drop();
});

const freeSlot = () => slots.find((p) => !pods.oauthd.some((pod) => pod.port(50051) === p));

async function startOauthdPod() {
  const pod = await startPod(oauthdSpec, `oauthd-${everyPod.length}`, { fixed: new Map([[50051, freeSlot()]]) });
  everyPod.push(pod);
  await waitReady(pod);
  pods.oauthd.push(pod);
  return pod;
}

async function startGatewayPod() {
  const pod = await startPod(gatewaySpec, `gateway-${everyPod.length}`, {
    substitute: (k, v) => {
      if (k !== 'OAUTHD_GATEWAY_UPSTREAM') return v;
      assert.equal(v, 'dns:///oauthd-grpc:50051', 'the gateway reaches oauthd through the headless Service');
      return upstream;
    },
  });
  everyPod.push(pod);
  await waitReady(pod);
  pods.gateway.push(pod);
  endpoints.add(pod);
  return pod;
}

// The Deployment controller's step: a new pod (surge), ready for minReadySeconds, then the oldest one goes.
async function replaceOldest(kind) {
  const spec = kind === 'oauthd' ? oauthdSpec : gatewaySpec;
  const fresh = kind === 'oauthd' ? await startOauthdPod() : await startGatewayPod();
  await sleep(spec.minReadySeconds * 1000);
  const old = pods[kind].shift();
  endpoints.delete(old);  // the endpoint controller drops a terminating pod at once
  const exit = await terminate(old);
  return { old, fresh, exit };
}

// Clients: REST through the gateway "Service", gRPC straight to the oauthd pods as internal services call them.
let rr = 0;
function viaService() {
  const ready = [...endpoints];
  assert.ok(ready.length > 0, 'a gateway endpoint is ready');
  return ready[rr++ % ready.length];
}
function restClient(pod) {
  const c = new Client4();
  c.setUrl(`http://127.0.0.1:${pod.port(8065)}`);
  c.setToken(admin.token);
  return c;
}
const grpcOptions = {
  'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
  'grpc.initial_reconnect_backoff_ms': 200,
  'grpc.max_reconnect_backoff_ms': 2000,
};
const grpcClient = (target) => new pkg.OAuthApps(target, grpc.credentials.createInsecure(), grpcOptions);

async function grpcOk(client, method, request) {
  const r = await call(client, method, request, admin.token, { deadline: Date.now() + 10000 });
  if (r.err) throw new Error(`gRPC ${method}: ${r.err.code} ${r.err.details}`);
  return r.response;
}

const newApp = (name) => ({ name, homepage: 'https://rollout.example.com', description: '', icon_url: '',
  callback_urls: ['https://rollout.example.com/cb'], is_trusted: false });

test('an app made through one pod is read, updated and deleted through the other', async () => {
  await startOauthdPod();
  await startOauthdPod();
  await startGatewayPod();
  await startGatewayPod();
  const [a, b] = pods.oauthd.map((p) => grpcClient(`127.0.0.1:${p.port(50051)}`));
  try {
    const made = await grpcOk(a, 'CreateOAuthApp', newApp('through pod A'));
    assert.equal((await grpcOk(b, 'GetOAuthApp', { app_id: made.id })).name, 'through pod A');
    const [ga, gb] = pods.gateway.map(restClient);
    const viaGateway = await ga.createOAuthApp(newApp('through gateway A'));
    assert.equal((await gb.getOAuthApp(viaGateway.id)).name, 'through gateway A');
    const updated = await gb.editOAuthApp({ ...viaGateway, name: 'renamed through gateway B' });
    assert.equal(updated.name, 'renamed through gateway B');
    assert.equal((await grpcOk(a, 'GetOAuthApp', { app_id: viaGateway.id })).name, 'renamed through gateway B');
    await grpcOk(b, 'DeleteOAuthApp', { app_id: made.id });
    await gb.deleteOAuthApp(viaGateway.id);
    assert.equal(sql(db.url, `SELECT COUNT(*) FROM OAuthApps WHERE Id IN ('${made.id}', '${viaGateway.id}')`), '0');
  } finally {
    a.close();
    b.close();
  }
});

test('a rolling restart of both Deployments under load loses no request and no write', async () => {
  const rpc = grpcClient(upstream);
  const failures = [];
  const apps = new Map();     // acknowledged: id → name it must have
  const deleted = new Set();  // acknowledged deletions
  let ok = 0;
  let stop = false;
  const record = async (what, fn) => {
    try {
      await fn();
      ok++;
    } catch (e) {
      failures.push(`${what}: ${e.message ?? e}`);
    }
  };
  // Each worker owns the apps it makes, so that its updates and deletes never race another worker's.
  const worker = async (w) => {
    const mine = [];
    for (let i = 0; !stop; i++) {
      const step = i % 6;
      if (step === 0) {
        await record('REST create', async () => {
          const app = await restClient(viaService()).createOAuthApp(newApp(`w${w}-${i}`));
          apps.set(app.id, app.name);
          mine.push(app);
        });
      } else if (step === 1) {
        await record('gRPC create', async () => {
          const app = await grpcOk(rpc, 'CreateOAuthApp', newApp(`w${w}-${i}-grpc`));
          apps.set(app.id, app.name);
          mine.push(app);
        });
      } else if (step === 2 && mine.length) {
        const app = mine[mine.length - 1];
        await record('REST update', async () => {
          const name = `w${w}-${i}-renamed`;
          await restClient(viaService()).editOAuthApp({ ...app, name });
          apps.set(app.id, name);
          app.name = name;
        });
      } else if (step === 3 && mine.length) {
        const app = mine[mine.length - 1];
        await record('REST get', async () => assert.equal((await restClient(viaService()).getOAuthApp(app.id)).id,
          app.id));
      } else if (step === 4 && mine.length) {
        const app = mine[0];
        await record('gRPC get', async () => assert.equal((await grpcOk(rpc, 'GetOAuthApp', { app_id: app.id })).id,
          app.id));
      } else if (step === 5 && mine.length > 2) {
        const app = mine.shift();
        await record('REST delete', async () => {
          await restClient(viaService()).deleteOAuthApp(app.id);
          apps.delete(app.id);
          deleted.add(app.id);
        });
      }
      await sleep(5);
    }
  };
  const workers = [0, 1, 2, 3].map(worker);
  try {
    await sleep(1000);
    const before = ok;
    assert.ok(before > 0, 'the load runs');
    const exits = [];
    for (const kind of ['oauthd', 'oauthd', 'oauthd-gateway', 'oauthd-gateway']) {
      exits.push(await replaceOldest(kind === 'oauthd' ? 'oauthd' : 'gateway'));
    }
    await sleep(1000);
    stop = true;
    await Promise.all(workers);
    console.log(`rollout: ${ok} requests succeeded (${ok - before} after the first second), ${failures.length} failed`);
    for (const pod of everyPod) {
      for (const line of pod.log().split('\n').filter((l) => /upstream call|"status":5/.test(l))) {
        console.log(`${pod.name}: ${line}`);
      }
    }
    assert.deepEqual(failures, [], 'no request failed');
    assert.ok(ok - before > 200, `a steady stream ran through the rollout (${ok - before} requests)`);

    for (const { old, exit } of exits) {
      assert.deepEqual({ ...exit, pod: old.name }, { code: 0, signal: null, killed: false, pod: old.name },
        old.log());
      const steps = old.name.startsWith('oauthd')
        ? ['shutting down: health checks answer NOT_SERVING', 'no longer accepting calls', 'stopped']
        : ['shutting down: /healthz answers 503', 'no longer accepting connections', 'stopped'];
      let at = -1;
      for (const s of steps) {
        const next = old.log().indexOf(s, at + 1);
        assert.ok(next > at, `${old.name} logged "${s}" in order:\n${old.log()}`);
        at = next;
      }
    }
  } finally {
    stop = true;
    await Promise.all(workers);
    rpc.close();
  }

  // Every acknowledged write is there; every acknowledged delete is gone.
  const ids = [...apps.keys()];
  const stored = new Map();
  for (let i = 0; i < ids.length; i += 500) {
    const list = ids.slice(i, i + 500).map((id) => `'${id}'`).join(',');
    for (const line of sql(db.url, `SELECT Id, Name FROM OAuthApps WHERE Id IN (${list})`).split('\n')) {
      const [id, name] = line.split('\t');
      if (id) stored.set(id, name);
    }
  }
  for (const [id, name] of apps) assert.equal(stored.get(id), name, `app ${id}`);
  const gone = [...deleted].map((id) => `'${id}'`).join(',');
  if (gone) assert.equal(sql(db.url, `SELECT COUNT(*) FROM OAuthApps WHERE Id IN (${gone})`), '0');
  console.log(`rollout: ${apps.size} acknowledged apps present, ${deleted.size} acknowledged deletions absent`);

  endpoints.clear();
  const last = [...pods.oauthd, ...pods.gateway];
  const codes = await Promise.all(last.map(terminate));
  codes.forEach(({ code }, i) => assert.equal(code, 0, last[i].log()));
});
