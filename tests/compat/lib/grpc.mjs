// oauthd's contract (proto/) and the standard health service, loaded for @grpc/grpc-js, plus a promise-shaped call.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const includeDirs = [path.join(root, 'proto'),
  path.join(process.env.OAUTHD_BUILD_DIR ?? path.join(root, 'build'), 'googleapis'),
  path.join(root, 'tests/compat/lib/proto')];

// The grpc-js package tree of `files` (relative to includeDirs), e.g. ['oauthd/v1/apps.proto'].
export function loadProtos(files) {
  const definition = protoLoader.loadSync(files,
    { includeDirs, keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
  return grpc.loadPackageDefinition(definition);
}

// Calls `method` with a Bearer token (if any); resolves to { err, response, headers } and never rejects.
export function call(client, method, request, token, options = {}) {
  const md = new grpc.Metadata();
  if (token) md.set('authorization', `Bearer ${token}`);
  return new Promise((resolve) => {
    let headers = null;
    const c = client[method](request, md, options, (err, response) => resolve({ err, response, headers }));
    c.on('metadata', (m) => { headers = m; });
  });
}

export { grpc };
