// The benchmark report: the rows the measuring scripts appended (JSON lines) as one markdown
// table, printed, and written with the date and the machine's facts to BENCHMARKS.md.
// Usage: node report.mjs RESULTS.jsonl OUT.md [SECONDS_TAKEN]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

const [results, out, seconds] = process.argv.slice(2);
const rows = readFileSync(results, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
if (rows.length === 0) throw new Error(`no results in ${results}`);

const cell = (s) => String(s).replaceAll('|', '\\|');
const table = [
  '| Figure | Value | Baseline (same run) | Ratio | Goal | Met |',
  '|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${[r.figure, r.value, r.baseline, r.ratio, r.goal, r.met].map(cell).join(' | ')} |`),
].join('\n');

const git = (...args) => {
  try { return execFileSync('git', args, { encoding: 'utf8' }).trim(); } catch { return ''; }
};
const commit = git('rev-parse', '--short', 'HEAD') || 'unknown';
const dirty = git('status', '--porcelain') ? ' with uncommitted changes' : '';
const nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
const model = cpus()[0]?.model ?? 'unknown';
const missed = rows.filter((r) => r.met === 'no');

const doc = `# Benchmarks

Written by \`./scripts/bench.sh\`; every figure was measured next to its baseline in the same run,
so a ratio survives a noisy machine better than the absolute value does.

- Date: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}
- Commit: ${commit}${dirty}
- Machine: ${nproc} cores (nproc), ${model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB memory, load average ${process.env.BENCH_LOAD_START ?? '?'} at the start and ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end
${seconds ? `- Took: ${seconds} s, builds included\n` : ''}
${table}

${missed.length === 0 ? 'Every goal was met.' : `Goals missed:\n\n${missed.map((r) => `- ${r.figure}: ${r.value} (goal ${r.goal})`).join('\n')}`}

How each figure is measured:

- Transfer size: the wasm, js and css that \`dist/index.html\` loads, raw, gzip (the \`.gz\` files the
  server sends) and brotli (-q 11); and what Chromium received on a cold load.
- Time to first row: headless Chromium, \`/vpn-gateways?region=cn-hangzhou\` after login, from
  navigation start to the first \`#gateways-table tbody tr\` in the DOM; the baseline is a hand-written
  page on the same origin that fetches \`/api/v1/regions/cn-hangzhou/vpn-gateways?page=1&page_size=20\`
  and renders the same columns. Cold: a new browser context per load; warm: one context, reloaded.
  The loads alternate.
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
`;

writeFileSync(out, doc);
console.log(`\n${table}\n`);
console.log(missed.length === 0 ? 'Every goal was met.' : `Goals missed: ${missed.length} (see ${out}).`);
console.log(`Written to ${out}.`);
