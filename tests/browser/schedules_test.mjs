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

import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openHarness } from './harness.mjs';

const h = await openHarness('schedules_test.mjs');
let page, base;

describe('schedules page', () => {
  before(async () => {
    h.freshVault();
    appendFileSync(join(h.vault, 'barlake.toml'),
      '\n[[schedule]]\nname = "checks"\naction = "health"\nevery = "1h"\n' +
      '\n[[schedule]]\nname = "nightly-backup"\naction = "backup"\nat = "02:00"\ntz = "UTC"\n' +
      `\n[[backup]]\nname = "local"\ndest = "${join(h.scratch, 'bk')}"\n`);
    h.cli(['schedules', 'run-due']);
    // --no-schedules: the page must show what the CLI ran, not a run of the server's own.
    await h.startServer({ args: ['--no-schedules'], waitPath: '/api/schedules' });
    base = h.base;
    page = await h.launchBrowser();
  });

  after(() => h.close());

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
    await h.shot('schedules');
    assert.deepEqual(h.pageErrors, [], 'no script errors');
  });
});
