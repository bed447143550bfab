// Conflicts marked in the lists and bulk execution (DESIGN.md 10.2, 10.4) in the browser,
// against the real server's demo data: the conflicting pair of the redundant site, the row
// checkboxes, the bulk O&M Events dialog with its combined impact, the browser's refusal of a
// time after the earliest default, and one bulk request answered per row.
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

const shanghaiInput = (iso) => new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 16);

/** The gateways list of cn-hangzhou (a search, or page 1), once its rows are shown. */
async function gateways(page, q = '') {
  await page.goto(`${server.url}/vpn-gateways?region=cn-hangzhou&q=${q}`);
  await page.locator('#gateways-table tbody tr').first().waitFor();
  const listed = await api(page, `/regions/cn-hangzhou/vpn-gateways?q=${q}&page=1&page_size=20`);
  return listed.body.items;
}

/** The pending events of list items, as the API has them now. */
async function pendingOf(page, items) {
  const ids = items.map((i) => i.om_events.current).filter((e) => e?.status === 'pending').map((e) => e.id);
  return Promise.all(ids.map(async (id) => (await api(page, `/om-events/${id}`)).body));
}

async function openBulk(page, count) {
  await page.locator('#bulk-count').getByText(`Selected: ${count}`).waitFor();
  await page.getByRole('button', { name: `Handle O&M events (${count})` }).click();
  const dialog = page.getByRole('dialog', { name: 'O&M Events (bulk)' });
  await dialog.locator('#bulk-impact').waitFor();
  return dialog;
}

function durationText(s) {
  if (s === 0) return 'none';
  if (s <= 60) return 'under 1 minute';
  return `${Math.ceil(s / 60)} minutes`;
}

test('the conflicting pair of the redundant site is marked in both lists, in words', async () => {
  const page = await loggedIn(browser, server);
  const items = await gateways(page, 'site-');
  const marked = items.filter((i) => i.om_events.current?.conflict);
  assert.equal(marked.length, 2, 'the demo has a conflicting pair');
  for (const item of marked) {
    const badge = page.locator(`#gateways-table tr[data-id="${item.id}"] .badge.conflict`);
    assert.equal(await badge.innerText(), '⚠ Conflict');
    assert.match(await badge.getAttribute('title'), /same time as another event on the same customer gateway/);
  }
  // A row whose event conflicts with nothing has no mark.
  const plain = (await gateways(page, 'hq-dual-tunnel'))[0];
  assert.equal(plain.om_events.current.conflict, false);
  assert.equal(await page.locator('#gateways-table .badge.conflict').count(), 0);

  // The IPsec Connections list marks the same way, row for row as the API says.
  await page.goto(`${server.url}/ipsec-connections?region=cn-hangzhou&q=factory-suzhou`);
  await page.locator('#connections-table tbody tr').first().waitFor();
  const conns = await api(page, '/regions/cn-hangzhou/ipsec-connections?q=factory-suzhou&page=1&page_size=20');
  const conflicting = conns.body.items.filter((i) => i.om_events.current?.conflict).length;
  assert.equal(await page.locator('#connections-table .badge.conflict').count(), conflicting);
  assert.equal(
    await page.locator('#connections-table input.om-select').count(),
    conns.body.items.filter((i) => i.om_events.current?.status === 'pending').length,
  );
  await page.context().close();
});

test('rows with a pending event get a checkbox; the bulk dialog shows the combined impact and changes nothing', async () => {
  const page = await loggedIn(browser, server);
  const items = await gateways(page);
  const pending = items.filter((i) => i.om_events.current?.status === 'pending');
  assert.ok(pending.length >= 2 && pending.length < items.length, 'page 1 has rows with and without a pending event');
  assert.equal(await page.locator('#gateways-table input.om-select').count(), pending.length);
  for (const item of items.filter((i) => !i.om_events.current)) {
    assert.equal(await page.locator(`tr[data-id="${item.id}"] input.om-select`).count(), 0);
  }
  // Select all on the page, then none, then the redundant site's pair.
  const all = page.getByRole('checkbox', { name: 'Select every pending O&M event on this page' });
  await all.check();
  await page.locator('#bulk-count').getByText(`Selected: ${pending.length}`).waitFor();
  await all.uncheck();
  await page.locator('#bulk-count').getByText('Selected: 0').waitFor();
  assert.ok(await page.locator('#bulk-open').isDisabled());

  const site = await gateways(page, 'site-');
  for (const item of site) {
    await page.getByRole('checkbox', { name: `Select the O&M event of ${item.id}` }).check();
  }
  assert.ok(await all.isChecked(), 'every pending event of the page is selected');
  const details = await pendingOf(page, site);
  const dialog = await openBulk(page, 2);

  // The combined impact, computed here from the events' own details.
  const tunnels = new Set();
  const connections = new Set();
  let ssl = 0;
  let worst = 0;
  for (const d of details) {
    ssl += d.summary.ssl_clients;
    worst = Math.max(worst, d.summary.max_interruption_s);
    for (const a of d.affected) if (a.kind !== 'ssl_clients' && a.connection_id) { tunnels.add(a.id); connections.add(a.connection_id); }
  }
  assert.ok(tunnels.size >= 2, 'both paths of the site are hit');
  assert.equal(
    await dialog.locator('#bulk-impact').innerText(),
    `2 O&M events: ${tunnels.size} tunnels of ${connections.size} connections affected, ${ssl} SSL clients disconnected, worst interruption ${durationText(worst)}.`,
  );
  // The pair conflicts, said once.
  const conflicts = await dialog.locator('#bulk-conflicts').innerText();
  assert.equal(conflicts.match(/Runs together with O&M event/g)?.length, 1, conflicts);
  assert.match(conflicts, /customer gateway cgw-\S+ would lose its redundant paths at once\./);
  assert.equal(await dialog.locator('#bulk-results li').count(), 2);
  assert.ok(await dialog.getByRole('radio', { name: 'Execute Now' }).isChecked(), 'Execute Now is the default');

  // Keyboard: Escape closes and the focus goes back to the button that opened it.
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'bulk-open');
  for (const d of details) {
    const now = (await api(page, `/om-events/${d.event.id}`)).body.event;
    assert.equal(now.version, d.event.version, 'opening and closing changed nothing');
    assert.equal(now.execute_at, d.event.execute_at);
  }
  await page.context().close();
});

test('a time after the earliest default among the selected is refused in the browser', async () => {
  const page = await loggedIn(browser, server);
  const items = await gateways(page);
  const details = await pendingOf(page, items);
  const defaults = details.map((d) => Date.parse(d.event.default_execute_at));
  const earliest = Math.min(...defaults);
  assert.ok(Math.max(...defaults) > earliest + 3600_000, 'the selected have different defaults');
  const posts = [];
  page.on('request', (r) => { if (r.method() !== 'GET') posts.push(r.url()); });

  await page.getByRole('checkbox', { name: 'Select every pending O&M event on this page' }).check();
  const dialog = await openBulk(page, details.length);
  await dialog.getByRole('radio', { name: 'Specify Execution Time' }).check();
  const input = dialog.locator('#om-execute-at');
  // The field starts at the latest allowed time, the earliest default.
  assert.equal(await input.inputValue(), shanghaiInput(new Date(earliest).toISOString()));
  assert.match(await dialog.locator('#om-bounds').innerText(), /earliest default execution time among the selected/);
  await input.fill(shanghaiInput(new Date(earliest + 3600_000).toISOString()));
  const shown = shanghaiInput(new Date(earliest).toISOString()).replace('T', ' ');
  await dialog.getByText(`The execution time must not be later than the earliest default execution time among the selected (${shown} UTC+08:00).`).waitFor();
  assert.ok(await dialog.locator('#bulk-ok').isDisabled(), 'OK stays disabled');
  // A time before it is accepted by the same check.
  await input.fill(shanghaiInput(new Date(earliest - 3600_000).toISOString()));
  await dialog.locator('#bulk-ok:not([disabled])').waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });

  assert.deepEqual(posts, [], 'nothing was sent');
  for (const d of details) {
    const now = (await api(page, `/om-events/${d.event.id}`)).body.event;
    assert.equal(now.version, d.event.version);
    assert.equal(now.execute_at, d.event.execute_at);
  }
  await page.context().close();
});

test('a valid time for the selected is one bulk request, answered per row', async () => {
  const page = await loggedIn(browser, server);
  const items = await gateways(page, 'hz-gw-000');
  // Two events of the fleet, not of the redundant site: a common time creates no conflict.
  const details = (await pendingOf(page, items)).slice(0, 2);
  assert.equal(details.length, 2);
  const earliest = Math.min(...details.map((d) => Date.parse(d.event.default_execute_at)));
  const target = new Date(Math.floor((earliest - 6 * 3600_000) / 60_000) * 60_000).toISOString();
  const bulk = [];
  page.on('request', (r) => { if (r.url().endsWith('/om-events/bulk-execution')) bulk.push(r); });

  for (const d of details) {
    await page.getByRole('checkbox', { name: `Select the O&M event of ${d.event.resource.id}` }).check();
  }
  const dialog = await openBulk(page, 2);
  await dialog.getByRole('radio', { name: 'Specify Execution Time' }).check();
  await dialog.locator('#om-execute-at').fill(shanghaiInput(target));
  await dialog.locator('#bulk-ok:not([disabled])').click();
  for (const d of details) {
    await dialog.locator(`#bulk-results li[data-id="${d.event.id}"]`).getByText(/ · Done$/).waitFor();
  }
  assert.equal(bulk.length, 1, 'one request for both');
  // The browser's crypto.randomUUID().
  assert.match(bulk[0].headers()['idempotency-key'] ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const body = JSON.parse(bulk[0].postData());
  assert.equal(body.mode, 'at');
  assert.deepEqual(body.events.map((e) => e.id).sort(), details.map((d) => d.event.id).sort());

  for (const d of details) {
    const now = (await api(page, `/om-events/${d.event.id}`)).body.event;
    assert.equal(now.execute_at, target.replace('.000Z', 'Z'));
    assert.equal(now.version, d.event.version + 1);
  }
  // The focus stays in the dialog (OK has nothing left to send), so the keyboard closes it.
  await page.waitForFunction(() => document.activeElement?.id === 'bulk-cancel');
  // The list follows: the rows show the new time, and the done events are no longer selected.
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  const scheduled = `Scheduled: ${shanghaiInput(target).replace('T', ' ')} UTC+08:00`;
  for (const d of details) {
    await page.locator(`#gateways-table tr[data-id="${d.event.resource.id}"]`).getByText(scheduled).waitFor();
  }
  await page.locator('#bulk-count').getByText('Selected: 0').waitFor();
  await page.context().close();
});

test('Execute Now of the conflicting pair asks for consent when the server says it creates a conflict', async () => {
  const page = await loggedIn(browser, server);
  const site = await gateways(page, 'site-');
  const details = await pendingOf(page, site);
  for (const item of site) {
    await page.getByRole('checkbox', { name: `Select the O&M event of ${item.id}` }).check();
  }
  const dialog = await openBulk(page, 2);
  await dialog.locator('#bulk-ok').click();
  // The first starts now; the second would then run together with it.
  await dialog.getByText(/ · Done$/).waitFor();
  const refused = dialog.locator('#bulk-results li').filter({ hasText: / · Refused: / });
  await refused.waitFor();
  const consent = dialog.getByRole('checkbox', { name: /Run them anyway/ });
  await consent.waitFor();
  assert.ok(await dialog.locator('#bulk-ok').isDisabled(), 'OK waits for the consent');
  await page.waitForFunction(() => document.activeElement?.id === 'bulk-allow-conflict');
  const refusedId = await refused.getAttribute('data-id');
  assert.equal((await api(page, `/om-events/${refusedId}`)).body.event.status, 'pending');

  await consent.check();
  await dialog.locator('#bulk-ok:not([disabled])').click();
  await dialog.locator(`#bulk-results li[data-id="${refusedId}"]`).getByText(/ · Done$/).waitFor();
  // Both are accepted; at run time one path at a time (DESIGN.md 13): the second waits, held
  // while its partner executes, and starts when it completes.
  for (const d of details) {
    let now;
    for (let i = 0; i < 50; i += 1) {
      now = (await api(page, `/om-events/${d.event.id}`)).body;
      if (['executing', 'completed'].includes(now.event.status) || now.hold?.reason === 'partner_executing') break;
      await page.waitForTimeout(200);
    }
    assert.ok(['executing', 'completed'].includes(now.event.status) || now.hold?.reason === 'partner_executing',
      `${d.event.id} is ${now.event.status}, hold ${JSON.stringify(now.hold)}`);
  }
  const log = (await api(page, `/om-events/${refusedId}/log`)).body;
  assert.ok(log.some((e) => e.actor === 'alice@acme.example'), 'logged as the operator');
  await page.context().close();
});

test('a viewer sees the combined impact but cannot press OK', async () => {
  const page = await loggedIn(browser, server, 'victor@acme.example');
  await gateways(page, 'hq-dual-tunnel');
  await page.locator('#select-all').check();
  const dialog = await openBulk(page, 1);
  await dialog.getByText('Your role is viewer').waitFor();
  assert.ok(await dialog.locator('#bulk-ok').isDisabled());
  await page.context().close();
});
