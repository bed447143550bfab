// The console's transfer size at first load: the wasm, js and css that dist/index.html loads,
// raw, gzip (the .gz files build-console.sh writes and the server sends) and brotli (Debian's
// `brotli` tool at -q 11 when it is installed, else Node's zlib, the same library).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { kb, row } from './lib.mjs';

const BUDGET_GZIP = 300 * 1024; // issue 20: with all of part two in it
const dist = resolve(process.env.CONSOLE_DIR ?? join(import.meta.dirname, '../../dist'));
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const files = [...new Set([...html.matchAll(/["'](\/[\w.-]+\.(?:wasm|js|css))["']/g)].map((m) => m[1]))];
if (!files.some((f) => f.endsWith('.wasm'))) throw new Error(`no wasm in ${dist}/index.html`);

const brotliTool = existsSync('/usr/bin/brotli');
const sizes = files.map((f) => {
  const path = join(dist, f);
  const raw = readFileSync(path);
  const gzip = existsSync(`${path}.gz`) ? readFileSync(`${path}.gz`).length : gzipSync(raw, { level: 9 }).length;
  const brotli = brotliTool
    ? execFileSync('/usr/bin/brotli', ['-q', '11', '-c', path], { maxBuffer: 64 << 20 }).length
    : brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  return { kind: f.split('.').pop(), raw: raw.length, gzip, brotli };
});

const sum = (k, list = sizes) => list.reduce((a, s) => a + s[k], 0);
console.log(`Console transfer size (${dist}; brotli by ${brotliTool ? 'the brotli tool' : "Node's zlib"})`);
for (const kind of ['wasm', 'js', 'css']) {
  const of = sizes.filter((s) => s.kind === kind);
  row({
    figure: `Console first load, ${kind}: raw · gzip · brotli`,
    value: `${kb(sum('raw', of))} · ${kb(sum('gzip', of))} · ${kb(sum('brotli', of))}`,
  });
}
const gzip = sum('gzip');
row({
  figure: 'Console first load, wasm + js + css: raw · gzip · brotli',
  value: `${kb(sum('raw'))} · ${kb(gzip)} · ${kb(sum('brotli'))}`,
  baseline: `budget ${kb(BUDGET_GZIP)} gzip`,
  ratio: `${((gzip / BUDGET_GZIP) * 100).toFixed(0)}% of the budget (gzip)`,
  goal: `≤ ${BUDGET_GZIP / 1024} KB gzip`,
  met: gzip <= BUDGET_GZIP,
});
