// The first page drawn by the server (docs/first-page.md): a returning viewer's list page comes
// with its rows in the HTML, the console takes it over without a frame in between, and what it
// shows then is what the server drew.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, loggedIn } from './helpers.mjs';

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

const ROWS = '#gateways-table tbody tr';

// Runs in the page from its first script on: on every animation frame (just before the browser
// paints), whether the table has rows, and the first table seen.
function watchFrames(selector) {
  window.omFrames = [];
  const tick = () => {
    const rows = document.querySelectorAll(selector).length;
    window.omFrames.push(rows);
    if (rows > 0 && !window.omFirstTable) {
      window.omFirstTable = document.querySelector(selector).closest('table');
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  // The drawn page's text once the whole HTML is parsed: at the first frame with a row, a
  // loaded machine may still be parsing the table (seen once in four runs). The console starts
  // later (its module waits for two frames after this).
  document.addEventListener('DOMContentLoaded', () => {
    window.omFirstText = document.querySelector('main')?.innerText;
  });
}

async function openDrawn(context, url) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.addInitScript(watchFrames, ROWS);
  const response = await page.goto(url);
  return { page, errors, html: await response.text() };
}

test('a returning viewer\'s list page is drawn by the server, and the console takes it over with no empty frame', async () => {
  const home = await loggedIn(browser, server);
  const { page, errors, html } = await openDrawn(home.context(), `${server.url}/vpn-gateways?region=cn-hangzhou`);
  assert.match(html, /id="om-first-page"/, 'the answers the page was drawn from are in the HTML');
  assert.match(html, /<table id="gateways-table"[^>]*>.*<tbody><tr data-id="vpn-/s, 'the rows are in the HTML');

  // Taken over: the table in the page is the console's, not the server's any more, and it is live
  // (the dialog opens from a row).
  await page.waitForFunction(() => window.omFirstTable && document.querySelector('#gateways-table') !== window.omFirstTable);
  await page.locator(`${ROWS} button.om-action:not([disabled])`).first().click();
  await page.getByRole('dialog', { name: 'O&M Events' }).locator('#om-event-id').waitFor();
  await page.keyboard.press('Escape');

  const frames = await page.evaluate(() => window.omFrames);
  const first = frames.findIndex((n) => n > 0);
  assert.ok(first >= 0, 'a frame showed rows');
  assert.ok(frames.slice(first).every((n) => n > 0), `no frame after the first rows was without them: ${frames.join(' ')}`);
  const [before, afterMount] = await page.evaluate(() => [window.omFirstText, document.querySelector('main').innerText]);
  assert.ok(before, 'the drawn page had its text when the HTML was parsed');
  assert.equal(afterMount, before, 'the console shows what the server drew');
  // One mark of the first row per load, the server's.
  assert.equal(await page.evaluate(() => performance.getEntriesByName('first-row').length), 1);
  assert.deepEqual(errors, []);
  await home.context().close();
});

test('the next page comes in the language and zone the viewer chose, and a first visit is drawn by the console', async () => {
  const home = await loggedIn(browser, server, 'alice@acme.example', { timezoneId: 'America/New_York' });
  await home.locator('#language-selector').selectOption('zh');
  await home.getByRole('heading', { name: 'VPN 网关' }).waitFor();

  const { page, errors, html } = await openDrawn(home.context(), `${server.url}/vpn-gateways?region=cn-hangzhou`);
  assert.match(html, /华东1（杭州）/, 'drawn in Chinese');
  assert.match(html, /UTC-05:00/, 'times in the viewer\'s zone (New York in December)');
  await page.waitForFunction(() => window.omFirstTable && document.querySelector('#gateways-table') !== window.omFirstTable);
  const [before, afterMount] = await page.evaluate(() => [window.omFirstText, document.querySelector('main').innerText]);
  assert.equal(afterMount, before);

  await page.locator('#zone-selector').selectOption('utc');
  const again = await openDrawn(home.context(), `${server.url}/ipsec-connections?region=cn-hangzhou`);
  assert.match(again.html, /id="om-first-page"/);
  assert.doesNotMatch(again.html, /UTC[+-]\d\d:\d\d/, 'every time in UTC once the viewer chose UTC');
  assert.deepEqual([...errors, ...again.errors], []);

  // Without the session (logged out), the page is index.html and the console asks for a log-in.
  const fresh = await browser.newContext();
  const cookies = (await home.context().cookies()).filter((c) => c.name !== 'om_session');
  await fresh.addCookies(cookies);
  const plain = await fresh.newPage();
  const response = await plain.goto(`${server.url}/vpn-gateways?region=cn-hangzhou`);
  assert.doesNotMatch(await response.text(), /id="om-first-page"|gateways-table/);
  await plain.getByLabel('Email').waitFor();
  await fresh.close();
  await home.context().close();
});
