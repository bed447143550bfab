// The Approvals page (DESIGN.md 14), a page of the lazily loaded module: the navigation counts
// the pending requests; the requester sees the request with its risk and may withdraw it; another
// operator approves it with a comment; a viewer reads it without buttons; both languages; axe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startServer, launchBrowser, loggedIn, api } from './helpers.mjs';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let server;
let browser;

before(async () => {
  server = await startServer({ timeScale: 120 });
  browser = await launchBrowser();
  // A second operator of the account (the demo has one): the same password as alice's.
  execFileSync('sqlite3', ['-cmd', '.timeout 20000', server.db,
    "INSERT INTO users (email, account_id, password_hash, role) SELECT 'olga@acme.example', account_id, password_hash, 'operator' FROM users WHERE email = 'alice@acme.example'"]);
});

after(async () => {
  await browser?.close();
  await server?.stop();
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

/** Sends Execute Now of `q`'s current event for approval; answers the request. */
async function request(page, q, reason, ticket) {
  const list = await api(page, `/regions/cn-hangzhou/vpn-gateways?q=${q}`);
  const id = list.body.items[0].om_events.current.id;
  const detail = await api(page, `/om-events/${id}`);
  const sent = await api(page, `/om-events/${id}/execution`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'If-Match': detail.etag, 'Idempotency-Key': `e2e-${q}` },
    body: JSON.stringify({ mode: 'now', reason, ticket }),
  });
  assert.equal(sent.status, 202, JSON.stringify(sent.body));
  return sent.body;
}

test('the requester sees the pending request and the count in the navigation; another operator approves it', async () => {
  const alice = await loggedIn(browser, server);
  const put = await api(alice, '/approval-policy', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ require_for: ['execute_now'], min_approvals: 1 }),
  });
  assert.equal(put.status, 200);
  const first = await request(alice, 'hq-dual-tunnel', 'the tunnel flaps', 'CHG-7');
  const second = await request(alice, 'retail-single-tunnel', 'second one', null);

  // The badge: read when the session starts and on live changes.
  await alice.reload();
  const link = alice.getByRole('link', { name: /^Approvals ?, 2 pending$/ });
  await link.waitFor();
  await link.click();
  await alice.getByRole('heading', { name: 'Approvals', level: 1 }).waitFor();
  const card = alice.locator(`#approval-${first.id}`);
  await card.waitFor();
  const text = await card.innerText();
  assert.match(text, /the tunnel flaps/);
  assert.match(text, /CHG-7/);
  assert.match(text, /alice@acme\.example/);
  assert.match(text, /Execute Now/);
  assert.match(text, /tunnels? affected|No tunnel is affected/);
  assert.match(text, /Time left/);
  assert.match(text, /You asked for this change: another person decides it\./);
  assert.equal(await card.getByRole('button', { name: 'Approve' }).count(), 0, 'no approving one\'s own request');
  assert.deepEqual(await axe(alice), []);

  // The requester withdraws the second one, after saying so twice.
  const other = alice.locator(`#approval-${second.id}`);
  await other.getByRole('button', { name: 'Cancel request' }).click();
  await other.getByText('Withdraw this request? The events keep their times.').waitFor();
  await other.getByRole('button', { name: 'Cancel request' }).click();
  await alice.getByText('The request is withdrawn.').waitFor();
  await alice.locator('#approvals-earlier').locator(`#approval-${second.id}`).getByText('Cancelled').waitFor();
  await alice.getByRole('link', { name: /^Approvals ?, 1 pending$/ }).waitFor();

  // The event opens the O&M Events dialog over the page.
  await card.getByRole('button', { name: first.event_ids[0] }).click();
  const dialog = alice.getByRole('dialog', { name: 'O&M Events' });
  await dialog.locator('#om-event-id').waitFor();
  await alice.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });

  // Another operator approves it with a comment; the requester's page follows live.
  const olga = await loggedIn(browser, server, 'olga@acme.example');
  await olga.getByRole('link', { name: /^Approvals ?, 1 pending$/ }).click();
  const hers = olga.locator(`#approval-${first.id}`);
  await hers.getByLabel('Comment (optional)').fill('go ahead');
  await hers.getByRole('button', { name: 'Approve' }).click();
  await olga.getByText('Approved.').waitFor();
  const done = olga.locator('#approvals-earlier').locator(`#approval-${first.id}`);
  await done.waitFor();
  assert.match(await done.innerText(), /olga@acme\.example approved/);
  assert.match(await done.innerText(), /go ahead/);
  await olga.getByRole('link', { name: 'Approvals', exact: true }).waitFor();
  await alice.locator('#approvals-earlier').locator(`#approval-${first.id}`).waitFor();
  await alice.getByRole('link', { name: 'Approvals', exact: true }).waitFor();
  assert.equal((await api(olga, `/approvals/${first.id}`)).body.status, 'approved');

  await olga.locator('#language-selector').selectOption('zh');
  await olga.getByRole('heading', { name: '审批', level: 1 }).waitFor();
  await olga.getByRole('heading', { name: '以往的申请' }).waitFor();
  await alice.context().close();
  await olga.context().close();
});

test('a viewer reads the requests without buttons', async () => {
  const alice = await loggedIn(browser, server);
  const req = await request(alice, 'remote-access-ssl', 'viewer check', null);
  const victor = await loggedIn(browser, server, 'victor@acme.example');
  await victor.getByRole('link', { name: /^Approvals/ }).click();
  const card = victor.locator(`#approval-${req.id}`);
  await card.getByText('viewer check').waitFor();
  assert.equal(await card.getByRole('button', { name: 'Approve' }).count(), 0);
  assert.equal(await card.getByRole('button', { name: 'Cancel request' }).count(), 0);
  // The server's answer to a decision the page does not offer.
  const refused = await api(alice, `/approvals/${req.id}/decision`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ decision: 'approve', comment: null }),
  });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, 'own_request');
  await alice.context().close();
  await victor.context().close();
});

test.skip('an operator saves the approval policy on the Maintenance page; the bulk dialog then asks why (the policy form is not merged: it made the page panic)', async () => {
  const alice = await loggedIn(browser, server);
  await alice.getByRole('link', { name: 'Maintenance settings' }).click();
  const form = alice.locator('#approval-policy-form');
  await form.waitFor();
  assert.ok(await form.getByLabel('Execute Now').isChecked(), 'the policy as the first test left it');
  await form.getByLabel('Execute Now').uncheck();
  await form.getByLabel('Bulk changes').check();
  await form.getByLabel('Approvals needed').selectOption('2');
  await form.getByRole('button', { name: 'Save approval policy' }).click();
  await alice.locator('#ap-saved').getByText('Approval policy saved.').waitFor();
  const saved = await api(alice, '/approval-policy');
  assert.deepEqual(saved.body, { require_for: ['bulk'], min_approvals: 2 });
  assert.deepEqual(await axe(alice), []);

  // A bulk change now needs a reason, and is sent for approval.
  await alice.goto(`${server.url}/vpn-gateways?region=cn-hangzhou&q=retail-single-tunnel`);
  const row = alice.locator('#gateways-table tbody tr').first();
  await row.locator('input.om-select').check();
  await alice.getByRole('button', { name: 'Handle O&M events (1)' }).click();
  const dialog = alice.getByRole('dialog', { name: 'O&M Events (bulk)' });
  await dialog.locator('#bulk-impact').waitFor();
  const reason = dialog.getByLabel('Reason');
  await reason.waitFor();
  assert.ok(await dialog.locator('#bulk-ok').isDisabled(), 'no reason, no OK');
  await reason.fill('bulk, with a reason');
  await dialog.getByLabel('Ticket (optional)').fill('CHG-9');
  await dialog.locator('#bulk-ok:not([disabled])').click();
  await dialog.locator('#bulk-results').getByText('sent for approval').waitFor();
  const pending = await api(alice, '/approvals?status=pending');
  const mine = pending.body.items.find((r) => r.reason === 'bulk, with a reason');
  assert.ok(mine, JSON.stringify(pending.body));
  assert.equal(mine.ticket, 'CHG-9');
  await alice.context().close();

  // A viewer reads the policy and cannot change it.
  const victor = await loggedIn(browser, server, 'victor@acme.example');
  await victor.getByRole('link', { name: 'Maintenance settings' }).click();
  const read = victor.locator('#approval-policy-form');
  await read.waitFor();
  assert.ok(await read.getByLabel('Bulk changes').isChecked());
  assert.ok(await read.getByLabel('Bulk changes').isDisabled());
  assert.equal(await read.getByRole('button', { name: 'Save approval policy' }).count(), 0);
  await victor.locator('#language-selector').selectOption('zh');
  await victor.getByRole('heading', { name: '审批策略' }).waitFor();
  await victor.context().close();
});
