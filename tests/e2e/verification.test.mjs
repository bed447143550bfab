// After the maintenance (DESIGN.md 12–13) in the O&M Events dialog: an event of the demo's
// redundant site whose customer gateway only answers IKE (`startup_action: add`) runs to
// completion; its tunnel stays down, so the dialog shows the verification table with the hint
// in words, in both languages, and an operator may re-check at once. The other path's event,
// executed now, is held by it, and the dialog offers to start it anyway after a confirmation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startServer, launchBrowser, loggedIn, api } from './helpers.mjs';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

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

async function currentEvent(page, name) {
  const list = await api(page, `/regions/cn-hangzhou/vpn-gateways?q=${name}`);
  assert.equal(list.status, 200);
  return list.body.items[0].om_events.current;
}

async function openDialogOf(page, name) {
  await page.goto(`${server.url}/vpn-gateways?region=cn-hangzhou&q=${name}`);
  const row = page.locator('#gateways-table tbody tr').first();
  await row.getByRole('cell', { name }).waitFor();
  await row.getByRole('button', { name: /O&M Events|运维事件/ }).click();
  const dialog = page.getByRole('dialog', { name: /O&M Events|运维事件/ });
  await dialog.locator('#om-event-id').waitFor();
  return { row, dialog };
}

async function axe(page) {
  return page.evaluate(async (source) => {
    if (!window.axe) (0, eval)(source);
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    });
    return result.violations.map((v) => `${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  }, axeSource);
}

async function executeNow(page, id) {
  const detail = await api(page, `/om-events/${id}`);
  return api(page, `/om-events/${id}/execution`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'If-Match': detail.etag, 'Idempotency-Key': crypto.randomUUID() },
    body: JSON.stringify({ mode: 'now' }),
  });
}

async function until(what, check, timeout = 60_000) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 250));
  }
}

test('a completed event of the add site shows its verification with the hint, in both languages; an operator re-checks', async () => {
  const page = await loggedIn(browser, server);
  const event = await currentEvent(page, 'site-primary-gw');
  assert.equal((await executeNow(page, event.id)).status, 200);
  // 600 s of maintenance and a 10-minute deadline at time scale 120: 5 s each.
  const done = await until('a verdict', async () => {
    const d = await api(page, `/om-events/${event.id}`);
    return d.body.verification && d.body.verification.status !== 'pending' ? d.body : null;
  });
  assert.equal(done.verification.status, 'failed');
  const cgw = done.verification.tunnels.find((r) => r.result === 'down').customer_gateway_id;

  const { dialog } = await openDialogOfEvent(page, event.id);
  assert.equal(await page.locator('#history-table').getByRole('button', { name: event.id }).count(), 1);
  await dialog.getByRole('heading', { name: 'Did it come back?' }).waitFor();
  assert.match(await dialog.locator('#om-verdict').innerText(), /Failed: a tunnel did not come back\./);
  const table = dialog.locator('table.verification');
  await table.getByRole('columnheader', { name: 'What to do' }).waitFor();
  const text = await table.innerText();
  assert.match(text, /IKE down/);
  assert.ok(text.includes(`Your device answers IKE but does not start it: start the tunnel from ${cgw}`), text);
  assert.deepEqual(await axe(page), []);

  // Re-check: the server's answer replaces the table in place (still down, still failed).
  const recheck = page.waitForResponse((r) => r.url().endsWith(`/om-events/${event.id}/verification`) && r.request().method() === 'POST');
  await dialog.getByRole('button', { name: 'Re-check now' }).click();
  assert.equal((await recheck).status(), 200);
  await dialog.getByRole('button', { name: 'Re-check now' }).waitFor();
  assert.match(await dialog.locator('#om-verdict').innerText(), /Failed/);
  assert.equal(await dialog.locator('#om-recheck-refusal').innerText(), '');

  await dialog.getByRole('button', { name: 'Close' }).first().click();
  await dialog.waitFor({ state: 'hidden' });
  await page.locator('#language-selector').selectOption('zh');
  await page.locator('#history-table').getByRole('button', { name: event.id }).click();
  await dialog.locator('#om-event-id').waitFor();
  await dialog.getByRole('heading', { name: '维护后是否恢复？' }).waitFor();
  assert.match(await dialog.locator('#om-verdict').innerText(), /失败：有隧道未恢复。/);
  const zh = await dialog.locator('table.verification').innerText();
  assert.ok(zh.includes(`您的设备只响应 IKE 而不主动发起：请从`), zh);
  assert.ok(zh.includes(cgw));
  await dialog.getByRole('button', { name: '立即重新检查' }).waitFor();
  assert.deepEqual(await axe(page), []);
  await page.context().close();
});

/** The dialog of an event by its id, from the history page (its event ids open the dialog). */
async function openDialogOfEvent(page, id) {
  await page.goto(`${server.url}/history?region=cn-hangzhou`);
  const button = page.locator('#history-table').getByRole('button', { name: id });
  await button.waitFor();
  await button.click();
  const dialog = page.getByRole('dialog', { name: /O&M Events|运维事件/ });
  await dialog.locator('#om-event-id').waitFor();
  assert.equal((await dialog.locator('#om-event-id').innerText()).trim(), id);
  return { dialog };
}

test('a viewer reads the verification but is offered no Re-check', async () => {
  const page = await loggedIn(browser, server, 'victor@acme.example');
  const history = await api(page, '/regions/cn-hangzhou/om-events?days=1');
  assert.equal(history.status, 200);
  const done = history.body.items.find((e) => e.status === 'completed' && e.resource.id);
  const verified = await until('a completed event with a verdict', async () => {
    for (const e of (await api(page, '/regions/cn-hangzhou/om-events?days=1')).body.items) {
      if (e.status !== 'completed') continue;
      const d = await api(page, `/om-events/${e.id}`);
      if (d.body.verification) return e.id;
    }
    return null;
  });
  assert.ok(done || verified);
  const { dialog } = await openDialogOfEvent(page, verified);
  await dialog.locator('#om-verdict').waitFor();
  assert.equal(await dialog.getByRole('button', { name: 'Re-check now' }).count(), 0);
  await page.context().close();
});
