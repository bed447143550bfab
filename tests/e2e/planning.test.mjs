// Planning ahead in the browser (DESIGN.md 10.1, 10.2): the dialog shows the advice first and
// explains a conflict with the nearest conflict-free time, against the real server's demo data.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, loggedIn } from './helpers.mjs';

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

async function openDialogOf(page, name) {
  await page.goto(`${server.url}/vpn-gateways?region=cn-hangzhou&q=${name}`);
  const row = page.locator('#gateways-table tbody tr').first();
  await row.getByRole('cell', { name }).waitFor();
  await row.getByRole('button', { name: /O&M Events/ }).click();
  const dialog = page.getByRole('dialog', { name: 'O&M Events' });
  await dialog.locator('#om-event-id').waitFor();
  return { row, dialog };
}

test('the dialog shows the advice first, in the words of the issue', async () => {
  const page = await loggedIn(browser, server);
  const { dialog } = await openDialogOf(page, 'hq-dual-tunnel');
  const advice = dialog.locator('#om-advice li');
  await advice.first().waitFor();
  const texts = await advice.allInnerTexts();
  assert.ok(
    texts.some((t) => /^Bring tunnel 2 of vco-\S+ up first: worst interruption 10 minutes → under 1 minute$/.test(t)),
    texts.join('\n'),
  );
  // Before the affected resources.
  const first = await dialog.evaluate((d) => {
    const a = d.querySelector('#om-advice');
    const table = d.querySelector('table.affected');
    return Boolean(a && table && a.compareDocumentPosition(table) & Node.DOCUMENT_POSITION_FOLLOWING);
  });
  assert.ok(first, 'the advice comes before the affected table');
  await page.context().close();
});

test('a conflict on a redundant site is explained, with the nearest conflict-free time', async () => {
  const page = await loggedIn(browser, server);
  const { dialog } = await openDialogOf(page, 'site-primary-gw');
  const conflict = dialog.locator('#om-conflicts li').first();
  await conflict.waitFor();
  const text = await conflict.innerText();
  assert.match(text, /^Runs together with O&M event om-\S+ on vpn-\S+ \(at .+\): customer gateway cgw-\S+ would lose its redundant paths at once\.$/);
  const offer = await dialog.locator('#om-conflict-free').innerText();
  assert.match(offer, /^Nearest time without a conflict: /);
  await page.context().close();
});
