#!/usr/bin/env node
// Browser test of read-compatibility in the dashboard (docs/migration.md#reading-while-mixed):
// the real `barlake serve` on 127.0.0.1 and Debian's headless Chromium (harness.mjs).
//
//   node tests/browser/legacy_test.mjs BARLAKE SCRATCH_DIR [ARTIFACTS_DIR]
//
// A vault with ES 1d imported and a legacy folder (flat layout, OLDCO daily bars in a CSV)
// planned with `barlake migrate plan` but not run. The dataset list must show OLDCO 1d with
// the "legacy — not migrated yet" marker (and ES without it), its page must draw the legacy
// bars under the same marker, and once `barlake migrate run` has put it in the lake the
// marker is gone. Screenshots: legacy-datasets.png, legacy-chart.png.
//
// Exit codes: 0 passed, 1 failed, 77 skipped (no Chromium or playwright-core).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT, openHarness } from './harness.mjs';

const h = await openHarness('legacy_test.mjs');
const LEGACY_BARS = 120;
let page, planId, legacyDir;

/** OLDCO: LEGACY_BARS weekday bars from 2023-01-02 as a plain CSV (Date,Open,...). */
function writeLegacyFolder() {
  legacyDir = join(h.scratch, 'old-data');
  mkdirSync(join(legacyDir, 'stocks_1d'), { recursive: true });
  const lines = ['Date,Open,High,Low,Close,Volume'];
  for (let d = Date.UTC(2023, 0, 2), n = 0; n < LEGACY_BARS; d += 86400000) {
    const wd = new Date(d).getUTCDay();
    if (wd === 0 || wd === 6) continue;
    const o = 50 + Math.sin(n / 6) * 4 + n * 0.05, c = o + Math.cos(n / 4);
    lines.push([new Date(d).toISOString().slice(0, 10), o.toFixed(2), (Math.max(o, c) + 0.5).toFixed(2),
      (Math.min(o, c) - 0.5).toFixed(2), c.toFixed(2), 1000 + n].join(','));
    n++;
  }
  writeFileSync(join(legacyDir, 'stocks_1d', 'OLDCO.csv'), `${lines.join('\n')}\n`);
}

const datasets = async () => (await (await fetch(`${h.base}/api/datasets`)).json()).datasets;

async function openDatasets() {
  await page.goto('about:blank');
  await page.goto(`${h.base}/#/`);
  await page.waitForFunction(() => document.getElementById('view').dataset.page === 'datasets', null, { timeout: 15000 });
}

describe('legacy datasets', () => {
  before(async () => {
    h.freshVault();
    h.cli(['import', join(ROOT, 'tests', 'data', 'ninjatrader', 'daily.txt'), '--symbol', 'ES', '--timeframe', '1d']);
    writeLegacyFolder();
    planId = h.cli(['migrate', 'plan', legacyDir, '--json'], { json: true }).id;
    assert.ok(planId, 'the plan has an id');
    await h.startServer({ args: ['--no-schedules'] });
    page = await h.launchBrowser();
  });

  after(() => h.close());

  test('/api/datasets lists the legacy dataset marked, with where it comes from', async () => {
    const all = await datasets();
    const oldco = all.find(d => d.symbol === 'OLDCO' && d.timeframe === '1d');
    assert.ok(oldco, JSON.stringify(all));
    assert.equal(oldco.legacy, true);
    assert.equal(oldco.legacy_source.migration, planId);
    assert.equal(oldco.legacy_source.path, legacyDir);
    assert.equal(oldco.rows, LEGACY_BARS);
    assert.equal(oldco.first_bar, '2023-01-02T00:00:00Z');
    assert.equal(all.find(d => d.symbol === 'ES').legacy, false);
  });

  test('the dataset list shows the marker on the legacy dataset only', async () => {
    await openDatasets();
    const row = page.locator('#datasets-table tr[data-symbol="OLDCO"][data-timeframe="1d"]');
    await row.waitFor();
    assert.equal(await row.locator('.badge.legacy').textContent(), 'legacy — not migrated yet');
    assert.match(await row.locator('.badge.legacy').getAttribute('title'), new RegExp(planId));
    assert.match(await row.innerText(), new RegExp(LEGACY_BARS.toLocaleString('en-US')));
    const es = page.locator('#datasets-table tr[data-symbol="ES"][data-timeframe="1d"]');
    assert.equal(await es.locator('.badge.legacy').count(), 0, 'a lake dataset has no marker');
    await h.shot('legacy-datasets');
    assert.deepEqual(h.pageErrors, [], 'no script errors');
  });

  test('its page charts the legacy bars under the marker', async () => {
    await page.click('#datasets-table tr[data-symbol="OLDCO"] a');
    await page.waitForFunction(() => document.getElementById('view').dataset.page === 'dataset', null, { timeout: 15000 });
    await page.locator('#legacy-note').waitFor();
    assert.match(await page.locator('#legacy-note').textContent(), /legacy — not migrated yet/);
    assert.match(await page.locator('#legacy-note').innerText(), new RegExp(`migrate run ${planId}`));
    await page.waitForFunction(() => Number(document.getElementById('chart-status')?.dataset.bars) > 0, null,
      { timeout: 20000 });
    const bars = await fetch(`${h.base}/api/bars?symbol=OLDCO&timeframe=1d`);
    assert.equal(bars.headers.get('x-bars-source'), `legacy ${planId}`);
    const body = await bars.json();
    assert.equal(body.count, LEGACY_BARS);
    assert.equal(body.source.kind, 'legacy');
    await h.shot('legacy-chart');
    assert.deepEqual(h.pageErrors, [], 'no script errors');
  });

  test('once migrated, the lake serves it and the marker is gone', async () => {
    h.cli(['migrate', 'run', planId]);
    const oldco = (await datasets()).find(d => d.symbol === 'OLDCO' && d.timeframe === '1d');
    assert.equal(oldco.legacy, false);
    assert.equal(oldco.rows, LEGACY_BARS);
    await openDatasets();
    const row = page.locator('#datasets-table tr[data-symbol="OLDCO"][data-timeframe="1d"]');
    await row.waitFor();
    assert.equal(await row.locator('.badge.legacy').count(), 0);
    assert.deepEqual(h.pageErrors, [], 'no script errors');
  });
});
