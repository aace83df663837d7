// The official @mattermost/client (Client4) against oauthd-gateway → oauthd → MariaDB: every OAuth app method it
// has succeeds and parses, and failures arrive as ClientError with Mattermost's server_error_id and status_code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import mattermost from '@mattermost/client';
import { createDatabase, seedUser, startOauthd, startGateway, sql } from './lib/stack.mjs';

const { Client4, ClientError } = mattermost;

let db, server, gateway, admin, user, adminClient, userClient;

function clientFor(token) {
  const c = new Client4();
  c.setUrl(gateway.url);
  if (token) c.setToken(token);
  return c;
}

async function expectClientError(promise, statusCode, serverErrorId) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof ClientError, `a ClientError, got ${err}`);
    assert.equal(err.status_code, statusCode, err.message);
    assert.equal(err.server_error_id, serverErrorId);
    assert.ok(err.message.length > 0);
    return true;
  });
}

const newApp = (name = 'Client4 app') => ({
  name, description: 'made by @mattermost/client', homepage: 'https://client4.example.com',
  icon_url: 'https://client4.example.com/icon.png', callback_urls: ['https://client4.example.com/cb'],
  is_trusted: false,
  // Client4 posts whole objects; the server ignores what it does not take.
  id: '', creator_id: 'ignored', create_at: 0, update_at: 0, client_secret: 'ignored',
});

before(async () => {
  db = createDatabase();
  admin = seedUser(db.url, 'system_user system_admin');
  user = seedUser(db.url, 'system_user');
  server = await startOauthd(db.url, ['--enable-dynamic-client-registration=true']);
  gateway = await startGateway(server.port);
  adminClient = clientFor(admin.token);
  userClient = clientFor(user.token);
});

after(async () => {
  await gateway?.stop();
  await server?.stop();
  db?.drop();
});

test('createOAuthApp, getOAuthApp, getOAuthApps, editOAuthApp, regenOAuthAppSecret, getOAuthAppInfo, deleteOAuthApp',
  async () => {
    const app = await adminClient.createOAuthApp(newApp());
    assert.equal(app.id.length, 26);
    assert.equal(app.creator_id, admin.id);
    assert.equal(app.client_secret.length, 26);
    assert.notEqual(app.client_secret, 'ignored');
    assert.equal(typeof app.create_at, 'number');
    assert.deepEqual(app.callback_urls, ['https://client4.example.com/cb']);
    assert.equal(app.is_dynamically_registered, undefined);  // omitempty

    const got = await adminClient.getOAuthApp(app.id);
    assert.deepEqual(got, app);

    const list = await adminClient.getOAuthApps(0, 10);
    assert.ok(Array.isArray(list));
    assert.ok(list.some((a) => a.id === app.id));
    assert.deepEqual(await adminClient.getOAuthApps(5, 10), []);

    const edited = await adminClient.editOAuthApp({ ...app, name: 'Renamed', description: 'edited' });
    assert.equal(edited.name, 'Renamed');
    assert.equal(edited.client_secret, app.client_secret);
    assert.ok(edited.update_at >= app.update_at);

    const regen = await adminClient.regenOAuthAppSecret(app.id);
    assert.notEqual(regen.client_secret, app.client_secret);

    const info = await userClient.getOAuthAppInfo(app.id);
    assert.equal(info.client_secret, '');
    assert.equal(info.name, 'Renamed');

    const status = await adminClient.deleteOAuthApp(app.id);
    assert.deepEqual(status, { status: 'OK' });
    await expectClientError(adminClient.getOAuthApp(app.id), 404, 'app.oauth.get_app.find.app_error');
  });

test('getAuthorizedOAuthApps lists the apps a user authorized, without secrets', async () => {
  const app = await adminClient.createOAuthApp(newApp('authorized'));
  sql(db.url, `INSERT INTO Preferences (UserId, Category, Name, Value) VALUES ('${user.id}', 'oauth_app', '${app.id}', 'user')`);
  const mine = await userClient.getAuthorizedOAuthApps('me');
  assert.equal(mine.length, 1);
  assert.equal(mine[0].id, app.id);
  assert.equal(mine[0].client_secret, '');
  assert.deepEqual(await adminClient.getAuthorizedOAuthApps(admin.id), []);
  await expectClientError(userClient.getAuthorizedOAuthApps(admin.id), 403, 'api.context.permissions.app_error');
});

test('errors arrive as ClientError with the server error id and status', async () => {
  await expectClientError(clientFor(null).getOAuthApps(), 401, 'api.context.session_expired.app_error');
  await expectClientError(adminClient.getOAuthApp('junk'), 400, 'api.context.invalid_url_param.app_error');
  await expectClientError(userClient.createOAuthApp(newApp()), 403, 'api.context.permissions.app_error');
  await expectClientError(userClient.getOAuthApps(), 403, 'api.command.admin_only.app_error');
  await expectClientError(adminClient.getOAuthApp('a'.repeat(26)), 404, 'app.oauth.get_app.find.app_error');
  await expectClientError(adminClient.createOAuthApp({ ...newApp(), callback_urls: ['not a url'] }), 400,
    'model.oauth.is_valid.callback.app_error');
  const app = await adminClient.createOAuthApp(newApp('for edit'));
  await expectClientError(adminClient.editOAuthApp({ ...app, id: 'b'.repeat(26) }), 404,
    'app.oauth.get_app.find.app_error');
  await expectClientError(adminClient.editOAuthApp({ ...app, homepage: '' }), 400,
    'model.oauth.is_valid.homepage.app_error');
  await expectClientError(userClient.editOAuthApp(app), 403, 'api.context.permissions.app_error');
});
