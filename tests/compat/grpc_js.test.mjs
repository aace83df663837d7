// oauthd driven by @grpc/grpc-js, a gRPC client that shares no code with the server: the contract as compiled by
// another toolchain, create/get/list/delete, and one error of each status code with its AppError detail decoded
// from grpc-status-details-bin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import { call, grpc, includeDirs, loadProtos } from './lib/grpc.mjs';
import { createDatabase, seedUser, startOauthd } from './lib/stack.mjs';

const pkg = loadProtos(['oauthd/v1/apps.proto', 'oauthd/v1/server.proto']).oauthd.v1;

// protobufjs decoders for the error detail.
const types = new protobuf.Root();
types.resolvePath = (_origin, target) =>
  includeDirs.map((dir) => path.join(dir, target)).find((p) => fs.existsSync(p)) ?? target;
types.loadSync(['google/rpc/status.proto', 'oauthd/v1/errors.proto'], { keepCase: true });
const RpcStatus = types.lookupType('google.rpc.Status');
const AppError = types.lookupType('oauthd.v1.AppError');

let db, server, disabled, apps, appsDisabled, registration, admin, user;

function appError(err) {
  const bin = err.metadata.get('grpc-status-details-bin')[0];
  assert.ok(bin, 'grpc-status-details-bin is present');
  const status = RpcStatus.decode(bin);
  assert.equal(status.details[0].type_url, 'type.googleapis.com/oauthd.v1.AppError');
  return AppError.decode(status.details[0].value);
}

function expectError({ err }, code, id, http) {
  assert.ok(err, 'the call failed');
  assert.equal(err.code, code, err.details);
  const body = appError(err);
  assert.equal(body.id, id);
  assert.equal(body.status_code, http);
  assert.ok(body.message.length > 0);
}

before(async () => {
  db = createDatabase();
  admin = seedUser(db.url, 'system_user system_admin');
  user = seedUser(db.url, 'system_user');  // stock roles: no OAuth permission
  server = await startOauthd(db.url, ['--enable-dynamic-client-registration=true']);
  disabled = await startOauthd(db.url, ['--enable-oauth-service-provider=false']);
  const creds = grpc.credentials.createInsecure();
  apps = new pkg.OAuthApps(`127.0.0.1:${server.port}`, creds);
  appsDisabled = new pkg.OAuthApps(`127.0.0.1:${disabled.port}`, creds);
  registration = new pkg.AuthorizationServer(`127.0.0.1:${server.port}`, creds);
});

after(async () => {
  apps?.close(); appsDisabled?.close(); registration?.close();
  await server?.stop();
  await disabled?.stop();
  db?.drop();
});

test('create, get, list and delete an app', async () => {
  const created = await call(apps, 'CreateOAuthApp', {
    name: 'grpc-js app', description: 'made by grpc-js', homepage: 'https://grpcjs.example.com',
    callback_urls: ['https://grpcjs.example.com/cb'], is_trusted: true,
  }, admin.token);
  assert.equal(created.err, null, created.err?.details);
  assert.equal(created.headers.get('x-http-code')[0], '201');
  const app = created.response;
  assert.equal(app.id.length, 26);
  assert.equal(app.client_secret.length, 26);
  assert.equal(app.creator_id, admin.id);
  assert.equal(typeof app.create_at, 'number');
  assert.ok(app.create_at > 1600000000000);
  assert.equal(app.is_trusted, true);

  const got = await call(apps, 'GetOAuthApp', { app_id: app.id }, admin.token);
  assert.equal(got.err, null);
  assert.deepEqual(got.response.callback_urls, ['https://grpcjs.example.com/cb']);
  assert.equal(got.response.client_secret, app.client_secret);

  const list = await call(apps, 'GetOAuthApps', { page: '0', per_page: '10' }, admin.token);
  assert.equal(list.err, null);
  assert.ok(list.response.apps.some((a) => a.id === app.id));

  const del = await call(apps, 'DeleteOAuthApp', { app_id: app.id }, admin.token);
  assert.equal(del.err, null);
  assert.equal(del.response.status, 'OK');
  expectError(await call(apps, 'GetOAuthApp', { app_id: app.id }, admin.token),
    grpc.status.NOT_FOUND, 'app.oauth.get_app.find.app_error', 404);
});

test('one error of each status code', async () => {
  expectError(await call(apps, 'GetOAuthApps', {}, null),
    grpc.status.UNAUTHENTICATED, 'api.context.session_expired.app_error', 401);
  expectError(await call(apps, 'GetOAuthApp', { app_id: 'junk' }, admin.token),
    grpc.status.INVALID_ARGUMENT, 'api.context.invalid_url_param.app_error', 400);
  expectError(await call(apps, 'CreateOAuthApp', { name: 'x' }, user.token),
    grpc.status.PERMISSION_DENIED, 'api.context.permissions.app_error', 403);
  expectError(await call(apps, 'GetOAuthApp', { app_id: 'a'.repeat(26) }, admin.token),
    grpc.status.NOT_FOUND, 'app.oauth.get_app.find.app_error', 404);
  expectError(await call(appsDisabled, 'GetOAuthApps', {}, admin.token),
    grpc.status.UNIMPLEMENTED, 'api.oauth.allow_oauth.turn_off.app_error', 501);
  // RESOURCE_EXHAUSTED: the registration limiter (one registration per client address, then 429).
  const body = { body: { content_type: 'application/json', data: Buffer.from('{"redirect_uris":["https://x.example.com/cb"]}') } };
  const first = await call(registration, 'RegisterOAuthClient', body, null);
  assert.equal(first.err, null, first.err?.details);
  assert.equal(first.headers.get('x-http-code')[0], '201');
  const second = await call(registration, 'RegisterOAuthClient', body, null);
  assert.equal(second.err.code, grpc.status.RESOURCE_EXHAUSTED);
  const retryAfter = second.headers?.get('retry-after')[0] ?? second.err.metadata.get('retry-after')[0];
  assert.equal(retryAfter, '1');
  const detail = RpcStatus.decode(second.err.metadata.get('grpc-status-details-bin')[0]);
  assert.equal(detail.details[0].type_url, 'type.googleapis.com/google.api.HttpBody');
});
