// The Notifications page in Chromium against the real server: webhooks (add, secret shown once
// with a copy button, test ping, delivery log, Retry of a failed delivery, delete), the calendar
// feed (create, copy, rotate, delete), and a viewer's read-only view. Receivers are small local
// HTTP servers; the server runs with WEBHOOK_ALLOW_PRIVATE=1 so it may call them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startServer, launchBrowser, loggedIn, api } from './helpers.mjs';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let server;
let browser;

before(async () => {
  process.env.WEBHOOK_ALLOW_PRIVATE = '1';
  // The retry schedule (3 h 42 min in all) passes in about 1.3 s.
  server = await startServer({ timeScale: 10_000 });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A receiver on 127.0.0.1 (on `port`, or any free one) that records what it gets. */
function receiver(port = 0) {
  const received = [];
  const http = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { received.push({ headers: req.headers, body }); res.writeHead(200).end('ok'); });
  });
  return new Promise((ok) => http.listen(port, '127.0.0.1', () => ok({
    received, port: http.address().port, url: `http://127.0.0.1:${http.address().port}/hook`,
    close: () => new Promise((done) => http.close(done)),
  })));
}

async function freePort() {
  const r = await receiver();
  await r.close();
  return r.port;
}

async function until(what, f, timeout = 20_000) {
  const start = Date.now();
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() - start > timeout) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The Standard Webhooks signature, computed here independently of the server. */
function verify(secret, { headers, body }) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signed = `${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`;
  const expected = `v1,${createHmac('sha256', key).update(signed).digest('base64')}`;
  assert.equal(headers['webhook-signature'], expected);
}

async function addWebhook(page, url, types = []) {
  await page.getByLabel('Endpoint URL').fill(url);
  for (const t of types) await page.locator('.webhook-form').getByRole('checkbox', { name: t }).check();
  await page.getByRole('button', { name: 'Add webhook' }).click();
  const secret = await page.locator('#webhook-secret').textContent();
  assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  return secret;
}

function rowOf(page, url) {
  return page.locator('#webhooks-table tbody tr').filter({ hasText: url });
}

async function deliveryStatus(page, status) {
  await until(`a ${status} delivery`, async () => {
    await page.locator('#deliveries').getByRole('button', { name: 'Refresh' }).click();
    return (await page.locator('#deliveries-table tbody tr').first().textContent().catch(() => '')).includes(status);
  });
}

test('an operator adds a webhook, sees its secret once, tests it, reads the delivery log and deletes it', async () => {
  const page = await loggedIn(browser, server);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.getByRole('link', { name: 'Notifications' }).click();
  await page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();

  const hook = await receiver();
  const secret = await addWebhook(page, hook.url, ['ping', 'om_event.rescheduled']);
  await page.locator('.secret').getByRole('button', { name: 'Copy' }).click();
  await page.locator('.secret').getByRole('button', { name: 'Copied' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
  const row = rowOf(page, hook.url);
  await row.waitFor();
  assert.match(await row.textContent(), /ping, om_event\.rescheduled/);

  // The secret is shown only in the answer to the creation: a reload shows none.
  await page.reload();
  await rowOf(page, hook.url).waitFor();
  assert.equal(await page.locator('#webhook-secret').count(), 0);

  await rowOf(page, hook.url).getByRole('button', { name: 'Send test' }).click();
  await page.getByText('Test ping queued.').waitFor();
  await until('the ping', () => hook.received.length >= 1);
  const ping = hook.received[0];
  verify(secret, ping);
  assert.equal(JSON.parse(ping.body).type, 'ping');

  await rowOf(page, hook.url).getByRole('button', { name: 'Deliveries' }).click();
  await deliveryStatus(page, 'Delivered');
  const first = page.locator('#deliveries-table tbody tr').first();
  assert.match(await first.textContent(), /ping/);
  assert.match(await first.textContent(), /200/);

  await rowOf(page, hook.url).getByRole('button', { name: 'Delete' }).click();
  await until('the row to go', async () => (await rowOf(page, hook.url).count()) === 0);
  await hook.close();
});

test('a failed delivery is retried from the log once the receiver is back', async () => {
  const page = await loggedIn(browser, server);
  await page.goto(`${server.url}/notifications`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/hook`;
  const secret = await addWebhook(page, url, ['ping']);
  await rowOf(page, url).getByRole('button', { name: 'Send test' }).click();
  await rowOf(page, url).getByRole('button', { name: 'Deliveries' }).click();
  await deliveryStatus(page, 'Failed');
  const failed = page.locator('#deliveries-table tbody tr').first();
  assert.match(await failed.textContent(), /connect/);
  // A ping is tried once, never retried (DESIGN.md 17); the log's Retry tries it again.
  assert.equal((await failed.locator('td').nth(2).textContent()).trim(), '1');

  const back = await receiver(port);
  await failed.getByRole('button', { name: 'Retry' }).click();
  await deliveryStatus(page, 'Delivered');
  await until('the retried ping', () => back.received.length >= 1);
  verify(secret, back.received[0]);
  await back.close();
});

test('the calendar feed URL is created, copied, rotated and deleted', async () => {
  const page = await loggedIn(browser, server);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto(`${server.url}/notifications`);
  await page.getByRole('button', { name: 'Create feed URL' }).click();
  const field = page.locator('#calendar-url');
  await field.waitFor();
  const first = await field.inputValue();
  assert.match(first, /\/api\/v1\/calendar\/cal_[0-9a-f]+\.ics$/);
  // Calendar apps send no cookie.
  let res = await fetch(first);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/calendar; charset=utf-8');
  assert.match(await res.text(), /^BEGIN:VCALENDAR\r\n/);

  await page.getByRole('button', { name: 'Copy' }).click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), first);

  await page.getByRole('button', { name: 'Rotate' }).click();
  await until('a new URL', async () => (await field.inputValue()) !== first);
  const second = await field.inputValue();
  assert.equal((await fetch(first)).status, 404);
  assert.equal((await fetch(second)).status, 200);

  await page.getByRole('button', { name: 'Delete feed' }).click();
  await page.getByText('The feed URL no longer works.').waitFor();
  assert.equal((await fetch(second)).status, 404);
});

test('a viewer sees the webhooks and their log read-only', async () => {
  const operator = await loggedIn(browser, server);
  await operator.goto(`${server.url}/notifications`);
  const hook = await receiver();
  await addWebhook(operator, hook.url);

  const page = await loggedIn(browser, server, 'victor@acme.example');
  await page.getByRole('link', { name: 'Notifications' }).click();
  await page.locator('#webhooks-read-only').waitFor();
  // A viewer sees the target with its path masked (DESIGN.md 17): secrets live in URLs.
  const masked = `${new URL(hook.url).origin}/…`;
  await rowOf(page, masked).waitFor();
  assert.equal(await page.getByText(hook.url).count(), 0, 'the whole URL is not shown to a viewer');
  assert.equal(await page.getByRole('button', { name: 'Add webhook' }).count(), 0);
  assert.equal(await rowOf(page, masked).getByRole('button', { name: 'Send test' }).count(), 0);
  assert.equal(await rowOf(page, masked).getByRole('button', { name: 'Delete' }).count(), 0);
  await rowOf(page, masked).getByRole('button', { name: 'Deliveries' }).click();
  await page.locator('#deliveries').waitFor();
  await hook.close();
});

async function axe(page) {
  return page.evaluate(async (source) => {
    if (!window.axe) (0, eval)(source);
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    });
    return result.violations.map((v) => `${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  }, axeSource);
}

test('an operator adds a Slack channel, reschedules an event and sees the delivery listed as delivered; test, delete with a confirmation; axe in both languages', async () => {
  const page = await loggedIn(browser, server);
  await page.getByRole('link', { name: 'Notifications' }).click();
  await page.getByRole('heading', { name: 'Channels', level: 2 }).waitFor();
  const slack = await receiver();
  // The form asks for what the kind needs: a routing key for PagerDuty, a secret only for robots that sign.
  await page.locator('#channel-kind').selectOption('pagerduty');
  await page.getByLabel('Routing key (Events API v2)').waitFor();
  assert.equal(await page.locator('#channel-secret').count(), 0);
  await page.locator('#channel-kind').selectOption('dingtalk');
  await page.locator('#channel-secret').waitFor();
  await page.locator('#channel-kind').selectOption('slack');
  assert.equal(await page.locator('#channel-secret').count(), 0);
  await page.getByLabel('Incoming webhook URL').fill(slack.url);
  await page.getByLabel('Name', { exact: true }).fill('ops room');
  await page.getByLabel('Time zone (IANA)').fill('Asia/Shanghai');
  assert.deepEqual(await axe(page), []);
  await page.getByRole('button', { name: 'Add channel' }).click();
  const row = page.locator('#channels-table tbody tr').filter({ hasText: 'ops room' });
  await row.waitFor();
  // An operator sees the target the server returns; the server masks it for viewers.
  assert.match(await row.textContent(), /Slack/);
  assert.match(await row.textContent(), /Asia\/Shanghai/);

  const list = await api(page, '/regions/cn-hangzhou/vpn-gateways?q=hq-dual-tunnel');
  const id = list.body.items[0].om_events.current.id;
  const detail = await api(page, `/om-events/${id}`);
  const at = new Date(Date.now() + 2 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  const moved = await api(page, `/om-events/${id}/execution`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'if-match': detail.etag },
    body: JSON.stringify({ mode: 'at', execute_at: at }),
  });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  await until('the Slack message', () => slack.received.some((r) => r.body.includes(id)));
  const message = JSON.parse(slack.received.find((r) => r.body.includes(id)).body);
  assert.deepEqual(message.blocks.map((b) => b.type), ['header', 'section', 'actions']);
  assert.match(JSON.stringify(message.blocks[1]), /\(UTC\+08:00\)/);

  await row.getByRole('button', { name: 'Deliveries' }).click();
  await until('the delivery listed as delivered', async () => {
    await page.locator('#channel-deliveries').getByRole('button', { name: 'Refresh' }).click();
    const first = await page.locator('#channel-deliveries-table tbody tr').first().textContent().catch(() => '');
    return first.includes('Delivered') && first.includes('om_event.rescheduled');
  });
  await row.getByRole('button', { name: 'Send test' }).click();
  await page.getByText('Test message queued: it is sent once, not retried.').waitFor();
  await until('the test message', () => slack.received.some((r) => r.body.includes('vpn-sample')));
  assert.deepEqual(await axe(page), []);

  // The test limit is the server's: its refusal is shown in its words.
  for (let i = 0; i < 10; i += 1) await api(page, `/channels/${await channelId(page, 'ops room')}/test`, { method: 'POST' });
  await row.getByRole('button', { name: 'Send test' }).click();
  await page.getByText(/at most 10 test messages a minute/).waitFor();

  await page.locator('#language-selector').selectOption('zh');
  await page.getByRole('heading', { name: '通知渠道', level: 2 }).waitFor();
  await page.getByText('渠道类型', { exact: true }).waitFor();
  assert.deepEqual(await axe(page), []);
  await page.locator('#language-selector').selectOption('en');
  await page.getByRole('heading', { name: 'Channels', level: 2 }).waitFor();

  // Delete asks first; "Keep it" keeps it.
  const kept = page.locator('#channels-table tbody tr').filter({ hasText: 'ops room' });
  await kept.getByRole('button', { name: 'Delete' }).click();
  await kept.getByText('Delete this channel? Its messages stop.').waitFor();
  await kept.getByRole('button', { name: 'Keep it' }).click();
  await kept.getByRole('button', { name: 'Delete' }).click();
  await kept.getByRole('button', { name: 'Yes, delete' }).click();
  await until('the row to go', async () => (await kept.count()) === 0);
  await slack.close();
  await page.context().close();
});

async function channelId(page, name) {
  const list = await api(page, '/channels');
  return list.body.find((c) => c.name === name).id;
}

test('a viewer sees the channels with their targets masked, and no change buttons', async () => {
  const operator = await loggedIn(browser, server);
  const hook = await receiver();
  const made = await api(operator, '/channels', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'wecom', name: 'viewer check', target: `${hook.url}?key=secret-key`, language: 'zh-CN', time_zone: 'Asia/Shanghai' }),
  });
  assert.equal(made.status, 201, JSON.stringify(made.body));

  const page = await loggedIn(browser, server, 'victor@acme.example');
  await page.getByRole('link', { name: 'Notifications' }).click();
  await page.locator('#channels-read-only').waitFor();
  const row = page.locator('#channels-table tbody tr').filter({ hasText: 'viewer check' });
  await row.waitFor();
  assert.match(await row.textContent(), new RegExp(`${new URL(hook.url).origin.replace(/[.]/g, '\\.')}/…`));
  assert.doesNotMatch(await row.textContent(), /secret-key/);
  assert.equal(await page.locator('#channel-form').count(), 0);
  assert.equal(await row.getByRole('button', { name: 'Send test' }).count(), 0);
  assert.equal(await row.getByRole('button', { name: 'Delete' }).count(), 0);
  await row.getByRole('button', { name: 'Deliveries' }).click();
  await page.locator('#channel-deliveries').waitFor();
  assert.deepEqual(await axe(page), []);
  await hook.close();
});
