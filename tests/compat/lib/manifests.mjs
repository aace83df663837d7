// deploy/k8s read as Kubernetes would: every document of every manifest, and for a Deployment's container what
// the kubelet would run (command, args, environment resolved from ConfigMaps and a Secret, ports, probes, preStop).
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

export const root = resolve(fileURLToPath(import.meta.url), '../../../..');
export const k8sDir = join(root, 'deploy/k8s');

// [{ file, doc }] for every manifest but kustomization.yaml.
export function loadManifests() {
  const out = [];
  for (const file of readdirSync(k8sDir).filter((f) => f.endsWith('.yaml')).sort()) {
    if (file === 'kustomization.yaml') continue;
    for (const d of parseAllDocuments(readFileSync(join(k8sDir, file), 'utf8'))) {
      if (d.errors.length) throw new Error(`${file}: ${d.errors[0].message}`);
      out.push({ file, doc: d.toJS() });
    }
  }
  return out;
}

export const loadKustomization = () => parse(readFileSync(join(k8sDir, 'kustomization.yaml'), 'utf8'));

export function find(manifests, kind, name) {
  const hit = manifests.find(({ doc }) => doc.kind === kind && doc.metadata?.name === name);
  if (!hit) throw new Error(`no ${kind} ${name} in deploy/k8s`);
  return hit.doc;
}

// The container of workload `name` (a Deployment, or a Job) as the kubelet would start it; `secrets` maps Secret
// name → data.
export function containerSpec(manifests, name, secrets, kind = 'Deployment') {
  const deployment = find(manifests, kind, name);
  const pod = deployment.spec.template.spec;
  const [container] = pod.containers;
  const env = {};
  for (const from of container.envFrom ?? []) {
    if (!from.configMapRef) throw new Error(`${name}: only configMapRef is understood in envFrom`);
    Object.assign(env, find(manifests, 'ConfigMap', from.configMapRef.name).data);
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.secretKeyRef) {
      const { name: secret, key, optional } = e.valueFrom.secretKeyRef;
      const value = secrets[secret]?.[key];
      // As the kubelet does: an optional reference to a missing Secret or key leaves the variable unset.
      if (value === undefined && !optional) throw new Error(`${name}: env ${e.name} needs Secret ${secret} key ${key}`);
      if (value !== undefined) env[e.name] = value;
    } else if (e.valueFrom?.configMapKeyRef) {
      const { name: cm, key } = e.valueFrom.configMapKeyRef;
      env[e.name] = find(manifests, 'ConfigMap', cm).data[key];
    } else throw new Error(`${name}: env ${e.name} has a source this reader does not know`);
  }
  return {
    deployment,
    container,
    command: container.command ?? [],
    args: container.args ?? [],
    env,
    ports: (container.ports ?? []).map((p) => p.containerPort),
    readiness: container.readinessProbe,
    liveness: container.livenessProbe,
    startup: container.startupProbe,
    preStopSeconds: container.lifecycle?.preStop?.sleep?.seconds ?? 0,
    terminationGracePeriodSeconds: pod.terminationGracePeriodSeconds ?? 30,
    minReadySeconds: deployment.spec.minReadySeconds ?? 0,
  };
}
