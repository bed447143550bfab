// Accessibility: axe-core (npm) finds no WCAG 2.2 A/AA violation on any page or in the open
// dialog, and a keyboard-only journey reschedules an event.
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

async function newPage(locale = 'en-US') {
  const context = await browser.newContext({ timezoneId: 'Asia/Shanghai', locale, viewport: { width: 1400, height: 900 } });
  return context.newPage();
}

async function logIn(page, email = 'alice@acme.example') {
  await page.goto(`${server.url}/vpn-gateways?region=cn-hangzhou`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('demo-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('#gateways-table tbody tr').first().waitFor();
}

/** Runs axe in the page (evaluated, so the page's CSP does not apply) and fails on violations. */
async function assertNoViolations(page, what) {
  const violations = await page.evaluate(async (source) => {
    if (!window.axe) {
      (0, eval)(source);
    }
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    });
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  }, axeSource);
  assert.deepEqual(violations, [], `${what}:\n${violations.join('\n')}`);
}

test('no axe violations on the log-in page, the lists, the history and the open dialog', async () => {
  const page = await newPage();
  await page.goto(`${server.url}/vpn-gateways`);
  await page.getByLabel('Email').waitFor();
  await assertNoViolations(page, 'log-in page');
  await logIn(page);
  await assertNoViolations(page, 'VPN Gateways');
  await page.locator('#gateways-table').getByRole('button', { name: /O&M Events of/ }).first().click();
  await page.getByRole('dialog').locator('#om-event-id').waitFor();
  await page.getByRole('radio', { name: 'Specify Execution Time' }).check();
  await assertNoViolations(page, 'O&M Events dialog');
  await page.keyboard.press('Escape');
  await page.getByRole('link', { name: 'IPsec Connections' }).click();
  await page.locator('#connections-table tbody tr').first().waitFor();
  await assertNoViolations(page, 'IPsec Connections');
  await page.getByRole('link', { name: 'O&M event history' }).click();
  await page.locator('#history-table tbody tr').first().waitFor();
  await assertNoViolations(page, 'O&M event history');
  // Notifications (DESIGN.md 9): the form, and the calendar feed's URL once created.
  await page.getByRole('link', { name: 'Notifications' }).click();
  await page.getByRole('button', { name: 'Add webhook' }).waitFor();
  await page.getByRole('button', { name: 'Create feed URL' }).click();
  await page.locator('#calendar-url').waitFor();
  await assertNoViolations(page, 'Notifications');
  await page.context().close();
});

test('the dialog is modal: focus moves in, stays in, Escape closes it and focus returns', async () => {
  const page = await newPage();
  await logIn(page);
  const opener = page.locator('#gateways-table').getByRole('button', { name: /O&M Events of/ }).first();
  await opener.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog');
  await dialog.locator('#om-event-id').waitFor();
  assert.ok(await dialog.evaluate((d) => d.contains(document.activeElement)), 'focus is in the dialog');
  for (let i = 0; i < 25; i++) {
    await page.keyboard.press('Tab');
    assert.ok(await dialog.evaluate((d) => d.contains(document.activeElement)), `focus left the dialog after ${i + 1} Tab`);
  }
  await page.keyboard.press('Shift+Tab');
  assert.ok(await dialog.evaluate((d) => d.contains(document.activeElement)));
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.ok(await opener.evaluate((b) => b === document.activeElement), 'focus returned to the action');
  await page.context().close();
});

test('a keyboard-only journey reschedules an event', async () => {
  const page = await newPage();
  await logIn(page);
  await page.goto(`${server.url}/vpn-gateways?region=cn-hangzhou&q=staging-no-connections`);
  await page.locator('#gateways-table tbody tr').first().getByRole('cell', { name: 'staging-no-connections' }).waitFor();
  const list = await api(page, '/regions/cn-hangzhou/vpn-gateways?q=staging-no-connections');
  const event = list.body.items[0].om_events.current;
  // Tab from the search field to the row's O&M Events action.
  await page.locator('#search').focus();
  let guard = 0;
  while (!(await page.evaluate(() => document.activeElement?.classList.contains('om-action')))) {
    await page.keyboard.press('Tab');
    assert.ok(++guard < 30, 'the O&M Events action is reachable with Tab');
  }
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog');
  await dialog.locator('#om-event-id').waitFor();
  // To the radio group, then the arrow key picks Specify Execution Time.
  guard = 0;
  while (!(await page.evaluate(() => document.activeElement?.getAttribute('name') === 'om-mode'))) {
    await page.keyboard.press('Tab');
    assert.ok(++guard < 30, 'the execution-time choice is reachable with Tab');
  }
  await page.keyboard.press('ArrowDown');
  await dialog.locator('#om-execute-at').waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'om-execute-at');
  const target = new Date(Date.parse(event.default_execute_at) - 2 * 86400_000);
  const local = new Date(target.getTime() + 8 * 3600_000).toISOString().slice(0, 16);
  // Chromium's date-time field here reads month, day, year, then hours and minutes (the hour is
  // 05 in the morning both before and after, so the AM/PM part stays as it is).
  await page.keyboard.type(local.slice(5, 7) + local.slice(8, 10) + local.slice(0, 4));
  await page.keyboard.type(local.slice(11, 13) + local.slice(14, 16));
  assert.equal(await dialog.locator('#om-execute-at').inputValue(), local, 'typed into the date-time field');
  guard = 0;
  while (!(await page.evaluate(() => document.activeElement?.id === 'om-ok'))) {
    await page.keyboard.press('Tab');
    assert.ok(++guard < 30, 'OK is reachable with Tab');
  }
  await page.keyboard.press('Enter');
  await dialog.waitFor({ state: 'detached' });
  const after = await api(page, `/om-events/${event.id}`);
  assert.equal(after.body.event.execute_at, target.toISOString().replace('.000Z', 'Z'));
  await page.context().close();
});

test('the console speaks Simplified Chinese: chosen from the browser, switchable, remembered', async () => {
  const context = await browser.newContext({ timezoneId: 'Asia/Shanghai', locale: 'zh-CN', viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${server.url}/vpn-gateways?region=cn-hangzhou`);
  await page.getByRole('heading', { name: 'VPN 网关控制台' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
  await page.getByLabel('邮箱').fill('alice@acme.example');
  await page.getByLabel('密码').fill('demo-password');
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('columnheader', { name: '运维事件' }).waitFor();
  await page.locator('#gateways-table').getByText(/\d{4}年\d{2}月\d{2}日 \d{2}:\d{2} UTC\+08:00/).first().waitFor();
  await page.locator('#gateways-table').getByRole('button', { name: /运维事件：/ }).first().click();
  await page.getByRole('radio', { name: '立即执行' }).waitFor();
  await assertNoViolations(page, 'dialog in Chinese');
  await page.keyboard.press('Escape');
  await page.locator('#language-selector').selectOption('en');
  await page.getByRole('columnheader', { name: 'O&M Events' }).waitFor();
  await page.reload();
  await page.getByRole('columnheader', { name: 'O&M Events' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await context.close();
});
