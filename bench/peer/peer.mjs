// node-oidc-provider, configured as close to oauthd as it allows, as the peer of bench/peer.sh (which starts it):
// one confidential client authenticating with client_secret_post, PKCE S256 required, refresh tokens rotated on
// every use, opaque access tokens, codes valid 600 s, access tokens 30 days, no ID token (the scope is
// offline_access, not openid), introspection on, and an unbounded in-memory adapter (the package's own keeps 1,000
// entries, which a load run would evict).
//
// A second port, on loopback only, mints what a load run spends, with the provider's own model classes (as its
// authorization endpoint would, without driving a browser): POST /mint?kind=code|refresh|access&n=N&users=first|repeat
// answers N values, one per line. `first` gives every value its own account (a first grant); `repeat` gives them all
// one account.
//   node peer.mjs PORT ADMIN_PORT      (0: any free port; both are printed)
import http from 'node:http';
import Provider from 'oidc-provider';

const [port, adminPort] = process.argv.slice(2).map(Number);
if (Number.isNaN(port) || Number.isNaN(adminPort) || process.argv.length !== 4) {
  console.error('usage: node peer.mjs PORT ADMIN_PORT');
  process.exit(2);
}
export const CLIENT = {
  client_id: 'benchpeer',
  client_secret: 'benchpeersecret00000000000',
  redirect_uris: ['https://app.example.com/cb'],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_post',
};
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';  // RFC 7636 Appendix B's verifier

// Every model in one Map, never evicted; grants indexed for revokeByGrantId.
const store = new Map();
const byGrant = new Map();
class MapAdapter {
  constructor(model) { this.model = model; }
  key(id) { return `${this.model}:${id}`; }
  async upsert(id, payload) {
    const key = this.key(id);
    store.set(key, payload);
    if (payload.grantId) {
      if (!byGrant.has(payload.grantId)) byGrant.set(payload.grantId, new Set());
      byGrant.get(payload.grantId).add(key);
    }
  }
  async find(id) { return store.get(this.key(id)); }
  async findByUid() { return undefined; }
  async findByUserCode() { return undefined; }
  async consume(id) {
    const payload = store.get(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id) { store.delete(this.key(id)); }
  async revokeByGrantId(grantId) {
    for (const key of byGrant.get(grantId) ?? []) store.delete(key);
    byGrant.delete(grantId);
  }
}

const provider = new Provider(`http://127.0.0.1:${port}`, {
  adapter: MapAdapter,
  clients: [CLIENT],
  findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
  scopes: ['openid', 'offline_access'],
  pkce: { required: () => true },
  rotateRefreshToken: true,
  ttl: {
    AuthorizationCode: 600,
    AccessToken: 30 * 24 * 3600,
    RefreshToken: 365 * 24 * 3600,
    Grant: 365 * 24 * 3600,
  },
  features: {
    devInteractions: { enabled: false },
    introspection: { enabled: true },
    revocation: { enabled: true },
  },
});
provider.on('server_error', (_ctx, err) => console.error('peer: server_error', err));

const client = await provider.Client.find(CLIENT.client_id);
let accounts = 0;
async function mintOne(kind, users) {
  const accountId = users === 'repeat' ? 'repeat-user' : `user${(accounts += 1)}`;
  const grant = new provider.Grant({ accountId, clientId: client.clientId });
  grant.addOIDCScope('offline_access');
  const grantId = await grant.save();
  const common = { accountId, client, grantId, scope: 'offline_access' };
  if (kind === 'code') {
    return new provider.AuthorizationCode({
      ...common, redirectUri: CLIENT.redirect_uris[0], codeChallenge: CHALLENGE, codeChallengeMethod: 'S256',
    }).save();
  }
  if (kind === 'refresh') {
    return new provider.RefreshToken({ ...common, gty: 'authorization_code', rotations: 0 }).save();
  }
  return new provider.AccessToken({ ...common, gty: 'authorization_code' }).save();
}

const admin = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const kind = url.searchParams.get('kind');
  const n = Number(url.searchParams.get('n'));
  const users = url.searchParams.get('users') ?? 'first';
  if (req.method !== 'POST' || url.pathname !== '/mint' || !['code', 'refresh', 'access'].includes(kind) || !n) {
    res.writeHead(400).end('POST /mint?kind=code|refresh|access&n=N&users=first|repeat\n');
    return;
  }
  const out = [];
  for (let i = 0; i < n; i += 1) out.push(await mintOne(kind, users));
  res.writeHead(200, { 'content-type': 'text/plain' }).end(`${out.join('\n')}\n`);
}).listen(adminPort, '127.0.0.1', () => {
  const server = provider.listen(port, '127.0.0.1', () => console.error(
    `peer: serving on port ${server.address().port}, minting on ${admin.address().port}`));
});
