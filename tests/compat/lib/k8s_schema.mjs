// Kubernetes manifests checked offline against the published API schema, as packaged by kubernetes-models: its
// validators check types, required fields and formats; this file adds what they leave out, unknown fields (a
// misspelt key is silently dropped by the API server, so it would never fail a deploy: it must fail here).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const modelsDir = dirname(require.resolve('kubernetes-models/package.json'));
const nodeModules = resolve(modelsDir, '..');

// "apps/v1" + "Deployment" → the model's module path inside kubernetes-models.
const modelPath = (apiVersion, kind) => `${apiVersion.includes('/') ? apiVersion : `v1`}/${kind}`;

// Validates `doc` with the kubernetes-models class for its apiVersion and kind; throws with the schema's complaint.
export async function validateSchema(doc) {
  const module = await import(`kubernetes-models/${modelPath(doc.apiVersion, doc.kind)}`);
  new module[doc.kind](doc).validate();
}

const parsed = new Map();  // .d.ts path → { props: Map(name → {file, isArray, isMap}) } or null for non-objects

function resolveModule(fromFile, spec) {
  const base = spec.startsWith('.') ? resolve(dirname(fromFile), spec) : join(nodeModules, spec);
  const file = base.replace(/\.js$/, '') + '.d.ts';
  return existsSync(file) ? file : null;
}

// The first interface of a kubernetes-models .d.ts file: each property with the file of its type (null for a
// scalar or a free-form object such as labels).
function interfaceOf(file) {
  if (parsed.has(file)) return parsed.get(file);
  const text = readFileSync(file, 'utf8');
  const imports = new Map();
  for (const m of text.matchAll(/import \{ ([^}]+) \} from "([^"]+)"/g)) {
    for (const name of m[1].split(',').map((s) => s.trim())) imports.set(name, m[2]);
  }
  const start = text.search(/export interface I\w+ (extends \w+ )?\{/);
  if (start < 0) {
    parsed.set(file, null);
    return null;
  }
  const props = new Map();
  let depth = 0;
  for (const line of text.slice(start).split('\n')) {
    if (depth === 1) {
      const m = /^\s+"([^"]+)"\??: (.+?);?$/.exec(line);
      if (m) {
        const [, name, type] = m;
        const arrayOf = /^Array<(\w+)>$/.exec(type);
        const typeName = arrayOf ? arrayOf[1] : type;
        const spec = imports.get(typeName);
        props.set(name, { file: spec ? resolveModule(file, spec) : null, isArray: !!arrayOf });
      }
    }
    depth += (line.match(/\{/g) || []).length - (line.match(/\}/g) || []).length;
    if (depth === 0 && line.includes('}')) break;
  }
  const result = { props };
  parsed.set(file, result);
  return result;
}

// Every key of `value` that the schema of `file` does not define, as JSON paths.
function unknownKeys(value, file, path, out) {
  const shape = file && interfaceOf(file);
  if (!shape || value === null || typeof value !== 'object' || Array.isArray(value)) return out;
  for (const [key, child] of Object.entries(value)) {
    const prop = shape.props.get(key);
    if (!prop) {
      out.push(`${path}.${key}`);
      continue;
    }
    if (prop.isArray && Array.isArray(child)) {
      child.forEach((item, i) => unknownKeys(item, prop.file, `${path}.${key}[${i}]`, out));
    } else {
      unknownKeys(child, prop.file, `${path}.${key}`, out);
    }
  }
  return out;
}

// Fields of `doc` that its kind does not have (e.g. `spec.template.spec.containers[0].imagePullPolicyy`).
export function unknownFields(doc) {
  const file = join(modelsDir, `${modelPath(doc.apiVersion, doc.kind)}.d.ts`);
  if (!existsSync(file)) return [`no schema for ${doc.apiVersion} ${doc.kind}`];
  return unknownKeys(doc, file, '$', []);
}
