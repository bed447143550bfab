// Live updates: two pages of the same user; what one changes shows in the other's row and open
// dialog without a reload.
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

// Asia/Shanghai has no DST: local = UTC + 8 h, as the tests' browser context is set.
const shanghaiInput = (iso) => new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 16);

async function listOf(page, name) {
  await page.goto(`${server.url}/vpn-gateways?region=cn-hangzhou&q=${name}`);
  const row = page.locator('#gateways-table tbody tr').first();
  await row.getByRole('cell', { name }).waitFor();
  return row;
}

async function openDialog(page, row) {
  await row.getByRole('button', { name: /O&M Events/ }).click();
  const dialog = page.getByRole('dialog', { name: 'O&M Events' });
  await dialog.locator('#om-event-id').waitFor();
  return dialog;
}

test('a reschedule in one page shows in the other page\'s row and open dialog, without a reload', async () => {
  const name = 'retail-single-tunnel';
  const one = await loggedIn(browser, server);
  const other = await loggedIn(browser, server);
  const otherRow = await listOf(other, name);
  const event = (await api(other, `/regions/cn-hangzhou/vpn-gateways?q=${name}`)).body.items[0].om_events.current;
  await other.evaluate(() => { window.__noReload = true; });
  const otherDialog = await openDialog(other, otherRow);
  // The user of the other page has begun to choose a time.
  await otherDialog.getByRole('radio', { name: 'Specify Execution Time' }).check();
  assert.equal(await other.locator('.live-paused').innerText(), '', 'the stream is up');

  const dialog = await openDialog(one, await listOf(one, name));
  await dialog.getByRole('radio', { name: 'Specify Execution Time' }).check();
  const target = new Date(Date.parse(event.default_execute_at) - 24 * 3600_000).toISOString();
  await dialog.locator('#om-execute-at').fill(shanghaiInput(target));
  await dialog.locator('#om-ok').click();
  await dialog.waitFor({ state: 'detached' });

  const shown = shanghaiInput(target).replace('T', ' ') + ' UTC+08:00';
  // Behind the open dialog, the row changed in place.
  await otherRow.getByText(`Scheduled: ${shown}`).waitFor({ timeout: 5000 });
  await otherDialog.getByText('This O&M event has just changed').waitFor({ timeout: 5000 });
  await otherDialog.getByText(shown).first().waitFor();
  // Still pending: the choice begun is kept.
  assert.ok(await otherDialog.getByRole('radio', { name: 'Specify Execution Time' }).isChecked());

  // Executed now from the first page: the other dialog no longer offers a time.
  const detail = await api(one, `/om-events/${event.id}`);
  const now = await api(one, `/om-events/${event.id}/execution`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'if-match': detail.etag },
    body: JSON.stringify({ mode: 'now' }),
  });
  assert.equal(now.status, 200);
  await otherDialog.getByRole('radio', { name: 'Specify Execution Time' }).waitFor({ state: 'detached', timeout: 5000 });
  assert.ok(await otherDialog.locator('#om-ok').isDisabled(), 'nothing to send for a started event');
  await otherRow.getByText('Executing').waitFor({ timeout: 5000 });
  assert.equal(await other.evaluate(() => window.__noReload), true, 'same page, no reload');
  await one.context().close();
  await other.context().close();
});

test('the top bar says when live updates are paused, and changes made meanwhile arrive once the stream is back', async () => {
  const name = 'hq-dual-tunnel';
  const page = await loggedIn(browser, server);
  // The stream cannot be reached (the network drops it, as a proxy that is down would).
  await page.route('**/api/v1/stream*', (route) => route.abort('connectionrefused'));
  const row = await listOf(page, name);
  await page.evaluate(() => { window.__noReload = true; });
  const paused = page.locator('.live-paused');
  await paused.getByText('Live updates paused — retrying').waitFor({ timeout: 10_000 });
  assert.equal(await paused.getAttribute('role'), 'status', 'announced to screen readers');

  // Meanwhile someone reschedules the event.
  const event = (await api(page, `/regions/cn-hangzhou/vpn-gateways?q=${name}`)).body.items[0].om_events.current;
  const detail = await api(page, `/om-events/${event.id}`);
  const target = new Date(Date.parse(event.default_execute_at) - 36 * 3600_000).toISOString();
  const res = await api(page, `/om-events/${event.id}/execution`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'if-match': detail.etag },
    body: JSON.stringify({ mode: 'at', execute_at: target }),
  });
  assert.equal(res.status, 200);

  // The network is back: the indicator goes, and the change shows in the row without a reload.
  await page.unroute('**/api/v1/stream*');
  await page.waitForFunction(() => document.querySelector('.live-paused')?.innerText === '', null, { timeout: 30_000 });
  const shown = shanghaiInput(target).replace('T', ' ') + ' UTC+08:00';
  await row.getByText(`Scheduled: ${shown}`).waitFor({ timeout: 10_000 });
  assert.equal(await page.evaluate(() => window.__noReload), true, 'same page, no reload');
  await page.context().close();
});
