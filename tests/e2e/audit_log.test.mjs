// The account audit log page (DESIGN.md 17), a page of the lazily loaded module
// (docs/CONSOLE.md): operators reach it from the navigation and read who changed what, in both
// languages; viewers are not offered it, and the page says so if they open its address.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startServer, launchBrowser, loggedIn, api } from './helpers.mjs';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

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

test('an operator reads the audit log from the navigation, in both languages', async () => {
  const page = await loggedIn(browser, server);
  // Something worth reading besides the log-in: a freeze period, made through the API.
  const created = await api(page, '/freeze-periods', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ starts_at: '2030-01-01T00:00:00Z', ends_at: '2030-01-02T00:00:00Z', reason: 'audit e2e' }),
  });
  assert.equal(created.status, 201);
  const lazyRequests = [];
  page.on('request', (r) => { if (r.url().includes('console-pages')) lazyRequests.push(r.url()); });

  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByRole('heading', { name: 'Audit log' }).waitFor();
  const table = page.locator('#audit-log-table');
  await table.waitFor();
  const rows = table.locator('tbody tr');
  assert.match(await rows.first().innerText(), /freeze_period\.created/);
  assert.match(await rows.first().innerText(), /alice@acme\.example/);
  assert.match(await table.innerText(), /session\.created/);
  assert.ok(lazyRequests.length > 0, 'the page came from the lazy module');

  const violations = await page.evaluate(async (source) => {
    if (!window.axe) (0, eval)(source);
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    });
    return result.violations.map((v) => `${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  }, axeSource);
  assert.deepEqual(violations, []);

  await page.locator('#language-selector').selectOption('zh');
  await page.getByRole('heading', { name: '操作审计' }).waitFor();
  await page.locator('#audit-log-table').getByRole('columnheader', { name: '操作人' }).waitFor();
  await page.context().close();
});

test('a viewer is not offered the audit log, and its address says why', async () => {
  const page = await loggedIn(browser, server, 'victor@acme.example');
  await page.getByRole('link', { name: 'VPN Gateways' }).first().waitFor();
  assert.equal(await page.getByRole('link', { name: 'Audit log' }).count(), 0);
  await page.goto(`${server.url}/audit-log`);
  await page.getByText('Only operators can read the audit log.').waitFor();
  await page.context().close();
});
