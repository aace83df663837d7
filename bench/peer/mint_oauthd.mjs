// Mints what a bench/peer.sh run spends on oauthd's side, through its real HTTP API (the gateway): a code from
// POST /oauth/authorize with a user's session (PKCE S256), and, for a refresh or an access token, that code exchanged
// at POST /oauth/access_token. Prints one value per line.
//   node mint_oauthd.mjs URL CLIENT_ID CLIENT_SECRET code|refresh|access SESSIONS_FILE FIRST N [repeat]
// SESSIONS_FILE holds users' session tokens, one per line; values FIRST .. FIRST+N-1 use those lines (a new user per
// value, so a first grant each), or with `repeat` all use line FIRST (one user: the repeat grant).
import { readFileSync } from 'node:fs';

const [url, clientId, secret, kind, sessionsFile, first, n, repeat] = process.argv.slice(2);
if (!['code', 'refresh', 'access'].includes(kind) || !Number(n)) {
  console.error('usage: node mint_oauthd.mjs URL CLIENT_ID CLIENT_SECRET code|refresh|access SESSIONS_FILE FIRST N [repeat]');
  process.exit(2);
}
const sessions = readFileSync(sessionsFile, 'utf8').split('\n');
const CALLBACK = 'https://app.example.com/cb';
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

async function mint(i) {
  const session = sessions[repeat ? Number(first) : Number(first) + i];
  if (!session) throw new Error(`no session on line ${Number(first) + i} of ${sessionsFile}`);
  const authorize = await fetch(`${url}/oauth/authorize`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${session}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ response_type: 'code', client_id: clientId, redirect_uri: CALLBACK, state: 's',
      code_challenge: CHALLENGE, code_challenge_method: 'S256' }),
  });
  if (authorize.status !== 200) throw new Error(`authorize: ${authorize.status} ${await authorize.text()}`);
  const code = new URL((await authorize.json()).redirect).searchParams.get('code');
  if (kind === 'code') return code;
  const token = await fetch(`${url}/oauth/access_token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: clientId, client_secret: secret, code,
      redirect_uri: CALLBACK, code_verifier: VERIFIER }).toString(),
  });
  if (token.status !== 200) throw new Error(`access_token: ${token.status} ${await token.text()}`);
  const body = await token.json();
  return kind === 'refresh' ? body.refresh_token : body.access_token;
}

// 32 at a time, in order.
const out = new Array(Number(n));
let next = 0;
await Promise.all(Array.from({ length: 32 }, async () => {
  while (next < out.length) {
    const i = next++;
    out[i] = await mint(i);
  }
}));
process.stdout.write(`${out.join('\n')}\n`);
