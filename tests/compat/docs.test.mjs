// The documentation a user of the repository reads: every link in every Markdown file resolves to a file inside the
// repository (nothing points outside it), the README reaches every document in docs/, and docs/configuration.md
// lists exactly the flags the binaries' --help prints, each with its environment variable and default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { root } from './lib/manifests.mjs';
import { binDir } from './lib/stack.mjs';

const SKIP = new Set(['node_modules', '.git', '.local']);

function markdownFiles(dir = root, out = []) {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name) || name.startsWith('build')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) markdownFiles(path, out);
    else if (name.endsWith('.md')) out.push(path);
  }
  return out;
}

// [text](target) links outside code spans and blocks, without their #fragment.
function links(text) {
  const prose = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]);
}

test('every link in the Markdown files resolves inside the repository', () => {
  const broken = [];
  for (const file of markdownFiles()) {
    const text = readFileSync(file, 'utf8');
    const where = relative(root, file);
    if (text.includes('../shared/')) broken.push(`${where}: names ../shared/, which is not in the repository`);
    for (const target of links(text)) {
      if (/^[a-z]+:/i.test(target) || target.startsWith('#')) continue;
      const path = resolve(dirname(file), target.split('#')[0]);
      if (!path.startsWith(root + '/') || !existsSync(path)) broken.push(`${where}: ${target}`);
    }
  }
  assert.deepEqual(broken, []);
});

test('the link check catches a link that does not resolve', () => {
  assert.deepEqual(links('see [a](docs/api.md#x), `[b](no.md)` and [c](https://e.org)'),
    ['docs/api.md#x', 'https://e.org']);
});

test('the README links every document in docs/, and each of them links back to none outside', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const linked = new Set(links(readme).map((t) => t.split('#')[0]));
  for (const doc of readdirSync(join(root, 'docs')).filter((n) => n.endsWith('.md'))) {
    assert.ok(linked.has(`docs/${doc}`), `README links docs/${doc}`);
  }
  for (const target of ['deploy/README.md', 'bench/README.md', 'BUILD.md', 'CHANGELOG.md']) {
    assert.ok(linked.has(target), `README links ${target}`);
  }
});

// The flags a --help prints: name, environment variable and default.
function helpFlags(args) {
  const binary = join(binDir(), args[0]);
  const text = execFileSync(binary, [...args.slice(1), '--help']).toString();
  const flags = [];
  let current = null;
  for (const line of text.slice(text.indexOf('\nFlags:\n')).split('\n')) {
    const flag = /^ {2}--([a-z0-9-]+)/.exec(line);
    if (flag) {
      current = { name: flag[1] };
      flags.push(current);
      continue;
    }
    const meta = /^ {6}default: (.*); environment: (\S+)$/.exec(line);
    if (meta && current) Object.assign(current, { default: meta[1].replace(/^"(.*)"$/, '$1'), env: meta[2] });
  }
  return flags;
}

const COMMANDS = [['oauthd', 'serve'], ['oauthd', 'migrate'], ['oauthd', 'user', 'create'],
  ['oauthd', 'session', 'create'], ['oauthd', 'role', 'grant'], ['oauthd', 'role', 'revoke'],
  ['oauthd', 'app', 'resource-server'], ['oauthd', 'secrets', 'rotate'], ['oauthd-gateway']];

test('docs/configuration.md lists every flag of every command with its variable and default, and no other', () => {
  const doc = readFileSync(join(root, 'docs/configuration.md'), 'utf8');
  // "| `--flag` | `ENV` | `default` or (empty) | …" rows, by section ("## `oauthd serve`").
  const rows = new Map();
  let section = '';
  for (const line of doc.split('\n')) {
    const heading = /^## `([^`]+)`/.exec(line);
    if (heading) section = heading[1];
    const row = /^\| `--([a-z0-9-]+)` \| `([A-Z0-9_]+)` \| (?:`([^`]*)`|\(empty\)) \|/.exec(line);
    if (row) rows.set(`${section} --${row[1]}`, { env: row[2], default: row[3] ?? '' });
  }
  const seen = new Set();
  for (const command of COMMANDS) {
    const name = command.join(' ');
    for (const flag of helpFlags(command)) {
      const key = `${name} --${flag.name}`;
      seen.add(key);
      assert.ok(rows.has(key), `${name} --${flag.name} is documented under "## \`${name}\`"`);
      assert.equal(rows.get(key).env, flag.env, `${name} --${flag.name}: environment variable`);
      assert.equal(rows.get(key).default, flag.default, `${name} --${flag.name}: default`);
    }
  }
  assert.deepEqual([...rows.keys()].filter((k) => !seen.has(k)), [], 'documented flags that no --help prints');
});
