#!/usr/bin/env node
// Browser test of the chart's live bars (web/page_dataset.js, docs/live.md): the real
// `barlake serve` on 127.0.0.1 and Debian's headless Chromium driven by playwright-core.
//
//   node tests/browser/live_chart_test.mjs BARLAKE SCRATCH_DIR [ARTIFACTS_DIR]
//
// A vault with BTC 1m (300 bars) marked `live = true`, served with --no-schedules (no
// provider is polled: the new bars come from `barlake import` on the CLI, another writer,
// which /api/stream follows just the same). The chart page must
//   - open /api/stream for the live dataset and append each new bar as it lands, following
//     the newest bar while it is on screen;
//   - keep the view where the user put it (From/To and the address unchanged) when they
//     have scrolled back, while the bars still arrive;
//   - resume after the stream drops: EventSource reconnects with Last-Event-ID, and the
//     bars committed meanwhile are not lost or doubled.
// Screenshots go to ARTIFACTS_DIR (default tests/artifacts/browser).
//
// Exit codes: 0 passed, 1 failed, 77 skipped (no Chromium or playwright-core).

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openHarness } from './harness.mjs';

const h = await openHarness('live_chart_test.mjs');

const T0 = Date.UTC(2025, 11, 1, 0, 0) * 1000;  // 2025-12-01T00:00Z in microseconds
const MINUTE = 60_000_000;
let written = 0;  // bars written so far
// `n` more 1-minute bars in the Binance CSV layout (epoch microseconds), imported from the CLI.
function importBars(n) {
  const lines = ['open_time,open,high,low,close,volume,close_time'];
  for (let i = written; i < written + n; i++) {
    const t = T0 + i * MINUTE, o = 100 + Math.sin(i / 9) * 3 + i * 0.01;
    const c = o + Math.cos(i / 5);
    lines.push([t, o.toFixed(2), (Math.max(o, c) + 0.4).toFixed(2), (Math.min(o, c) - 0.4).toFixed(2), c.toFixed(2),
      (10 + (i % 7)).toFixed(2), t + MINUTE - 1].join(','));
  }
  const file = join(h.scratch, `bars-${written}.csv`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  written += n;
  h.cli(['import', file, '--symbol', 'BTC', '--timeframe', '1m']);
}

let page, base;
const status = () => page.evaluate(() => ({ ...document.getElementById('chart-status').dataset }));
const waitForBars = n => page.waitForFunction(want => Number(document.getElementById('chart-status').dataset.bars) >= want,
  n, { timeout: 20000 });

describe('live chart', () => {
  before(async () => {
    h.freshVault();
    importBars(300);
    // Mark the dataset live: a line in its [[dataset]] table.
    const toml = readFileSync(join(h.vault, 'barlake.toml'), 'utf8');
    const marked = toml.replace(/(\[\[dataset\]\][^[]*?symbol = "BTC"[^[]*?timeframe = "1m"\n)/, '$1live = true\n');
    assert.notEqual(marked, toml, 'the BTC 1m table was found');
    writeFileSync(join(h.vault, 'barlake.toml'), marked);
    await h.startServer({ args: ['--no-schedules'], waitPath: '/api/schedules' });
    base = h.base;
    const schedules = await (await fetch(`${base}/api/schedules`)).json();
    assert.ok(schedules.schedules.some(s => s.live && s.datasets.includes('BTC 1m')), JSON.stringify(schedules));
    page = await h.launchBrowser({ viewport: { width: 1440, height: 900 } });
  });

  after(() => h.close());

  test('new bars are appended while the newest bar is on screen', async () => {
    await page.goto(`${base}/#/dataset/BTC/1m`);
    await page.waitForFunction(() => document.getElementById('chart')?.dataset.live === 'streaming', null, { timeout: 20000 });
    const before = await status();
    assert.equal(Number(before.bars), 300);
    importBars(2);
    await waitForBars(302);
    const s = await status();
    assert.equal(s.streamBars, '2', `both bars came from /api/stream: ${JSON.stringify(s)}`);
    // The view followed: the address's To is at the newest bar.
    const to = new URL(page.url().replace('#/', '')).searchParams.get('to');
    if (to) assert.ok(Date.parse(to) >= (T0 + 300 * MINUTE) / 1000, `view follows the newest bar: to=${to}`);
    await h.shot('live-chart-following', { fullPage: false });
    assert.deepEqual(h.pageErrors, [], 'no script errors');
  });

  test('a user who scrolled back keeps the view while bars arrive', async () => {
    const box = await page.locator('#chart').boundingBox();
    const y = box.y + box.height * 0.4;
    // Drag towards older bars (to the right), then let From/To and the address follow.
    await page.mouse.move(box.x + box.width * 0.3, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.85, y, { steps: 12 });
    await page.mouse.up();
    await page.waitForTimeout(1200);
    const viewBefore = { from: await page.inputValue('#range-from'), to: await page.inputValue('#range-to'), url: page.url() };
    const held = Number((await status()).bars);
    importBars(3);
    await waitForBars(held + 3);
    await page.waitForTimeout(1200);
    const viewAfter = { from: await page.inputValue('#range-from'), to: await page.inputValue('#range-to'), url: page.url() };
    assert.deepEqual(viewAfter, viewBefore, 'the view did not move');
    assert.equal((await status()).streamBars, '5');
    await h.shot('live-chart-scrolled-back', { fullPage: false });
    assert.deepEqual(h.pageErrors, [], 'no script errors');
  });

  test('the stream resumes with Last-Event-ID: bars missed while it was down arrive once', async () => {
    // Stop the server (the stream drops), write two bars, start it again on the same port.
    const port = new URL(base).port;
    await h.stopServer();
    const held = Number((await status()).bars);
    importBars(2);
    await h.startServer({ args: ['--no-schedules'], port: Number(port), waitPath: '/api/schedules' });
    await waitForBars(held + 2);
    await page.waitForTimeout(1500);
    const s = await status();
    assert.equal(Number(s.bars), held + 2, `no bar twice: ${JSON.stringify(s)}`);
    const times = await page.evaluate(() => document.getElementById('chart-status').dataset.bars);
    assert.equal(Number(times), 307);
    assert.deepEqual(h.pageErrors, [], 'no script errors');
  });
});
