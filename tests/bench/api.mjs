// API figures against a running server (BENCH_URL, loopback, demo data and the generated big
// region BENCH_REGION), each next to a bare axum handler (BARE_BIN, crates/server/examples/
// bare_handler.rs) that serves the same bytes, started here in the same run:
// - paging and search in the big region: sequential requests, median of 100 each;
// - throughput of the gateways list under load: wrk, fixed concurrency, bounded time.
// BENCH_READ_CACHE says how the server was started: `off` (READ_CACHE_TTL_MS=0: every request
// reads the database; latency and throughput are measured) or `on` (the default; repeated
// requests are answered from the read cache until a write: throughput only, since latency of
// the same request repeated would measure the cache).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loopback, median, ms, need, percentile, row, startListening, times } from './lib.mjs';

const base = loopback(need('BENCH_URL'));
const label = process.env.BENCH_LABEL ?? 'SQLite';
const cacheOn = (process.env.BENCH_READ_CACHE ?? 'off') === 'on';
const cacheNote = cacheOn ? 'read cache on (the default)' : 'read cache off';
const bare = need('BARE_BIN');
const work = need('BENCH_WORK');
const bigRegion = process.env.BENCH_REGION ?? 'bench-1';
const samples = Number(process.env.BENCH_SAMPLES ?? 100);
const wrkSeconds = Number(process.env.WRK_SECONDS ?? 4);
const ROUNDS = Number(process.env.WRK_ROUNDS ?? 3);
const WRK_ARGS = ['-t2', '-c16', '--latency'];
const LIST = '/api/v1/regions/cn-hangzhou/vpn-gateways?page=1&page_size=20';

// Log in as the demo operator; the session cookie authenticates every request below.
const login = await fetch(`${base}/api/v1/session`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email: 'alice@acme.example', password: 'demo-password' }),
});
const session = login.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('om_session='));
if (!login.ok || !session) throw new Error(`login failed: ${login.status} ${await login.text()}`);
const headers = { cookie: session };

async function get(url) {
  const res = await fetch(url, { headers });
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${body}`);
  return body;
}

// The bare handlers serve exactly what the real endpoint answered.
const bigPath = (q) => `/api/v1/regions/${bigRegion}/vpn-gateways?${q}&page_size=20`;
const firstPage = await get(`${base}${bigPath('page=1')}`);
const total = JSON.parse(firstPage).total;
if (total < 10_000) throw new Error(`${bigRegion} has ${total} gateways; generate-region first`);
writeFileSync(join(work, 'big-page-1.json'), firstPage);
writeFileSync(join(work, 'list.json'), await get(`${base}${LIST}`));
const bareBig = await startListening(bare, [join(work, 'big-page-1.json'), '127.0.0.1:0']);
const bareList = await startListening(bare, [join(work, 'list.json'), '127.0.0.1:0']);

// BENCH_API: `latency` or `wrk` (the parts of scripts/bench.sh), or both when unset.
const measure = process.env.BENCH_API ?? 'both';
try {
  if (!cacheOn && measure !== 'wrk') await latencies();
  if (measure !== 'latency') await throughput();
} finally {
  bareBig.stop();
  bareList.stop();
}

async function latencies() {
  console.log(`API, ${label}: ${total} gateways in ${bigRegion}, ${samples} sequential requests each`);
  const last = Math.ceil(total / 20);
  const cases = [
    ['page 1', bigPath('page=1')],
    [`middle page (${Math.ceil(last / 2)})`, bigPath(`page=${Math.ceil(last / 2)}`)],
    [`last page (${last})`, bigPath(`page=${last}`)],
    ['search "00042"', bigPath('q=00042&page=1')],
  ];
  for (const [name, path] of cases) {
    const real = [];
    const baseline = [];
    for (let i = 0; i < samples + 5; i++) {
      // Interleaved, so both see the same moments of a noisy machine; 5 warm-up rounds.
      for (const [url, into] of [[`${base}${path}`, real], [`${bareBig.url}${path}`, baseline]]) {
        const t0 = performance.now();
        await get(url);
        if (i >= 5) into.push(performance.now() - t0);
      }
    }
    const m = median(real);
    row({
      figure: `API, ${total} gateways (${label}, ${cacheNote}): ${name}, median of ${samples}`,
      value: `${ms(m)} (p90 ${ms(percentile(real, 90))})`,
      baseline: `${ms(median(baseline))} (bare axum, same bytes as page 1)`,
      ratio: times(m / median(baseline)),
      goal: '< 20 ms',
      met: m < 20,
    });
  }

}

async function throughput() {
  console.log(`API throughput, ${label}, ${cacheNote}: wrk ${WRK_ARGS.join(' ')} -d${wrkSeconds}s, GET ${LIST}`);
  const wrk = (url, seconds, extra = []) => {
    const r = spawnSync('wrk', [...WRK_ARGS, `-d${seconds}s`, ...extra, loopback(url)], {
      encoding: 'utf8',
      timeout: (seconds + 30) * 1000,
    });
    if (r.status !== 0) throw new Error(`wrk failed (${r.status ?? r.signal}): ${r.stderr}${r.stdout}`);
    return parseWrk(r.stdout);
  };
  const cookie = ['-H', `Cookie: ${session}`];
  wrk(`${base}${LIST}`, 2, cookie); // warm-up
  wrk(`${bareList.url}${LIST}`, 2);
  // Alternating rounds, so that other work on the machine weighs on both alike; the round
  // with the median requests/s of each stands for it.
  const reals = [];
  const baselines = [];
  for (let round = 0; round < ROUNDS; round++) {
    reals.push(wrk(`${base}${LIST}`, wrkSeconds, cookie));
    baselines.push(wrk(`${bareList.url}${LIST}`, wrkSeconds));
  }
  const byRps = (runs) => [...runs].sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)];
  const real = byRps(reals);
  const baseline = byRps(baselines);
  const ratio = real.rps / baseline.rps;
  row({
    figure: `API throughput (${label}, ${cacheNote}): gateways list, wrk -t2 -c16, median of ${ROUNDS} alternating rounds of ${wrkSeconds} s`,
    value: `${real.rps.toFixed(0)} req/s, p50 ${ms(real.p50)}, p99 ${ms(real.p99)}`,
    baseline: `${baseline.rps.toFixed(0)} req/s, p50 ${ms(baseline.p50)}, p99 ${ms(baseline.p99)} (bare axum, same bytes)`,
    ratio: `${ratio < 0.1 ? ratio.toFixed(3) : ratio.toFixed(2)} of the baseline's req/s`,
    // The goal is for the server as it runs by default; with the cache off it is reported.
    goal: cacheOn ? '≥ 0.5' : 'report',
    met: cacheOn ? ratio >= 0.5 : undefined,
  });
}

/** Requests per second and latency percentiles (ms) from `wrk --latency`; refuses errors. */
function parseWrk(out) {
  const toMs = (v, unit) => Number(v) * { us: 0.001, ms: 1, s: 1000, m: 60_000 }[unit];
  const pct = (p) => {
    const m = out.match(new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm'));
    if (!m) throw new Error(`no ${p}% latency in wrk's output:\n${out}`);
    return toMs(m[1], m[2]);
  };
  const rps = Number(out.match(/Requests\/sec:\s+([\d.]+)/)?.[1]);
  if (!(rps > 0)) throw new Error(`no requests/s in wrk's output:\n${out}`);
  if (/Non-2xx or 3xx responses/.test(out) || /Socket errors/.test(out)) {
    throw new Error(`wrk saw errors:\n${out}`);
  }
  return { rps, p50: pct(50), p99: pct(99) };
}
