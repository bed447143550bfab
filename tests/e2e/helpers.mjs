// Shared by the end-to-end journeys: a real server (fresh SQLite, demo data) and Debian's
// Chromium driven by playwright-core.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '../..');

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Starts the server on a free loopback port; resolves once it listens. */
export async function startServer({ timeScale = 120 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'om-e2e-'));
  const bin = process.env.SERVER_BIN ?? join(root, 'target/debug/vpn-console-server');
  const child = spawn(bin, ['--listen', '127.0.0.1:0', '--demo', '--time-scale', String(timeScale)], {
    env: {
      ...process.env,
      DATABASE_URL: `sqlite://${dir}/console.db`,
      CONSOLE_DIR: process.env.CONSOLE_DIR ?? join(root, 'dist'),
      RUST_LOG: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`server did not start: ${out}`)), 60_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/console at (http:\/\/[\d.:]+)/);
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
    child.on('exit', (code) => fail(new Error(`server exited with ${code}: ${out}`)));
  });
  return {
    url,
    /** The server's SQLite file, for a journey that needs a row the API cannot make. */
    db: join(dir, 'console.db'),
    async stop() {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

/** A logged-in page. `timezoneId` pins the viewer's zone so times are predictable. */
export async function loggedIn(browser, server, email = 'alice@acme.example', { timezoneId = 'Asia/Shanghai' } = {}) {
  const context = await browser.newContext({ timezoneId, locale: 'en-US', viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(`${server.url}/vpn-gateways`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('demo-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'VPN Gateways' }).waitFor();
  return page;
}

/** The API as the same user, through the page's own session cookie. */
export async function api(page, path, init = {}) {
  return page.evaluate(async ([path, init]) => {
    const res = await fetch(`/api/v1${path}`, init);
    return { status: res.status, etag: res.headers.get('etag'), body: await res.json().catch(() => null) };
  }, [path, init]);
}
