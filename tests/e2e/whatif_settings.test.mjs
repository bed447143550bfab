// The what-if of the O&M Events dialog and the Maintenance settings page (DESIGN.md 10.1, 10.3),
// in a real browser against the real server's demo data: the what-if recomputes in the browser
// and changes nothing; the settings page previews before it saves, shows the server's refusals
// next to their field, and adds and deletes freeze periods.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startServer, launchBrowser, loggedIn, api } from './helpers.mjs';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** No WCAG 2.2 A/AA violation, as tests/e2e/a11y.test.mjs checks the other pages. */
async function assertNoViolations(page, what) {
  const violations = await page.evaluate(async (source) => {
    if (!window.axe) (0, eval)(source);
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    });
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  }, axeSource);
  assert.deepEqual(violations, [], `${what}:\n${violations.join('\n')}`);
}

let server;
let browser;

before(async () => {
  server = await startServer({ timeScale: 1 });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function openDialogOf(page, name) {
  await page.goto(`${server.url}/vpn-gateways?region=cn-hangzhou&q=${name}`);
  const row = page.locator('#gateways-table tbody tr').first();
  await row.getByRole('cell', { name }).waitFor();
  await row.getByRole('button', { name: /O&M Events/ }).click();
  const dialog = page.getByRole('dialog', { name: 'O&M Events' });
  await dialog.locator('#om-event-id').waitFor();
  return dialog;
}

test('the what-if recomputes the impact in the browser, sends nothing and changes nothing', async () => {
  const page = await loggedIn(browser, server);
  const dialog = await openDialogOf(page, 'hq-dual-tunnel');
  const id = await dialog.locator('#om-event-id').innerText();
  const before = await api(page, `/om-events/${id}`);
  assert.equal(before.status, 200);

  const panel = dialog.locator('#om-what-if');
  await panel.getByText('What if… — nothing is changed').click();
  const worst = panel.locator('#om-what-if-worst');
  const tunnels = panel.locator('#om-what-if-tunnels');
  assert.equal(await worst.innerText(), '10 minutes');
  assert.equal(await tunnels.innerText(), String(before.body.summary.tunnels));

  const sent = [];
  page.on('request', (r) => { if (r.url().includes('/api/')) sent.push(r.url()); });
  // Tunnel 2 of the connection whose only available tunnel is maintained: bring it up.
  const shenzhen2 = panel.getByRole('group', { name: /^Tunnel 2 · branch-shenzhen-one-tunnel-up/ });
  const up = shenzhen2.getByRole('checkbox', { name: 'Up' });
  assert.equal(await up.isChecked(), false);
  await up.focus();
  await page.keyboard.press('Space');
  assert.equal(await up.isChecked(), true);
  await assert.doesNotReject(() => page.waitForFunction(
    () => document.querySelector('#om-what-if-worst')?.textContent === 'under 1 minute'));
  assert.ok(await up.evaluate((e) => e === document.activeElement), 'the focus stays on the checkbox');
  // The traffic of tunnel 1 of branch-shanghai moved away: its failover costs nothing.
  const shanghai1 = panel.getByRole('group', { name: /^Tunnel 1 · branch-shanghai / });
  await shanghai1.getByRole('checkbox', { name: 'Carries traffic' }).uncheck();
  assert.equal(await worst.innerText(), 'under 1 minute', 'branch-shenzhen-one-tunnel-up now fails over, with its traffic');
  // Tunnel 1 of branch-chengdu (down) brought up while its tunnel 2 carries traffic: a failover.
  const chengdu1 = panel.getByRole('group', { name: /^Tunnel 1 · branch-chengdu-tunnel-1-down/ });
  assert.match(await panel.locator('#om-what-if-summary').innerText(), /1 tunnel not affected/);
  await chengdu1.getByRole('checkbox', { name: 'Up' }).check();
  assert.match(await panel.locator('#om-what-if-summary').innerText(), /^4 tunnels fail over/);
  assert.doesNotMatch(await panel.locator('#om-what-if-summary').innerText(), /not affected/);

  await assertNoViolations(page, 'the dialog with the what-if open');
  await panel.getByRole('button', { name: 'Reset to the real topology' }).click();
  assert.equal(await worst.innerText(), '10 minutes');
  assert.equal(await up.isChecked(), false);
  assert.deepEqual(sent, [], 'the what-if sent no request');
  // The real preview of the dialog is untouched, and so is the server.
  assert.match(await dialog.locator('#om-summary').innerText(), /10 minutes/);
  const afterwards = await api(page, `/om-events/${id}`);
  assert.deepEqual(afterwards.body.affected, before.body.affected);
  assert.equal(afterwards.body.event.version, before.body.event.version);
  await page.context().close();
});

const WINDOW = { time_zone: 'Asia/Shanghai', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '02:00', duration_minutes: 240 };

async function fillWindow(page, w) {
  await page.locator('#mw-zone').fill(w.time_zone);
  for (const d of ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']) {
    await page.locator(`#mw-day-${d}`).setChecked(w.days.includes(d));
  }
  await page.locator('#mw-start').fill(w.start);
  await page.locator('#mw-duration').fill(String(w.duration_minutes));
}

test('the settings page previews the moves, saves only on a click, and refuses a bad duration', async () => {
  const page = await loggedIn(browser, server);
  await page.getByRole('link', { name: 'Maintenance settings' }).click();
  await page.getByRole('heading', { name: 'Maintenance settings', level: 1 }).waitFor();
  const had = await api(page, '/maintenance-window');
  if (had.status === 404) await page.locator('#no-window').waitFor();
  await page.locator('#window-form').waitFor();
  const save = page.getByRole('button', { name: 'Save window' });
  assert.equal(await save.isDisabled(), true, 'Save waits for a preview');

  await fillWindow(page, WINDOW);
  const expected = await api(page, '/maintenance-window/preview', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(WINDOW),
  });
  assert.equal(expected.status, 200);
  assert.ok(expected.body.moves.length > 0, 'the demo has events the window moves');
  await page.getByRole('button', { name: 'Preview' }).click();
  const rows = page.locator('#mw-preview-moves tbody tr');
  await rows.first().waitFor();
  const shown = await page.locator('#mw-preview-moves tbody tr td:first-child').allInnerTexts();
  assert.deepEqual(shown.sort(), expected.body.moves.map((m) => m.event_id).sort());
  // Nothing is saved by the preview.
  const first = expected.body.moves[0];
  const untouched = await api(page, `/om-events/${first.event_id}`);
  assert.equal(new Date(untouched.body.event.execute_at).getTime(), new Date(first.from).getTime());
  assert.equal((await api(page, '/maintenance-window')).status, had.status);

  // An edit makes the preview stale.
  await page.locator('#mw-start').fill('03:00');
  assert.equal(await save.isDisabled(), true);
  await page.locator('#mw-start').fill('02:00');
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.locator('#mw-preview-moves tbody tr').first().waitFor();
  await page.waitForFunction(() => !document.querySelector('#mw-save').disabled);
  await save.click();
  await page.locator('#mw-saved-moves').waitFor();
  const stored = await api(page, '/maintenance-window');
  assert.equal(stored.status, 200);
  assert.equal(stored.body.start, '02:00');
  for (const m of expected.body.moves) {
    const e = await api(page, `/om-events/${m.event_id}`);
    assert.equal(new Date(e.body.event.execute_at).getTime(), new Date(m.to).getTime(), m.event_id);
  }

  // A duration under an hour: the server's refusal next to the field; nothing changes.
  await page.locator('#mw-duration').fill('30');
  await page.getByRole('button', { name: 'Preview' }).click();
  const error = page.locator('#error-duration_minutes');
  await error.waitFor();
  assert.match(await error.innerText(), /duration/i);
  assert.equal(await page.locator('#mw-duration').getAttribute('aria-invalid'), 'true');
  assert.equal(await save.isDisabled(), true);
  assert.deepEqual((await api(page, '/maintenance-window')).body, stored.body);
  // An unknown zone, the same way.
  await page.locator('#mw-duration').fill('240');
  await page.locator('#mw-zone').fill('Mars/Olympus');
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.locator('#error-time_zone').waitFor();
  assert.equal(await page.locator('#error-duration_minutes').count(), 0);
  await assertNoViolations(page, 'the settings page with a refusal and the saved moves');
  await page.context().close();
});

test('freeze periods are added and deleted with a confirmation', async () => {
  const page = await loggedIn(browser, server);
  await page.goto(`${server.url}/maintenance?region=cn-hangzhou`);
  await page.locator('#freeze-form').waitFor();
  const before = await api(page, '/freeze-periods');
  // In the viewer's zone (Asia/Shanghai, UTC+8): 2031-01-10 08:00 to 2031-01-11 08:00.
  await page.locator('#fz-starts').fill('2031-01-10T08:00');
  await page.locator('#fz-ends').fill('2031-01-11T08:00');
  await page.locator('#fz-reason').fill('Year-end change freeze');
  await page.getByRole('button', { name: 'Add freeze period' }).click();
  const row = page.locator('#freeze-table tbody tr', { hasText: 'Year-end change freeze' });
  await row.waitFor();
  assert.equal(await page.locator('#fz-reason').inputValue(), '', 'the form is cleared');
  const listed = await api(page, '/freeze-periods');
  assert.equal(listed.body.length, before.body.length + 1);
  const added = listed.body.find((f) => f.reason === 'Year-end change freeze');
  assert.equal(new Date(added.starts_at).toISOString(), '2031-01-10T00:00:00.000Z');
  assert.equal(new Date(added.ends_at).toISOString(), '2031-01-11T00:00:00.000Z');

  // Reversed: refused next to a field, nothing added.
  await page.locator('#fz-starts').fill('2031-02-10T08:00');
  await page.locator('#fz-ends').fill('2031-02-09T08:00');
  await page.locator('#fz-reason').fill('Backwards');
  await page.getByRole('button', { name: 'Add freeze period' }).click();
  await page.locator('#freeze-form .error').first().waitFor();
  assert.equal((await api(page, '/freeze-periods')).body.length, before.body.length + 1);

  await assertNoViolations(page, 'the settings page with a freeze period');
  await row.getByRole('button', { name: 'Delete' }).click();
  await row.getByText('Delete this freeze period?').waitFor();
  await row.getByRole('button', { name: 'Keep it' }).click();
  assert.equal((await api(page, '/freeze-periods')).body.length, before.body.length + 1);
  await row.getByRole('button', { name: 'Delete' }).click();
  await row.getByRole('button', { name: 'Yes, delete' }).click();
  await row.waitFor({ state: 'detached' });
  assert.equal((await api(page, '/freeze-periods')).body.length, before.body.length);
  await page.context().close();
});

test('a viewer sees the settings read-only', async () => {
  const page = await loggedIn(browser, server, 'victor@acme.example');
  await page.goto(`${server.url}/maintenance?region=cn-hangzhou`);
  await page.locator('#settings-read-only').waitFor();
  // The window the operator saved above, shown but not editable.
  assert.equal((await api(page, '/maintenance-window')).status, 200);
  await page.locator('#window-form').waitFor();
  assert.equal(await page.locator('#mw-zone').inputValue(), 'Asia/Shanghai');
  assert.equal(await page.locator('#mw-zone').isDisabled(), true);
  assert.equal(await page.locator('#mw-day-mon').isDisabled(), true);
  assert.equal(await page.getByRole('button', { name: 'Save window' }).count(), 0);
  assert.equal(await page.locator('#freeze-form').count(), 0);
  // The server refuses a viewer's write anyway.
  const refused = await api(page, '/freeze-periods', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ starts_at: '2032-01-01T00:00:00Z', ends_at: '2032-01-02T00:00:00Z', reason: 'x' }),
  });
  assert.equal(refused.status, 403);
  await page.context().close();
});
