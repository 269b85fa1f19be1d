#!/usr/bin/env node
// bench_chart_all: how long the dashboard takes to draw two years of ES 1-minute bars with
// the All preset (issue 12: <= 500 ms), in headless Chromium.
//
//   node bench/bench_chart_all.mjs [BARLAKE_BINARY] [RUNS]
//
// Uses the demo vault of bench_serve.sh (`barlake demo`: ES, NQ, CL, 711,780 1-minute
// bars each, two years), starts `barlake serve`, opens the ES 1m chart and clicks All
// RUNS times (default 7): each time from the click to the chart drawn (the bars fetched
// at the resolution All steps up to, aggregated on the server, and set on the chart).
// Then again with a derived ES 1h/4h declared (`barlake resample ES --to 1h,4h`), which the
// server reads instead of aggregating. Prints the median and the range of each; exit 0
// when the aggregated median is within 500 ms, 1 when not, 2 on an error. Needs Chromium
// and tests/browser/node_modules (scripts/setup.sh, scripts/setup_node.sh).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = resolve(process.argv[2] || [join(ROOT, 'build-bench', 'barlake'), join(ROOT, 'build', 'barlake')].find(existsSync) || '');
const RUNS = Number(process.argv[3] || 7);
const chromiumPath = [process.env.BARLAKE_CHROMIUM, '/usr/bin/chromium'].find(p => p && existsSync(p));
if (!existsSync(BIN) || !chromiumPath) { console.error('bench_chart_all: needs a barlake binary and /usr/bin/chromium'); process.exit(2); }
const { chromium } = await import(join(ROOT, 'tests', 'browser', 'node_modules', 'playwright-core', 'index.mjs'));

const work = join(process.env.BARLAKE_BENCH_DIR || '/tmp/barlake-bench', 'chart');
const vault = process.env.BARLAKE_BENCH_VAULT || join(work, 'vault');  // e.g. bench_serve.sh's demo vault
mkdirSync(work, { recursive: true });
const run = args => {
  const r = spawnSync(BIN, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) { console.error(`barlake ${args.join(' ')}: ${r.stderr}`); process.exit(2); }
  return r.stdout;
};
if (!existsSync(join(vault, 'barlake.toml'))) { console.log(`building the demo vault in ${vault}`); run(['demo', vault]); }
async function serve(dir) {
  const port = await new Promise(res => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
  const child = spawn(BIN, ['--vault', dir, 'serve', '--port', String(port)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) { try { if ((await fetch(`${url}/api/status`)).ok) break; } catch { } await new Promise(r => setTimeout(r, 100)); }
  return { child, url };
}
let { child: server, url: base } = await serve(vault);
const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 }, timezoneId: 'UTC' })).newPage();

async function measure(label) {
  const times = [];
  let resolution = '', bars = 0;
  for (let i = 0; i < RUNS; i++) {
    await page.goto('about:blank');
    await page.goto(`${base}/#/dataset/ES/1m`);
    await page.waitForFunction(() => Number(document.getElementById('chart-status')?.dataset.bars) > 0, null, { timeout: 30000 });
    const ms = await page.evaluate(() => new Promise(resolveRun => {
      const chart = document.getElementById('chart');
      const t0 = performance.now();
      document.querySelector('button[data-preset="All"]').click();
      const poll = () => {
        if (!chart.hasAttribute('aria-busy') && chart.dataset.resolution !== '1m') {
          requestAnimationFrame(() => resolveRun(performance.now() - t0));  // after the frame that draws it
        } else setTimeout(poll, 2);
      };
      poll();
    }));
    resolution = await page.getAttribute('#chart', 'data-resolution');
    bars = Number(await page.getAttribute('#chart-status', 'data-bars'));
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(`${label}: All on ES 1m (2 years) drawn at ${resolution} (${bars} bars) in median ${median.toFixed(0)} ms ` +
    `(min ${times[0].toFixed(0)}, max ${times[times.length - 1].toFixed(0)}, ${RUNS} runs)`);
  return median;
}

let code = 0;
try {
  const aggregated = await measure('aggregated on the server');
  // A copy of the vault with derived ES 1h and 4h (the demo vault stays as it is).
  server.kill('SIGTERM');
  const derived = join(work, 'vault-derived');
  rmSync(derived, { recursive: true, force: true });
  cpSync(vault, derived, { recursive: true });
  run(['--vault', derived, 'resample', 'ES', '--to', '1h,4h']);
  ({ child: server, url: base } = await serve(derived));
  await measure('read from the derived dataset');
  code = aggregated <= 500 ? 0 : 1;
} catch (e) {
  console.error(e);
  code = 2;
} finally {
  await browser.close();
  server.kill('SIGTERM');
}
process.exit(code);
