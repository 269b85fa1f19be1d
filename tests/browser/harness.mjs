// What every browser test of the dashboard shares: its arguments, the skip when Chromium or
// playwright-core is missing, a fresh vault, the real `barlake serve` on 127.0.0.1, and
// headless Chromium with a page that records script errors. One test file:
//
//   import { openHarness } from './harness.mjs';
//   const h = await openHarness('my_test.mjs');   // exits 2 (usage) or 77 (skip) itself
//   h.freshVault();  h.cli(['import', ...]);
//   await h.startServer();  const page = await h.launchBrowser();
//   ...  await h.shot('my-page');  ...  await h.close();
//
//   node tests/browser/<test>.mjs BARLAKE SCRATCH_DIR [ARTIFACTS_DIR]
//
// Exit codes of a test: 0 passed, 1 failed, 77 skipped (no Chromium or playwright-core).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, '..', '..');
export const SKIP = 77;

/** A free TCP port on 127.0.0.1 (closed again before it is returned). */
export const freePort = () => new Promise((res, rej) => {
  const s = net.createServer();
  s.once('error', rej);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
});

/** Wait until `url` answers 2xx; fails when `child` exits first or after `ms`. */
export async function waitForHttp(url, child, ms = 20000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child && child.exitCode !== null) throw new Error(`barlake serve exited with ${child.exitCode}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch { /* not listening yet */ }
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(`barlake serve did not answer ${url} within ${ms} ms`);
}

class Harness {
  constructor({ barlake, scratch, artifacts, chromiumPath, chromium }) {
    this.barlake = barlake;
    this.scratch = scratch;
    this.artifacts = artifacts;
    this.vault = join(scratch, 'vault');
    this.chromiumPath = chromiumPath;
    this.chromium = chromium;
    this.server = null;
    this.serverLog = '';
    this.base = null;
    this.browser = null;
    this.page = null;
    this.pageErrors = [];
    // A failing run prints what the server said last.
    process.on('exit', code => {
      if (code !== 0 && this.serverLog) console.log(`barlake serve said:\n${this.serverLog.slice(-4000)}`);
    });
  }

  /** SCRATCH_DIR emptied, ARTIFACTS_DIR made, and `barlake init` of SCRATCH_DIR/vault. */
  freshVault() {
    rmSync(this.scratch, { recursive: true, force: true });
    mkdirSync(this.scratch, { recursive: true });
    mkdirSync(this.artifacts, { recursive: true });
    const init = spawnSync(this.barlake, ['init', this.vault], { encoding: 'utf8' });
    assert.equal(init.status, 0, init.stderr);
  }

  /** `barlake --vault VAULT ARGS...`: its stdout (parsed with `json`); throws on a non-zero exit. */
  cli(args, { json = false, env } = {}) {
    const r = spawnSync(this.barlake, ['--vault', this.vault, ...args],
      { encoding: 'utf8', maxBuffer: 1 << 28, env: env ? { ...process.env, ...env } : process.env });
    if (r.status !== 0) throw new Error(`barlake ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return json ? JSON.parse(r.stdout) : r.stdout;
  }

  /**
   * `barlake serve` on 127.0.0.1 (a free port, or `port` to come back on the same one),
   * with `args` after `--port` and `env` added to this process's; waits until `waitPath`
   * answers. Sets `base` ("http://127.0.0.1:PORT") and `server` (the child).
   */
  async startServer({ args = [], env = {}, port, waitPath = '/api/datasets' } = {}) {
    const p = port ?? await freePort();
    this.base = `http://127.0.0.1:${p}`;
    this.server = spawn(this.barlake, ['--vault', this.vault, 'serve', '--port', String(p), ...args],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    this.server.stdout.on('data', d => { this.serverLog += d; });
    this.server.stderr.on('data', d => { this.serverLog += d; });
    await waitForHttp(`${this.base}${waitPath}`, this.server);
    return this.server;
  }

  /** Stop the server (SIGTERM) and wait for it to exit. */
  async stopServer() {
    if (!this.server || this.server.exitCode !== null) return;
    const exited = new Promise(r => this.server.once('exit', r));
    this.server.kill('SIGTERM');
    await exited;
  }

  /** Headless Chromium and one page (UTC unless told) that records script errors in `pageErrors`. */
  async launchBrowser({ viewport = { width: 1280, height: 800 }, timezoneId = 'UTC' } = {}) {
    this.browser = await this.chromium.launch({ executablePath: this.chromiumPath, headless: true, args: ['--no-sandbox'] });
    const context = await this.browser.newContext({ viewport, timezoneId });
    this.page = await context.newPage();
    this.page.on('pageerror', e => this.pageErrors.push(e.message));
    return this.page;
  }

  /** A screenshot `NAME.png` in ARTIFACTS_DIR (the whole page unless told). */
  shot(name, { fullPage = true } = {}) {
    return this.page.screenshot({ path: join(this.artifacts, `${name}.png`), fullPage });
  }

  /** Close the browser and stop the server; prints the page errors there were. */
  async close() {
    if (this.browser) await this.browser.close();
    if (this.server) this.server.kill('SIGTERM');
    if (this.pageErrors.length) console.log(`page errors: ${this.pageErrors.join(' | ')}`);
  }
}

/**
 * The arguments of test file `name` (BARLAKE SCRATCH_DIR [ARTIFACTS_DIR]) and its browser.
 * Exits 2 on missing arguments, 77 (skip, saying what to install) without Chromium or
 * playwright-core, 1 when BARLAKE does not exist.
 */
export async function openHarness(name) {
  const [barlakeArg, scratchArg, artifactsArg] = process.argv.slice(2);
  if (!barlakeArg || !scratchArg) {
    console.error(`usage: node ${name} BARLAKE SCRATCH_DIR [ARTIFACTS_DIR]`);
    process.exit(2);
  }
  const chromiumPath = [process.env.BARLAKE_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser']
    .find(p => p && existsSync(p));
  if (!chromiumPath) {
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
  const barlake = resolve(barlakeArg);
  if (!existsSync(barlake)) {
    console.error(`FAIL: ${barlake} does not exist: build the barlake target first`);
    process.exit(1);
  }
  return new Harness({
    barlake,
    scratch: resolve(scratchArg),
    artifacts: resolve(artifactsArg || join(ROOT, 'tests', 'artifacts', 'browser')),
    chromiumPath,
    chromium,
  });
}
