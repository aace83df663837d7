// A real browser (Debian's Chromium, driven by playwright-core) goes through the consent page served by the real
// gateway and server: Allow lands on the app's callback with a code that exchanges for a token; Deny lands there
// with error=access_denied. A screenshot of the consent page is kept in build/test-artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium } from 'playwright-core';
import mattermost from '@mattermost/client';
import { createDatabase, seedUser, startOauthd, startGateway } from './lib/stack.mjs';

const { Client4 } = mattermost;
const artifacts = path.join(process.env.OAUTHD_BUILD_DIR ?? 'build', 'test-artifacts');

let db, server, gateway, admin, user, browser, callbackServer, callbackBase;
const hits = [];

before(async () => {
  db = createDatabase();
  admin = seedUser(db.url, 'system_user system_admin');
  user = seedUser(db.url, 'system_user');
  server = await startOauthd(db.url);
  gateway = await startGateway(server.port);
  // The OAuth client's callback: records what arrives.
  callbackServer = http.createServer((req, res) => {
    hits.push(new URL(req.url, 'http://x'));
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<p>callback reached</p>');
  });
  await new Promise((r) => callbackServer.listen(0, '127.0.0.1', r));
  callbackBase = `http://127.0.0.1:${callbackServer.address().port}/cb`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  fs.mkdirSync(artifacts, { recursive: true });
});

after(async () => {
  await browser?.close();
  await new Promise((r) => (callbackServer ? callbackServer.close(r) : r()));
  await gateway?.stop();
  await server?.stop();
  db?.drop();
});

async function newApp(name) {
  const admin4 = new Client4();
  admin4.setUrl(gateway.url);
  admin4.setToken(admin.token);
  return admin4.createOAuthApp({ name, description: `${name} wants to read your profile`,
    homepage: 'https://client.example.com', icon_url: '', callback_urls: [callbackBase] });
}

async function consentPage(app, state) {
  const context = await browser.newContext();
  await context.addCookies([{ name: 'MMAUTHTOKEN', value: user.token, url: gateway.url }]);
  const page = await context.newPage();
  const url = `${gateway.url}/oauth/authorize?response_type=code&client_id=${app.id}` +
    `&redirect_uri=${encodeURIComponent(callbackBase)}&state=${encodeURIComponent(state)}`;
  const res = await page.goto(url);
  assert.equal(res.status(), 200);
  assert.equal(await page.textContent('#app-name'), app.name);
  return { context, page };
}

test('Allow: the browser lands on the callback with a code that exchanges for a token', async () => {
  const app = await newApp('Browser App');
  const { context, page } = await consentPage(app, 'state <1>');
  await page.screenshot({ path: path.join(artifacts, 'consent-page.png'), fullPage: true });
  await Promise.all([page.waitForURL(`${callbackBase}?**`), page.click('#allow')]);
  const landed = new URL(page.url());
  assert.equal(landed.searchParams.get('state'), 'state <1>');
  const code = landed.searchParams.get('code');
  assert.equal(code.length, 52);
  assert.ok(hits.some((h) => h.searchParams.get('code') === code));
  const res = await fetch(`${gateway.url}/oauth/access_token`, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: app.id, client_secret: app.client_secret,
      code, redirect_uri: callbackBase }).toString(),
  });
  assert.equal(res.status, 200);
  const tok = await res.json();
  assert.equal(tok.access_token.length, 26);
  // The app is now authorized: the same page goes straight back to the callback.
  await page.goto(`${gateway.url}/oauth/authorize?response_type=code&client_id=${app.id}` +
    `&redirect_uri=${encodeURIComponent(callbackBase)}&state=again`);
  assert.ok(page.url().startsWith(`${callbackBase}?`), page.url());
  assert.equal(new URL(page.url()).searchParams.get('state'), 'again');
  await context.close();
});

test('Deny: the browser lands on the callback with error=access_denied', async () => {
  const app = await newApp('Denied App');
  const { context, page } = await consentPage(app, 'deny-state');
  await Promise.all([page.waitForURL(`${callbackBase}?**`), page.click('#deny')]);
  const landed = new URL(page.url());
  assert.equal(landed.searchParams.get('error'), 'access_denied');
  assert.equal(landed.searchParams.get('state'), 'deny-state');
  assert.equal(landed.searchParams.get('code'), null);
  await context.close();
});
