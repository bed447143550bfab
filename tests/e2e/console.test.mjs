// Journeys through the served console in Chromium against the real server with demo data.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, loggedIn, api } from './helpers.mjs';

let server;
let browser;

before(async () => {
  server = await startServer({ timeScale: 120 });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The gateway row with this name, and the id of its current event. */
async function currentEvent(page, name) {
  const list = await api(page, `/regions/cn-hangzhou/vpn-gateways?q=${name}`);
  assert.equal(list.status, 200);
  return list.body.items[0].om_events.current;
}

// Asia/Shanghai has no DST: local = UTC + 8 h, as the tests' browser context is set.
const shanghaiInput = (iso) => new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 16);

async function openDialogOf(page, name) {
  await page.goto(`${server.url}/vpn-gateways?region=cn-hangzhou&q=${name}`);
  const row = page.locator('#gateways-table tbody tr').first();
  await row.getByRole('cell', { name }).waitFor();
  await row.getByRole('button', { name: /O&M Events/ }).click();
  const dialog = page.getByRole('dialog', { name: 'O&M Events' });
  await dialog.locator('#om-event-id').waitFor();
  return { row, dialog };
}

test('the region selector shows the regions of the database, and the region survives a reload', async () => {
  const page = await loggedIn(browser, server);
  const regions = await api(page, '/regions');
  const options = await page.locator('#region-selector option').allTextContents();
  assert.deepEqual(options, regions.body.map((r) => r.name));
  assert.ok(options.length >= 4);

  await page.locator('#region-selector').selectOption('ap-southeast-1');
  await page.waitForURL(/region=ap-southeast-1/);
  await page.locator('#gateways-table tbody tr').first().getByRole('cell', { name: /sg-gw-/ }).waitFor();
  await page.reload();
  await page.locator('#gateways-table tbody tr').first().getByRole('cell', { name: /sg-gw-/ }).waitFor();
  assert.equal(await page.locator('#region-selector').inputValue(), 'ap-southeast-1');
  await page.goBack();
  await page.waitForURL(/region=cn-hangzhou/);
  assert.equal(await page.locator('#region-selector').inputValue(), 'cn-hangzhou');
  await page.context().close();
});

test('a page load asks for the session, the regions and its list once each, or not at all when the server drew it', async () => {
  const home = await loggedIn(browser, server);
  // A context with the session only: its first load is the console's own (no view cookie yet).
  const context = await browser.newContext({ timezoneId: 'Asia/Shanghai', locale: 'en-US' });
  await context.addCookies((await home.context().cookies()).filter((c) => c.name === 'om_session'));
  // A new tab each time, so that no request of an earlier page is counted.
  const counted = async (url) => {
    const tab = await context.newPage();
    const seen = [];
    tab.on('request', (r) => { if (new URL(r.url()).pathname.startsWith('/api/')) seen.push(new URL(r.url())); });
    // The stream is opened once the console runs.
    const stream = tab.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/stream');
    const html = await (await tab.goto(url)).text();
    await tab.locator('#gateways-table').waitFor();
    await tab.locator('#region-selector').waitFor();
    await stream;
    const count = {};
    for (const u of seen) count[u.pathname] = (count[u.pathname] ?? 0) + 1;
    return { count, seen, tab, drawn: html.includes('id="om-first-page"') };
  };
  // index.html starts these before the wasm runs; the console must take them over, not repeat them.
  const plain = await counted(`${server.url}/vpn-gateways?region=cn-hangzhou`);
  assert.equal(plain.drawn, false);
  // And one live updates stream, opened once the session is known, and one read of the pending
  // approval requests for the navigation's badge (DESIGN.md 14).
  assert.deepEqual(plain.count, {
    '/api/v1/approvals': 1,
    '/api/v1/session': 1,
    '/api/v1/regions': 1,
    '/api/v1/regions/cn-hangzhou/vpn-gateways': 1,
    '/api/v1/stream': 1,
  });
  // The inline script ran (the server's CSP allows it by its hash) and every answer was taken.
  assert.deepEqual(await plain.tab.evaluate(() => Object.keys(window.omEarly.responses)), []);
  // From now on the server draws the page (docs/first-page.md): the console asks for nothing it
  // was drawn from, which also shows that the server files the answers under the addresses the
  // browser builds, odd characters included.
  for (const url of [`${server.url}/vpn-gateways?region=cn-hangzhou`, `${server.url}/vpn-gateways?region=cn-hangzhou&q=hq-dual(1)%20%2B!`]) {
    const drawn = await counted(url);
    assert.equal(drawn.drawn, true, url);
    assert.deepEqual(drawn.count, { '/api/v1/approvals': 1, '/api/v1/stream': 1 }, JSON.stringify(drawn.seen));
    assert.deepEqual(await drawn.tab.evaluate(() => Object.keys(window.omEarly.responses)), []);
  }
  await context.close();
  await home.context().close();
});

test('opening the dialog, looking and cancelling changes nothing', async () => {
  const page = await loggedIn(browser, server);
  const before = await currentEvent(page, 'hq-dual-tunnel');
  const logBefore = await api(page, `/om-events/${before.id}/log`);
  const { dialog } = await openDialogOf(page, 'hq-dual-tunnel');

  await assert.doesNotReject(dialog.getByText('IPsec Address 1').first().waitFor());
  const summary = await dialog.locator('#om-summary').innerText();
  assert.match(summary, /2 tunnels fail over, 1 tunnel interrupted, 1 tunnel not affected, at most 10 minutes/);
  assert.equal(await dialog.locator('table.affected tbody tr').count(), 4);
  assert.ok(await dialog.getByRole('radio', { name: 'Execute Now' }).isChecked(), 'Execute Now is the default');

  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
  // Escape closes it too.
  const again = await openDialogOf(page, 'hq-dual-tunnel');
  await page.keyboard.press('Escape');
  await again.dialog.waitFor({ state: 'detached' });

  const detail = await api(page, `/om-events/${before.id}`);
  assert.equal(detail.body.event.version, 1);
  assert.equal(detail.body.event.execute_at, before.execute_at);
  assert.deepEqual((await api(page, `/om-events/${before.id}/log`)).body, logBefore.body);
  await page.context().close();
});

test('a time after the default execution time is refused in the browser', async () => {
  const page = await loggedIn(browser, server);
  const event = await currentEvent(page, 'hq-dual-tunnel');
  const { dialog } = await openDialogOf(page, 'hq-dual-tunnel');
  await dialog.getByRole('radio', { name: 'Specify Execution Time' }).check();
  const input = dialog.locator('#om-execute-at');
  const late = new Date(Date.parse(event.default_execute_at) + 3600_000).toISOString();
  await input.fill(shanghaiInput(late));
  await dialog.getByText(/must not be later than the default execution time/).waitFor();
  assert.ok(await dialog.locator('#om-ok').isDisabled(), 'OK stays disabled');
  await input.fill('2020-01-01T10:00');
  await dialog.getByText(/in the past/).waitFor();
  assert.ok(await dialog.locator('#om-ok').isDisabled());
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  const after = await api(page, `/om-events/${event.id}`);
  assert.equal(after.body.event.version, 1, 'nothing reached the server');
  await page.context().close();
});

test('rescheduling to a valid time updates the row without reloading the page', async () => {
  const page = await loggedIn(browser, server);
  const event = await currentEvent(page, 'staging-no-connections');
  const { row, dialog } = await openDialogOf(page, 'staging-no-connections');
  await page.evaluate(() => { window.__noReload = true; });
  await dialog.getByRole('radio', { name: 'Specify Execution Time' }).check();
  const target = new Date(Date.parse(event.default_execute_at) - 24 * 3600_000).toISOString();
  await dialog.locator('#om-execute-at').fill(shanghaiInput(target));
  await dialog.locator('#om-ok').click();
  await dialog.waitFor({ state: 'detached' });
  const shown = shanghaiInput(target).replace('T', ' ') + ' UTC+08:00';
  await row.getByText(`Scheduled: ${shown}`).waitFor();
  assert.equal(await page.evaluate(() => window.__noReload), true, 'same page, no reload');
  const after = await api(page, `/om-events/${event.id}`);
  assert.equal(after.body.event.execute_at, target.replace('.000Z', 'Z'));
  const log = await api(page, `/om-events/${event.id}/log`);
  assert.deepEqual(log.body.map((e) => e.action), ['published', 'rescheduled']);
  await page.context().close();
});

test('Execute Now asks for confirmation, then the event runs and completes', async () => {
  const page = await loggedIn(browser, server);
  const event = await currentEvent(page, 'remote-access-ssl');
  const { row, dialog } = await openDialogOf(page, 'remote-access-ssl');
  await dialog.locator('#om-ok').click();
  await dialog.getByRole('heading', { name: 'Execute this O&M event now?' }).waitFor();
  assert.match(await dialog.locator('#om-confirm-text').innerText(), /25 SSL clients disconnect/);
  assert.equal((await api(page, `/om-events/${event.id}`)).body.event.version, 1, 'nothing sent before the confirmation');
  await dialog.getByRole('button', { name: 'Execute Now' }).click();
  await dialog.waitFor({ state: 'detached' });
  await row.getByText('Executing').waitFor({ timeout: 15_000 });
  // 600 s of maintenance at time scale 120 is 5 s.
  await row.getByText('Current: —').waitFor({ timeout: 30_000 });
  const done = await api(page, `/om-events/${event.id}`);
  assert.equal(done.body.event.status, 'completed');
  const previous = shanghaiInput(done.body.event.started_at).replace('T', ' ');
  await row.getByText(`Previous: ${previous}`).waitFor();
  const log = await api(page, `/om-events/${event.id}/log`);
  // Its tunnels came back: verified at completion (DESIGN.md 12.2).
  assert.deepEqual(log.body.map((e) => e.action), ['published', 'execute_now', 'started', 'completed', 'verified']);
  await page.context().close();
});

test('a viewer sees the preview but cannot press OK', async () => {
  const page = await loggedIn(browser, server, 'victor@acme.example');
  const { dialog } = await openDialogOf(page, 'retail-single-tunnel');
  await dialog.getByText(/Your role is viewer/).waitFor();
  assert.ok(await dialog.locator('#om-ok').isDisabled());
  assert.match(await dialog.locator('#om-summary').innerText(), /2 tunnels interrupted, at most 10 minutes; 8 SSL clients disconnect/);
  await page.context().close();
});

test('a viewer logging in for the first time is never asked for an empty region', async () => {
  for (const path of ['/vpn-gateways', '/history']) {
    // A fresh context: no region remembered, none in the address.
    const context = await browser.newContext({ timezoneId: 'Asia/Shanghai', locale: 'en-US' });
    const page = await context.newPage();
    const seen = [];
    page.on('request', (r) => { const u = new URL(r.url()); if (u.pathname.startsWith('/api/')) seen.push(u.pathname); });
    await page.goto(`${server.url}${path}`);
    await page.getByLabel('Email').fill('victor@acme.example');
    await page.getByLabel('Password').fill('demo-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/region=cn-hangzhou/);
    await page.locator(path === '/history' ? '#history-table tbody tr' : '#gateways-table tbody tr').first().waitFor();
    assert.deepEqual(seen.filter((p) => p.includes('/regions//')), [], `${path}: ${seen.join(' ')}`);
    assert.ok(seen.some((p) => p.startsWith('/api/v1/regions/cn-hangzhou/')), `${path}: the region's data was asked for`);
    await context.close();
  }
});

test('in Simplified Chinese the region names and the gateway status are Chinese, and the history pills stay on one line', async () => {
  const context = await browser.newContext({ timezoneId: 'Asia/Shanghai', locale: 'zh-CN', viewport: { width: 1024, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${server.url}/vpn-gateways?region=cn-hangzhou`);
  await page.getByLabel('邮箱').fill('alice@acme.example');
  await page.getByLabel('密码').fill('demo-password');
  await page.getByRole('button', { name: '登录' }).click();
  const first = page.locator('#gateways-table tbody tr').first();
  await first.waitFor();
  // The provider's own Chinese names, not the server's English ones.
  const options = await page.locator('#region-selector option').allTextContents();
  assert.ok(options.includes('华东1（杭州）'), options.join(', '));
  assert.ok(!options.includes('China (Hangzhou)'), options.join(', '));
  assert.equal(await page.locator('#region-selector option:checked').textContent(), '华东1（杭州）');
  assert.equal(await first.locator('td:nth-child(3) .badge').textContent(), '正常');

  await page.goto(`${server.url}/history?region=cn-hangzhou`);
  const pills = page.locator('#history-table tbody .badge');
  await pills.first().waitFor();
  // The lines each pill's text takes up: a pill that wraps puts its characters on several.
  const lines = await pills.evaluateAll((els) => els.map((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
  }));
  assert.ok(lines.length > 0);
  assert.deepEqual([...new Set(lines)], [1], `lines per pill: ${lines.join(' ')}`);
  await context.close();
});

test('the history page downloads its events as CSV, for the region and for every region', async () => {
  const page = await loggedIn(browser, server);
  await page.goto(`${server.url}/history?region=cn-hangzhou`);
  await page.locator('#history-table tbody tr').first().waitFor();
  const rows = await page.locator('#history-table tbody tr').count();
  for (const [name, file, atLeast] of [
    ['Download CSV (this region)', 'om-events-cn-hangzhou.csv', rows],
    ['Download CSV (all regions)', 'om-events.csv', rows + 1],
  ]) {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name }).click(),
    ]);
    assert.equal(download.suggestedFilename(), file);
    const chunks = [];
    for await (const chunk of await download.createReadStream()) chunks.push(chunk);
    const bytes = Buffer.concat(chunks);
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a byte-order mark for Excel');
    const text = bytes.subarray(3).toString('utf8');
    assert.ok(text.startsWith('id,region,resource_kind,resource_id,resource_name,'), text.slice(0, 80));
    const records = text.split('\r\n').filter((l) => l !== '');
    assert.ok(records.length - 1 >= atLeast, `${name}: ${records.length - 1} rows, the page shows ${rows}`);
  }
  // The page stayed where it was: a download is not a navigation.
  assert.match(page.url(), /\/history\?region=cn-hangzhou/);
  await page.context().close();
});
