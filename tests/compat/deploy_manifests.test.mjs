// deploy/k8s checked offline, so that a broken manifest fails CI rather than a deploy: every document parses and
// passes the Kubernetes schema (kubernetes-models, pinned in the lockfile) with no unknown field; kustomization.yaml
// lists exactly the manifests; names, labels, ports and references agree; every environment variable names a flag
// the binary has; the pods run as non-root on a read-only root filesystem with requests and limits; the grace
// period covers the preStop sleep and the drain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { validateSchema, unknownFields } from './lib/k8s_schema.mjs';
import { containerSpec, find, k8sDir, loadKustomization, loadManifests } from './lib/manifests.mjs';
import { binDir } from './lib/stack.mjs';

const manifests = loadManifests();
const secrets = { 'oauthd-db': { url: 'mysql://u:p@db:3306/oauthd' } };
const kinds = (kind) => manifests.filter(({ doc }) => doc.kind === kind).map(({ doc }) => doc);
const durationSeconds = (text) => {
  const m = /^(\d+)s$/.exec(text ?? '');
  assert.ok(m, `a duration in whole seconds, got ${text}`);
  return Number(m[1]);
};

test('every document passes the Kubernetes schema and has no field the schema lacks', async () => {
  assert.ok(manifests.length >= 10);
  for (const { file, doc } of manifests) {
    await assert.doesNotReject(validateSchema(doc), `${file} ${doc.kind}`);
    assert.deepEqual(unknownFields(doc), [], `${file} ${doc.kind} ${doc.metadata?.name}`);
  }
});

test('the schema check fails a broken manifest', async () => {
  const broken = structuredClone(find(manifests, 'Deployment', 'oauthd'));
  broken.spec.template.spec.containers[0].readinessProbe.grpc.port = 'grpc';  // the grpc probe takes a number
  await assert.rejects(validateSchema(broken));
  broken.spec.template.spec.containers[0].readinessProbe.grpc.port = 50051;
  broken.spec.template.spec.containers[0].imagePullPolicyy = 'Always';
  assert.deepEqual(unknownFields(broken), ['$.spec.template.spec.containers[0].imagePullPolicyy']);
});

test('kustomization.yaml lists every manifest but the example Secret, and names the image the pods use', () => {
  const k = loadKustomization();
  assert.deepEqual(Object.keys(k).sort(), ['apiVersion', 'images', 'kind', 'labels', 'resources']);
  const files = [...new Set(manifests.map(({ file }) => file))].filter((f) => f !== 'secret.example.yaml');
  assert.deepEqual([...k.resources].sort(), files.sort());
  for (const r of k.resources) assert.ok(existsSync(join(k8sDir, r)), r);
  const images = new Set(k.images.map((i) => i.name));
  for (const w of [...kinds('Deployment'), ...kinds('Job')]) {
    for (const c of w.spec.template.spec.containers) assert.ok(images.has(c.image), `${w.metadata.name}: ${c.image}`);
  }
});

test('selectors, services, probes, autoscalers, budgets and references agree', () => {
  const deployments = new Map(kinds('Deployment').map((d) => [d.metadata.name, d]));
  for (const d of deployments.values()) {
    const labels = d.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(d.spec.selector.matchLabels)) assert.equal(labels[k], v, d.metadata.name);
    const [c] = d.spec.template.spec.containers;
    const portNames = new Set(c.ports.map((p) => p.name));
    const ports = new Set(c.ports.map((p) => p.containerPort));
    for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe].filter(Boolean)) {
      const port = probe.grpc?.port ?? probe.httpGet?.port;
      assert.ok(ports.has(port), `${d.metadata.name}: probe port ${port} is a container port`);
    }
    const scrape = d.spec.template.metadata.annotations?.['prometheus.io/port'];
    assert.ok(ports.has(Number(scrape)), `${d.metadata.name}: metrics port ${scrape}`);
    for (const svc of kinds('Service').filter((s) => Object.entries(s.spec.selector)
      .every(([k, v]) => labels[k] === v))) {
      for (const p of svc.spec.ports) assert.ok(portNames.has(p.targetPort), `${svc.metadata.name} → ${p.targetPort}`);
    }
  }
  const services = kinds('Service');
  for (const s of services) {
    assert.ok([...deployments.values()].some((d) => Object.entries(s.spec.selector)
      .every(([k, v]) => d.spec.template.metadata.labels[k] === v)), `${s.metadata.name} selects a Deployment`);
  }
  assert.equal(find(manifests, 'Service', 'oauthd-grpc').spec.clusterIP, 'None', 'headless, for dns:/// balancing');
  const upstream = find(manifests, 'ConfigMap', 'oauthd-gateway-config').data.OAUTHD_GATEWAY_UPSTREAM;
  assert.equal(upstream, 'dns:///oauthd-grpc:50051');
  for (const hpa of kinds('HorizontalPodAutoscaler')) {
    assert.ok(deployments.has(hpa.spec.scaleTargetRef.name));
    assert.ok(hpa.spec.minReplicas >= 2);
  }
  for (const pdb of kinds('PodDisruptionBudget')) {
    assert.ok([...deployments.values()].some((d) => Object.entries(pdb.spec.selector.matchLabels)
      .every(([k, v]) => d.spec.template.metadata.labels[k] === v)), pdb.metadata.name);
  }
});

// The flags a binary has, by the environment variable each is read from (from its own --help).
function envFlags(binary, args) {
  const help = execFileSync(`${binDir()}/${binary}`, [...args, '--help']).toString();
  return new Set([...help.matchAll(/environment: (\S+)/g)].map((m) => m[1]));
}

test('every variable and argument the manifests set is one the binary accepts', () => {
  const known = {
    oauthd: envFlags('oauthd', ['serve']),
    'oauthd-gateway': envFlags('oauthd-gateway', []),
  };
  for (const name of ['oauthd', 'oauthd-gateway']) {
    const spec = containerSpec(manifests, name, secrets);
    for (const variable of Object.keys(spec.env)) assert.ok(known[name].has(variable), `${name}: ${variable}`);
  }
  const migrate = find(manifests, 'Job', 'oauthd-migrate').spec.template.spec.containers[0];
  assert.deepEqual(migrate.args, ['migrate']);
  const migrateFlags = envFlags('oauthd', ['migrate']);
  for (const e of migrate.env) assert.ok(migrateFlags.has(e.name), e.name);
});

test('pods are non-root with a read-only root, bounded, and given time to drain', () => {
  for (const w of [...kinds('Deployment'), ...kinds('Job')]) {
    const pod = w.spec.template.spec;
    assert.equal(pod.securityContext.runAsNonRoot, true, w.metadata.name);
    assert.equal(pod.automountServiceAccountToken, false, w.metadata.name);
    for (const c of pod.containers) {
      assert.equal(c.securityContext.readOnlyRootFilesystem, true, `${w.metadata.name}/${c.name}`);
      assert.equal(c.securityContext.allowPrivilegeEscalation, false);
      assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
      assert.ok(c.resources.requests.memory && c.resources.requests.cpu && c.resources.limits.memory);
    }
  }
  for (const [name, graceVar] of [['oauthd', 'OAUTHD_SHUTDOWN_GRACE'], ['oauthd-gateway', 'OAUTHD_GATEWAY_SHUTDOWN_GRACE']]) {
    const spec = containerSpec(manifests, name, secrets);
    assert.ok(spec.preStopSeconds > 0, `${name}: a preStop sleep`);
    const delay = spec.env[graceVar.replace('GRACE', 'DELAY')];
    const needed = spec.preStopSeconds + durationSeconds(spec.env[graceVar]) + (delay ? durationSeconds(delay) : 0);
    assert.ok(spec.terminationGracePeriodSeconds > needed,
      `${name}: terminationGracePeriodSeconds covers preStop + shutdown delay + ${graceVar}`);
    assert.equal(spec.deployment.spec.strategy.rollingUpdate.maxUnavailable, 0, `${name}: no capacity lost in a rollout`);
  }
});
