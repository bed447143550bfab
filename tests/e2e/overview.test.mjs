// The Overview (DESIGN.md 16), a page of the lazily loaded module (docs/CONSOLE.md): the landing
// page after log-in, a timeline whose bars open the O&M Events dialog, the at-risk list, the
// counts per region, "Show as table" and the zoom, in both languages, axe clean.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startServer, launchBrowser, api } from './helpers.mjs';

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

async function axe(page, what) {
  const violations = await page.evaluate(async (source) => {
    if (!window.axe) (0, eval)(source);
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    });
    return result.violations.map((v) => `${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  }, axeSource);
  assert.deepEqual(violations, [], `${what}:\n${violations.join('\n')}`);
}

test('log-in lands on the Overview: its bars open the dialog, the lists and the table agree with the API', async () => {
  const context = await browser.newContext({ timezoneId: 'Asia/Shanghai', locale: 'en-US', viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(`${server.url}/`);
  await page.getByLabel('Email').fill('alice@acme.example');
  await page.getByLabel('Password').fill('demo-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/\/overview/);
  await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
  const bars = page.locator('#overview-timeline g.tl-event');
  await bars.first().waitFor();

  const ov = (await api(page, '/overview?days=14')).body;
  // A bar per event and site it reaches (one for an event that reaches none).
  const expectedBars = ov.events.reduce((n, e) => n + Math.max(1, e.customer_gateway_ids.length), 0);
  assert.equal(await bars.count(), expectedBars);
  assert.equal(await page.locator('#at-risk-list li').count(), ov.at_risk.length);
  assert.equal(await page.locator('#region-counts tbody tr').count(), ov.regions.length);
  await page.locator('#region-counts').getByRole('link', { name: 'China (Beijing)' }).waitFor();

  // A bar's name says which event, and a click opens its dialog over the Overview.
  const bar = bars.first();
  const id = await bar.getAttribute('data-event-id');
  assert.match(await bar.getAttribute('aria-label'), new RegExp(`^${id}, `));
  await bar.click();
  const dialog = page.getByRole('dialog', { name: 'O&M Events' });
  await dialog.locator('#om-event-id').waitFor();
  assert.equal((await dialog.locator('#om-event-id').innerText()).trim(), id);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });

  await axe(page, 'the Overview');

  // The same events as a table, one row each, with column headers.
  await page.getByRole('button', { name: 'Show as table' }).click();
  const rows = page.locator('#overview-table tbody tr');
  await rows.first().waitFor();
  assert.equal(await rows.count(), ov.events.length);
  await page.locator('#overview-table').getByRole('columnheader', { name: 'Why at risk' }).waitFor();
  await axe(page, 'the Overview as a table');

  // Zoom: 90 days lists at least as many.
  await page.getByRole('button', { name: '90 days' }).click();
  const wide = (await api(page, '/overview?days=90')).body;
  await page.waitForFunction((n) => document.querySelectorAll('#overview-table tbody tr').length === n, wide.events.length);
  assert.ok(wide.events.length >= ov.events.length);

  // A region's count leads to its list.
  await page.locator('#region-counts').getByRole('link', { name: 'Singapore' }).click();
  await page.waitForURL(/\/vpn-gateways\?region=ap-southeast-1/);
  await context.close();
});

test('the Overview speaks Simplified Chinese', async () => {
  const context = await browser.newContext({ timezoneId: 'Asia/Shanghai', locale: 'zh-CN', viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${server.url}/overview`);
  await page.getByLabel('邮箱').fill('alice@acme.example');
  await page.getByLabel('密码').fill('demo-password');
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('heading', { name: '概览', level: 1 }).waitFor();
  await page.locator('#overview-timeline g.tl-event').first().waitFor();
  await page.getByRole('heading', { name: '存在风险' }).waitFor();
  await page.getByRole('button', { name: '以表格显示' }).waitFor();
  assert.match(await page.locator('#at-risk-list').innerText(), /单隧道连接/);
  await context.close();
});

test('the Reports tab shows each site of the month with its minutes and availability, and its CSV', async () => {
  const context = await browser.newContext({ timezoneId: 'Asia/Shanghai', locale: 'en-US', viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${server.url}/vpn-gateways`);
  await page.getByLabel('Email').fill('alice@acme.example');
  await page.getByLabel('Password').fill('demo-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'VPN Gateways' }).waitFor();
  await page.getByRole('link', { name: 'Reports' }).click();
  await page.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();
  const rows = page.locator('#availability-table tbody tr');
  await rows.first().waitFor();
  const month = await page.locator('#report-month').inputValue();
  assert.match(month, /^\d{4}-\d{2}$/);
  const report = (await api(page, `/reports/availability?month=${month}`)).body;
  assert.equal(await rows.count(), report.sites.length);
  assert.match(await rows.first().innerText(), new RegExp(report.sites[0].customer_gateway_id));
  await axe(page, 'the Reports tab');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download CSV' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), `availability-${month}.csv`);

  // Another month: asked for and shown.
  const asked = page.waitForRequest((r) => r.url().includes('/reports/availability?month=2026-01'));
  await page.locator('#report-month').fill('2026-01');
  await page.locator('#report-month').dispatchEvent('change');
  await asked;
  await page.locator('#language-selector').selectOption('zh');
  await page.getByRole('heading', { name: '报表', level: 1 }).waitFor();
  await page.locator('#availability-table').getByRole('columnheader', { name: '可用率' }).waitFor();
  await context.close();
});
