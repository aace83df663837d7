// Pods of deploy/k8s played by local processes, the way the kubelet runs them: the container's own command, args
// and environment (ConfigMaps and a Secret), its probes performed as the kubelet performs them, and termination
// as Kubernetes does it (preStop sleep, SIGTERM, then SIGKILL at terminationGracePeriodSeconds). Container ports
// are mapped to free loopback ports, since two replicas share this machine.
import { spawn } from 'node:child_process';
import { binDir, freePorts } from './stack.mjs';
import { call, grpc, loadProtos } from './grpc.mjs';

const health = loadProtos(['grpc/health/v1/health.proto']).grpc.health.v1;
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const IMAGE_BIN = '/usr/local/bin/';  // where deploy/docker/Dockerfile installs the binaries

// `spec` comes from containerSpec(); `substitute(name, value)` may rewrite an environment value that names
// another pod (e.g. a Service address); `fixed` maps container ports to chosen local ports (the rest get free ones).
export async function startPod(spec, name, { substitute = (_k, v) => v, fixed = new Map() } = {}) {
  const ports = new Map(fixed);
  const free = await freePorts(spec.ports.length);
  spec.ports.forEach((p, i) => { if (!ports.has(p)) ports.set(p, free[i]); });
  // A listen address for a container port becomes the loopback and the mapped port; any other port of the pod's
  // own is an error (the pod would listen where no port is declared).
  const env = { PATH: process.env.PATH };
  for (const [k, v] of Object.entries(spec.env)) {
    const listen = /^(0\.0\.0\.0|\[::\]|):(\d+)$/.exec(v);
    if (listen) {
      const mapped = ports.get(Number(listen[2]));
      if (!mapped) throw new Error(`${name}: ${k}=${v} listens on a port the container does not declare`);
      env[k] = `127.0.0.1:${mapped}`;
    } else {
      env[k] = substitute(k, v);
    }
  }
  const [command, ...rest] = spec.command;
  if (!command?.startsWith(IMAGE_BIN)) throw new Error(`${name}: command ${command} is not in ${IMAGE_BIN}`);
  const child = spawn(`${binDir()}/${command.slice(IMAGE_BIN.length)}`, [...rest, ...spec.args],
    { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk) => { log += chunk; });
  const exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
  const pod = {
    name, spec, child, exited, ports,
    port: (containerPort) => ports.get(containerPort),
    log: () => log,
    alive: () => child.exitCode === null && child.signalCode === null,
  };
  return pod;
}

// One probe as the kubelet performs it: grpc (grpc.health.v1 Check, SERVING) or httpGet (2xx/3xx).
export async function probe(pod, p) {
  const timeoutMs = (p.timeoutSeconds ?? 1) * 1000;
  if (p.grpc) {
    const client = new health.Health(`127.0.0.1:${pod.port(p.grpc.port)}`, grpc.credentials.createInsecure());
    try {
      const r = await call(client, 'Check', { service: p.grpc.service ?? '' }, null,
        { deadline: Date.now() + timeoutMs });
      return !r.err && r.response.status === 'SERVING';
    } finally {
      client.close();
    }
  }
  if (p.httpGet) {
    try {
      const res = await fetch(`http://127.0.0.1:${pod.port(p.httpGet.port)}${p.httpGet.path}`,
        { signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer();
      return res.status >= 200 && res.status < 400;
    } catch {
      return false;
    }
  }
  throw new Error(`${pod.name}: a probe kind this kubelet does not perform`);
}

// Waits (startup probe first, if any) until the readiness probe passes, as the kubelet would mark it Ready.
export async function waitReady(pod, limitMs = 20000) {
  const start = Date.now();
  for (const p of [pod.spec.startup, pod.spec.readiness].filter(Boolean)) {
    for (;;) {
      if (!pod.alive()) throw new Error(`${pod.name} exited while starting:\n${pod.log()}`);
      if (await probe(pod, p)) break;
      if (Date.now() - start > limitMs) throw new Error(`${pod.name} never became ready:\n${pod.log()}`);
      await sleep(Math.min((p.periodSeconds ?? 10) * 1000, 250));
    }
  }
}

// Pod deletion: the preStop sleep (the pod still serves; its endpoint is already gone), SIGTERM, and SIGKILL if it
// outlives terminationGracePeriodSeconds. Resolves to how it exited.
export async function terminate(pod) {
  const deadline = Date.now() + pod.spec.terminationGracePeriodSeconds * 1000;
  await sleep(pod.spec.preStopSeconds * 1000);
  if (!pod.alive()) return { code: pod.child.exitCode, signal: pod.child.signalCode, killed: false };
  pod.child.kill('SIGTERM');
  const timer = new Promise((done) => setTimeout(() => done(null), Math.max(0, deadline - Date.now())));
  const exit = await Promise.race([pod.exited, timer]);
  if (exit) return { ...exit, killed: false };
  pod.child.kill('SIGKILL');
  return { ...(await pod.exited), killed: true };
}
