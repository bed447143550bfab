// The benchmark report: the rows the measuring scripts appended (JSON lines) as one markdown
// table, printed, and written with the date, the commit and the machine's facts to BENCHMARKS.md.
// Usage: node report.mjs RESULTS.jsonl OUT.md [SECONDS_TAKEN]; BENCH_PARTS_RUN and BENCH_PARTS_ALL
// (scripts/bench.sh) say whether this was a whole run or some parts of one.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cpus, loadavg, totalmem } from 'node:os';

const [results, out, seconds] = process.argv.slice(2);
const fresh = readFileSync(results, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
if (fresh.length === 0) throw new Error(`no results in ${results}`);

// The parts of this run and of a whole run, in order (scripts/bench.sh).
const words = (s) => (s ?? '').split(/\s+/).filter(Boolean);
const run = words(process.env.BENCH_PARTS_RUN);
const all = words(process.env.BENCH_PARTS_ALL);
const whole = run.length === 0 || all.every((p) => run.includes(p));

const git = (...args) => {
  try { return execFileSync('git', args, { encoding: 'utf8' }).trim(); } catch { return ''; }
};
// bench.sh records the commit before it builds; the work tree may differ from it.
const commit = process.env.BENCH_COMMIT || git('rev-parse', '--short', 'HEAD') || 'unknown';
const dirty = Number(process.env.BENCH_DIRTY ?? (git('status', '--porcelain', '--untracked-files=no') ? 1 : 0));
const measuredAt = dirty > 0 ? `${commit} with uncommitted changes to ${dirty} tracked file${dirty === 1 ? '' : 's'}` : commit;
const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const load = `${process.env.BENCH_LOAD_START ?? '?'} → ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;
const took = Object.fromEntries(existsSync(join(dirname(results), 'took.txt'))
  ? readFileSync(join(dirname(results), 'took.txt'), 'utf8').split('\n').filter(Boolean).map((l) => l.split(' '))
  : []);

const cell = (s) => String(s).replaceAll('|', '\\|');
function tableOf(list) {
  return [
    '| Figure | Value | Baseline (same run) | Ratio | Goal | Met |',
    '|---|---|---|---|---|---|',
    ...list.map((r) => `| ${[r.figure, r.value, r.baseline, r.ratio, r.goal, r.met].map(cell).join(' | ')} |`),
  ].join('\n');
}
function printTable(list) {
  console.log(`\n${tableOf(list)}\n`);
}

// BENCHMARKS.md carries its rows as data too (a comment at its end), so that a run of some parts
// replaces their rows and keeps the others', each with the commit it was measured at.
const DATA = /<!-- bench-data (.*) -->/;
const previous = existsSync(out) ? readFileSync(out, 'utf8').match(DATA) : null;
let rows = fresh;
let runs = (whole ? all : run).map((part) => ({ part, commit: measuredAt, date, load, seconds: took[part] }));
if (!whole) {
  if (!previous) {
    printTable(fresh);
    console.log(`${out} not written: it has no per-part data (an older bench.sh wrote it), so the other parts' rows would be lost. A whole run writes it.`);
    process.exit(0);
  }
  const old = JSON.parse(previous[1]);
  const replaced = new Set([...run, ...fresh.map((r) => r.part)]);
  rows = [...old.rows.filter((r) => !replaced.has(r.part)), ...fresh];
  runs = [...old.runs.filter((r) => !run.includes(r.part)), ...runs];
}
const order = (part) => { const i = all.indexOf(part); return i < 0 ? all.length : i; };
rows = rows.map((r, i) => [r, i]).sort(([a, i], [b, j]) => order(a.part) - order(b.part) || i - j).map(([r]) => r);
runs.sort((a, b) => order(a.part) - order(b.part));

const table = tableOf(rows);
const nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
const model = cpus()[0]?.model ?? 'unknown';
const missed = rows.filter((r) => r.met === 'no');
const sameRun = runs.every((r) => r.commit === runs[0].commit && r.date === runs[0].date);
const measured = sameRun
  ? `- Measured at commit ${runs[0].commit}, ${runs[0].date}, every part in one run (load average ${runs[0].load})\n${seconds && whole ? `- Took: ${seconds} s, builds included\n` : ''}`
  : ['| Part | Measured at commit | Date | Took | Load average (start → end) |', '|---|---|---|---|---|',
    ...runs.map((r) => `| ${r.part} | ${r.commit} | ${r.date} | ${r.seconds ? `${r.seconds} s` : '—'} | ${r.load} |`)].join('\n') + '\n';
const data = JSON.stringify({ rows, runs }).replaceAll('>', '\\u003e');

const doc = `# Benchmarks

Written by \`./scripts/bench.sh\` (\`--only PART\` re-measures one part and keeps the others'
rows); every figure was measured next to its baseline in the same run, so a ratio survives a
noisy machine better than the absolute value does.

- Machine: ${nproc} cores (nproc), ${model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB memory
${sameRun ? measured : `\n${measured}`}
${table}

${missed.length === 0 ? 'Every goal was met.' : `Goals missed:\n\n${missed.map((r) => `- ${r.figure}: ${r.value} (goal ${r.goal})`).join('\n')}`}

How each figure is measured:

- Transfer size: the wasm, js and css that \`dist/index.html\` loads, raw, gzip (the \`.gz\` files the
  server sends) and brotli (-q 11); and what Chromium received on a cold load.
- Time to first row: headless Chromium, \`/vpn-gateways?region=cn-hangzhou\` after login, from
  navigation start to the page's own \`performance.mark('first-row')\`, set once the first
  \`#gateways-table tbody tr\` is in the DOM and announced by \`console.debug('first-row')\`, which
  the harness hears through the DevTools protocol: nothing of the harness runs in the page during
  the load. The baseline is a hand-written page on the same origin that fetches
  \`/api/v1/regions/cn-hangzhou/vpn-gateways?page=1&page_size=20\`, renders the same columns and
  marks its first row the same way. Cold: a new browser context per load; warm: one context,
  reloaded. The loads alternate.
- Big region: \`generate-region --gateways 10000\` (plus \`bench-wide-gateway\`). API: sequential
  requests with the session cookie, interleaved with the same requests to a bare axum handler
  (\`crates/server/examples/bare_handler.rs\`) serving page 1's bytes, with the server's read cache
  off (\`READ_CACHE_TTL_MS=0\`), so every request reads the database. Frames: the longest gap between
  \`requestAnimationFrame\` callbacks while clicking Next ten times, next to the same page idle.
- Dialog: from the click on O&M Events of \`bench-wide-gateway\` until its 100 rows of
  \`table.affected\` are in the DOM, next to the 4-tunnel event of \`hq-dual-tunnel\`.
- Throughput: \`wrk -t2 -c16 -d4s --latency\`, three rounds alternating with the baseline (the
  median round of each counts), on loopback against
  \`/api/v1/regions/cn-hangzhou/vpn-gateways?page=1&page_size=20\` and against the bare handler serving
  the same bytes, after a 2 s warm-up of each: once with the read cache off (reported), once as the
  server runs by default, with sessions and list pages cached until the next write (the goal).
- Scheduler: \`crates/server/benches/scheduler.rs\`: 10,000 pending events due at once, one per gateway
  of a generated region, \`Scheduler::run_once\` at time scale 10^6 until all are completed; the
  baseline runs the two conditional single-row update transactions per event that exactly-once
  execution needs at least, on the same database.
- Webhook soak: \`crates/server/benches/soak.rs\`: two minutes of reschedules (one per account every
  250 ms) delivered by the dispatcher as the server runs it to four loopback endpoints, Acme's
  healthy one, Acme's failing every other request, Acme's that accepts and never answers, Globex's
  healthy one; lateness is from a change's commit to its first arrival, duplicates are
  \`webhook-id\`s received again.

<!-- bench-data ${data} -->
`;

writeFileSync(out, doc);
printTable(rows);
console.log(missed.length === 0 ? 'Every goal was met.' : `Goals missed: ${missed.length} (see ${out}).`);
console.log(`Written to ${out}.`);
