// The O&M Events dialog under an approval policy (DESIGN.md 14): it asks for the reason, says
// "Sent for approval" on a 202, shows the event's pending request, and its requester cancels it.
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

test('a covered Execute Now asks why, is sent for approval, and its requester cancels it', async () => {
  const page = await loggedIn(browser, server);
  const put = await api(page, '/approval-policy', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ require_for: ['execute_now'], min_approvals: 1 }),
  });
  assert.equal(put.status, 200);
  const list = await api(page, '/regions/cn-hangzhou/vpn-gateways?q=hq-dual-tunnel');
  const event = (await api(page, `/om-events/${list.body.items[0].om_events.current.id}`)).body.event;

  await page.goto(`${server.url}/vpn-gateways?region=cn-hangzhou&q=hq-dual-tunnel`);
  const row = page.locator('#gateways-table tbody tr').first();
  await row.getByRole('cell', { name: 'hq-dual-tunnel' }).waitFor();
  await row.getByRole('button', { name: /O&M Events/ }).click();
  const dialog = page.getByRole('dialog', { name: 'O&M Events' });
  await dialog.locator('#om-event-id').waitFor();

  const reason = dialog.getByLabel('Reason');
  await reason.waitFor();
  await dialog.getByText("This change needs another person's approval: say why.").waitFor();
  assert.ok(await dialog.locator('#om-ok').isDisabled(), 'no reason, no OK');
  await reason.fill('the tunnel flaps');
  await dialog.getByLabel('Ticket (optional)').fill('CHG-1');
  await dialog.locator('#om-ok').click();
  await dialog.locator('#om-ok').click(); // the confirmation of Execute Now
  await dialog.getByText('Sent for approval. It is applied when another person approves it.').waitFor();
  await dialog.getByText(/Waiting for approval: Execute Now/).waitFor();
  assert.ok(await dialog.locator('#om-ok').isDisabled(), 'one request at a time');

  const pending = await api(page, '/approvals?status=pending');
  assert.equal(pending.body.total, 1);
  assert.equal(pending.body.items[0].reason, 'the tunnel flaps');
  assert.equal(pending.body.items[0].ticket, 'CHG-1');
  const after = await api(page, `/om-events/${event.id}`);
  assert.equal(after.body.event.version, event.version, 'the event is unchanged');

  await dialog.getByRole('button', { name: 'Cancel request' }).click();
  await dialog.getByText(/Waiting for approval/).waitFor({ state: 'detached' });
  const cancelled = await api(page, `/approvals/${pending.body.items[0].id}`);
  assert.equal(cancelled.body.status, 'cancelled');
  await page.context().close();
});
