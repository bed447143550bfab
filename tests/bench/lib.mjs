// Shared by the benchmark scripts (scripts/bench.sh): statistics, formatting, and the results
// file every script appends its rows to (BENCH_RESULTS, one JSON object a line).
import { appendFileSync } from 'node:fs';

export function median(xs) {
  return percentile(xs, 50);
}

/** Nearest-rank percentile. */
export function percentile(xs, p) {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export const ms = (x) => (x >= 100 ? `${x.toFixed(0)} ms` : x >= 10 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`);
export const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
export const times = (x) => `${x.toFixed(2)}×`;

/**
 * One line of the report: figure, value, baseline, ratio, goal, met ("yes", "no" or "—").
 * `met` may be a boolean.
 */
export function row({ figure, value, baseline = '—', ratio = '—', goal = 'report', met = '—' }) {
  const r = { figure, value, baseline, ratio, goal, met: typeof met === 'boolean' ? (met ? 'yes' : 'no') : met };
  // The part of scripts/bench.sh that measured it: a later `--only PART` replaces its rows.
  if (process.env.BENCH_PART) r.part = process.env.BENCH_PART;
  console.log(`  ${figure}: ${value} (baseline ${baseline}; ${ratio}; goal ${goal}: ${r.met})`);
  if (process.env.BENCH_RESULTS) appendFileSync(process.env.BENCH_RESULTS, `${JSON.stringify(r)}\n`);
  return r;
}

/** The value of an environment variable the script cannot run without. */
export function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the benchmarks with scripts/bench.sh`);
  return v;
}

const children = new Set();
const killChildren = () => { for (const c of children) c.kill('SIGKILL'); children.clear(); };
process.on('exit', killChildren);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => { killChildren(); process.exit(130); });
}

/**
 * Starts a program that prints its loopback address (`http://127.0.0.1:PORT`) and resolves with
 * it; the program is killed when stopped or when this process ends.
 */
export async function startListening(bin, args, { env = process.env, timeoutMs = 60_000 } = {}) {
  const { spawn } = await import('node:child_process');
  const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  const url = await new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`${bin} did not start: ${out}`)), timeoutMs);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/(http:\/\/127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`${bin} exited with ${code}: ${out}`)); });
  });
  child.stdout.resume();
  return { url, stop() { child.kill('SIGKILL'); children.delete(child); } };
}

/** Only loopback servers are measured. */
export function loopback(url) {
  const { hostname } = new URL(url);
  if (hostname !== '127.0.0.1' && hostname !== 'localhost') throw new Error(`not a loopback address: ${url}`);
  return url;
}
