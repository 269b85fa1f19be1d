#!/usr/bin/env node
// Browser test of the dashboard's Schedules page (web/page_schedules.js): the real
// `barlake serve` on 127.0.0.1 and Debian's headless Chromium driven by playwright-core.
//
//   node tests/browser/schedules_test.mjs BARLAKE SCRATCH_DIR [ARTIFACTS_DIR]
//
// A vault with two schedules that `barlake schedules run-due` has run: `checks` (health,
// every hour) and `nightly-backup` (backup to a [[backup]] folder in the scratch dir). The
// page must list both with the last result the CLI reports and the next run /api/schedules
// gives, reached from the nav link.
//
// Exit codes: 0 passed, 1 failed, 77 skipped (no Chromium or playwright-core).

import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const SKIP = 77;

const [barlakeArg, scratchArg, artifactsArg] = process.argv.slice(2);
if (!barlakeArg || !scratchArg) {
  console.error('usage: node schedules_test.mjs BARLAKE SCRATCH_DIR [ARTIFACTS_DIR]');
  process.exit(2);
}
const BARLAKE = resolve(barlakeArg);
const SCRATCH = resolve(scratchArg);
const ARTIFACTS = resolve(artifactsArg || join(ROOT, 'tests', 'artifacts', 'browser'));
const VAULT = join(SCRATCH, 'vault');

const CHROMIUM = [process.env.BARLAKE_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(p => p && existsSync(p));
if (!CHROMIUM) {
  console.log('SKIP: Chromium not found (/usr/bin/chromium): run scripts/setup.sh (apt package chromium)');
  process.exit(SKIP);
}
let chromium;
try {
  ({ chromium } = await import(join(HERE, 'node_modules', 'playwright-core', 'index.mjs')));
} catch {
  console.log('SKIP: playwright-core is not installed in tests/browser: run scripts/setup_node.sh');
  process.exit(SKIP);
}

function barlake(args) {
  const r = spawnSync(BARLAKE, ['--vault', VAULT, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`barlake ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

const freePort = () => new Promise((res, rej) => {
  const s = net.createServer();
  s.once('error', rej);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
});

let server, browser, page, base, serverLog = '';
const pageErrors = [];

describe('schedules page', () => {
  before(async () => {
    rmSync(SCRATCH, { recursive: true, force: true });
    mkdirSync(SCRATCH, { recursive: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    const init = spawnSync(BARLAKE, ['init', VAULT], { encoding: 'utf8' });
    assert.equal(init.status, 0, init.stderr);
    appendFileSync(join(VAULT, 'barlake.toml'),
      '\n[[schedule]]\nname = "checks"\naction = "health"\nevery = "1h"\n' +
      '\n[[schedule]]\nname = "nightly-backup"\naction = "backup"\nat = "02:00"\ntz = "UTC"\n' +
      `\n[[backup]]\nname = "local"\ndest = "${join(SCRATCH, 'bk')}"\n`);
    barlake(['schedules', 'run-due']);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // --no-schedules: the page must show what the CLI ran, not a run of the server's own.
    server = spawn(BARLAKE, ['--vault', VAULT, 'serve', '--port', String(port), '--no-schedules'], { stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout.on('data', d => { serverLog += d; });
    server.stderr.on('data', d => { serverLog += d; });
    for (let i = 0; i < 200; i++) {
      try { if ((await fetch(`${base}/api/schedules`)).ok) break; } catch { /* not yet */ }
      await new Promise(r => setTimeout(r, 100));
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'UTC' });
    page = await context.newPage();
    page.on('pageerror', e => pageErrors.push(e.message));
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) server.kill('SIGTERM');
    if (pageErrors.length) console.log(`page errors: ${pageErrors.join(' | ')}`);
  });

  test('the nav link opens the page, which shows each last result and next run', async () => {
    await page.goto(`${base}/`);
    await page.click('nav a[data-nav="schedules"]');
    await page.waitForFunction(() => document.getElementById('view').dataset.page === 'schedules', null, { timeout: 15000 });
    const api = await (await fetch(`${base}/api/schedules`)).json();
    const checks = page.locator('#schedules-table tr[data-schedule="checks"]');
    await checks.waitFor();
    assert.match(await checks.innerText(), /health/);
    assert.match(await checks.innerText(), /every 1h/);
    assert.match(await checks.innerText(), /completed/i);
    assert.match(await checks.innerText(), /0 checked, 0 failing, 0 stale/);
    const nextIso = api.schedules.find(s => s.name === 'checks').next_run;
    // Times show in the zone the page's selector holds (the vault's display zone).
    const zone = await page.inputValue('#tz-select');
    const f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit',
      day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    const p = Object.fromEntries(f.formatToParts(new Date(nextIso)).map(x => [x.type, x.value]));
    const next = `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
    assert.equal(await checks.locator('td[data-next]').innerText(), next);
    const backup = page.locator('#schedules-table tr[data-schedule="nightly-backup"]');
    assert.match(await backup.innerText(), /completed/i);
    assert.match(await backup.innerText(), /local: snapshot/);
    assert.match(await page.locator('nav a[aria-current="page"]').innerText(), /Schedules/);
    await page.screenshot({ path: join(ARTIFACTS, 'schedules.png'), fullPage: true });
    assert.deepEqual(pageErrors, [], 'no script errors');
  });
});
