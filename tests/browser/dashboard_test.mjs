#!/usr/bin/env node
// Browser tests of the dashboard: the real `barlake serve` on 127.0.0.1 and Debian's
// headless Chromium driven by playwright-core.
//
//   node tests/browser/dashboard_test.mjs BARLAKE SCRATCH_DIR [ARTIFACTS_DIR]
//
// Builds a vault in SCRATCH_DIR (deleted first) with `barlake init` and `barlake import`
// (ES 1m: ten generated trading days of NinjaTrader bars; ES 1d: tests/data), starts the
// server, and checks that
//   - the dashboard loads and lists the datasets with the catalog's rows and times;
//   - a dataset page draws its chart (candle-coloured pixels on the canvas), and the bars
//     it requested cover only the bars on screen, then only the missing range on scroll;
//   - an upload through the import form shows the detected format; a dry run reports and
//     writes nothing; the import shows progress (server-sent events), then the report, and
//     the new dataset appears in the table and its job in the history;
//   - a rollback from the job page asks first (Cancel changes nothing), then restores;
//   - every page appears within PAGE_BUDGET_MS (the numbers are printed).
// Screenshots go to ARTIFACTS_DIR (default tests/artifacts/browser).
//
// Exit codes: 0 passed, 1 failed, 77 skipped (no Chromium, or playwright-core not installed:
// run scripts/setup.sh and scripts/setup_node.sh). CI installs both, so it runs there.

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT, openHarness } from './harness.mjs';

// The product asks for pages under a second on the demo vault; the bound asserted here is
// looser because this test shares a loaded 2-core CI machine with the rest of ctest.
const PAGE_BUDGET_MS = Number(process.env.BARLAKE_PAGE_BUDGET_MS || 3000);

const h = await openHarness('dashboard_test.mjs');
const BARLAKE = h.barlake;
const SCRATCH = h.scratch;

// ---------------------------------------------------------------- helpers

const barlake = (args, opts) => h.cli(args, opts);

/** NinjaTrader 1-minute export: bar CLOSE stamps "yyyyMMdd HHmmss" in UTC, ';' separated. */
function ninjaTraderMinutes(startUtcMs, days) {
  const lines = [];
  let price = 4800;
  for (let d = 0, day = 0; day < days; d++) {
    const dayStart = startUtcMs + d * 86400000;
    const wd = new Date(dayStart).getUTCDay();
    if (wd === 0 || wd === 6) continue;  // weekends are empty, as in a real session
    day++;
    for (let m = 0; m < 1440; m++) {
      const t = dayStart + (m + 1) * 60000;  // close of the bar opening at minute m
      const open = price;
      price = Math.round((price + Math.sin((d * 1440 + m) / 90) * 0.75) * 4) / 4;
      const close = price;
      const high = Math.max(open, close) + 0.25, low = Math.min(open, close) - 0.25;
      const s = new Date(t).toISOString();
      lines.push(`${s.slice(0, 4)}${s.slice(5, 7)}${s.slice(8, 10)} ${s.slice(11, 13)}${s.slice(14, 16)}00;` +
                 `${open};${high};${low};${close};${100 + (m % 37)}`);
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * A Binance replay server on 127.0.0.1 (as tests/providers' ReplayServer): /api/v3/klines
 * answers 1-minute klines from `firstMs` up to the bar forming now, paged by startTime,
 * endTime and limit as Binance pages them. `barlake serve` is pointed at it with
 * BARLAKE_BINANCE_URL, so Update never leaves this machine.
 */
function startBinanceReplay(firstMs) {
  const seen = [];
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://127.0.0.1');
    seen.push(Object.fromEntries(u.searchParams));
    if (u.pathname !== '/api/v3/klines') { res.writeHead(404); res.end('{}'); return; }
    const start = Number(u.searchParams.get('startTime') || 0), end = Number(u.searchParams.get('endTime') || Date.now());
    const limit = Number(u.searchParams.get('limit') || 500);
    const lastOpen = Math.floor(Date.now() / 60000) * 60000;
    const rows = [];
    let t = Math.max(firstMs, Math.ceil(start / 60000) * 60000);
    for (; t <= end && t <= lastOpen && rows.length < limit; t += 60000) {
      const k = Math.floor(t / 60000) % 96, p = 100 + (k < 48 ? k : 96 - k) * 0.25;
      rows.push([t, p.toFixed(8), (p + 0.5).toFixed(8), (p - 0.5).toFixed(8), (p + 0.25).toFixed(8), '10.00000000',
        t + 59999, '1000.0', 5, '5.0', '500.0', '0']);
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-MBX-USED-WEIGHT-1M': '2' });
    res.end(JSON.stringify(rows));
  });
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve({ server, seen, origin: `http://127.0.0.1:${server.address().port}` })));
}

/** Times as the dashboard shows them: "YYYY-MM-DD HH:MM" in the zone. */
function wallTime(iso, zone) {
  const f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit',
    day: '2-digit', hour: '2-digit', minute: '2-digit' });
  const p = Object.fromEntries(f.formatToParts(new Date(iso)).map(x => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

// ---------------------------------------------------------------- the tests

let page, base, token, replay;
// The Binance replay's series starts six hours ago (BTCUSDT 1m, for Update).
const REPLAY_FIRST_MS = Math.floor(Date.now() / 60000) * 60000 - 6 * 3600000;
const pageErrors = h.pageErrors;
const barsRequests = [];
const timings = {};

/**
 * Loads the dashboard afresh at `hash` (a full page load, as a user opening a bookmark)
 * and waits for page `name` to have drawn. Records the time from navigation start.
 */
async function openPage(hash, name) {
  await page.goto('about:blank');
  await page.goto(`${base}/${hash}`);
  await page.waitForFunction(n => document.getElementById('view').dataset.page === n, name, { timeout: 15000 });
  const ms = Number(await page.evaluate(() => document.getElementById('view').dataset.readyAt));
  timings[name] = ms;
  return ms;
}

const shot = name => h.shot(name);

describe('dashboard', () => {
  before(async () => {
    h.freshVault();
    const es = join(SCRATCH, 'ES 03-24.Last.txt');
    writeFileSync(es, ninjaTraderMinutes(Date.UTC(2024, 0, 8), 10));
    barlake(['import', es, '--symbol', 'ES', '--timeframe', '1m', '--tz', 'UTC']);
    barlake(['import', join(ROOT, 'tests', 'data', 'ninjatrader', 'daily.txt'), '--symbol', 'ES', '--timeframe', '1d']);

    replay = await startBinanceReplay(REPLAY_FIRST_MS);
    await h.startServer({ env: { BARLAKE_BINANCE_URL: replay.origin } });
    base = h.base;
    token = barlake(['token']).trim().split(/\s+/).pop();

    page = await h.launchBrowser();
    page.on('request', r => {
      const u = new URL(r.url());
      if (u.pathname === '/api/bars') barsRequests.push(Object.fromEntries(u.searchParams));
    });
    // The URL `barlake serve` prints carries the token in the fragment; the page keeps it.
    await page.goto(`${base}/#token=${encodeURIComponent(token)}`);
  });

  after(async () => {
    await h.close();
    if (replay) replay.server.close();
    console.log(`page timings (ms, navigation start to content): ${JSON.stringify(timings)}`);
  });

  test('the dashboard loads and lists the datasets as the catalog has them', async () => {
    await openPage('#/', 'datasets');
    assert.equal(await page.evaluate(() => location.hash.includes('token')), false, 'the token stays out of the URL');
    assert.equal(await page.evaluate(() => localStorage.getItem('barlake.token')), token);
    const status = barlake(['status', '--json'], { json: true });
    const zone = status.display_tz;
    assert.equal(await page.inputValue('#tz-select'), zone, 'the vault display zone is the default');
    for (const d of status.datasets) {
      const row = page.locator(`#datasets-table tr[data-symbol="${d.symbol}"][data-timeframe="${d.timeframe}"]`);
      await row.waitFor();
      const cells = await row.locator('th, td').allTextContents();
      assert.equal(cells[0], d.symbol);
      assert.equal(cells[4], d.rows.toLocaleString('en-US'), `${d.symbol} ${d.timeframe} rows`);
      if (d.timeframe === '1m') {
        assert.equal(cells[2], wallTime(d.first_bar, zone), 'first bar in the display zone');
        assert.equal(cells[3], wallTime(d.last_bar, zone), 'last bar in the display zone');
      } else {
        assert.equal(cells[2], d.first_bar.slice(0, 10), 'daily bars show their date');
      }
    }
    // Another zone re-draws the times.
    await page.selectOption('#tz-select', 'Asia/Tokyo');
    await page.waitForFunction(() => document.getElementById('view').dataset.page === 'datasets');
    const es1m = status.datasets.find(d => d.timeframe === '1m');
    const first = await page.locator('#datasets-table tr[data-timeframe="1m"] td').nth(1).textContent();
    assert.equal(first, wallTime(es1m.first_bar, 'Asia/Tokyo'));
    await shot('01-datasets-tokyo');
    await page.selectOption('#tz-select', zone);
    await page.waitForFunction(() => document.getElementById('view').dataset.page === 'datasets');
    await shot('01-datasets');
    assert.ok(timings.datasets < PAGE_BUDGET_MS, `datasets page took ${timings.datasets} ms`);
  });

  test('a dataset page draws its chart from only the bars on screen', async () => {
    const status = barlake(['status', '--json'], { json: true });
    const ds = status.datasets.find(d => d.symbol === 'ES' && d.timeframe === '1m');
    barsRequests.length = 0;
    await openPage('#/dataset/ES/1m', 'dataset');
    await page.waitForSelector('#chart canvas');
    const loaded = await page.evaluate(() => ({ ...document.getElementById('chart-status').dataset }));
    const heldBars = Number(loaded.bars);
    assert.ok(heldBars > 100, `the chart holds ${heldBars} bars`);
    assert.ok(heldBars < ds.rows / 4, `the chart loaded ${heldBars} of ${ds.rows} bars: only the range on screen`);
    assert.ok(barsRequests.length >= 1);
    const span = ms => new Date(ms).toISOString();
    for (const r of barsRequests) {
      assert.ok(Date.parse(r.from) >= Number(loaded.loadedFrom) - 1000 && Date.parse(r.to) <= Number(loaded.loadedTo) + 1000,
        `request ${r.from}..${r.to} stays inside the loaded span ${span(+loaded.loadedFrom)}..${span(+loaded.loadedTo)}`);
    }
    const fullRange = Date.parse(ds.last_bar) - Date.parse(ds.first_bar);
    assert.ok(Number(loaded.loadedTo) - Number(loaded.loadedFrom) < fullRange / 4, 'the loaded span is a small part of the dataset');

    // Candles are drawn: the canvas has pixels in the up and down candle colours.
    const colours = await page.evaluate(() => {
      const css = getComputedStyle(document.documentElement);
      const hex = n => css.getPropertyValue(n).trim();
      const rgb = h => [1, 3, 5].map(i => parseInt(h.slice(i, i + 2), 16));
      const up = rgb(hex('--up')), down = rgb(hex('--down'));
      let ups = 0, downs = 0, painted = 0;
      for (const c of document.querySelectorAll('#chart canvas')) {
        if (!c.width || !c.height) continue;
        const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3] === 0) continue;
          painted++;
          const near = ([r, g, b]) => Math.abs(data[i] - r) < 8 && Math.abs(data[i + 1] - g) < 8 && Math.abs(data[i + 2] - b) < 8;
          if (near(up)) ups++;
          else if (near(down)) downs++;
        }
      }
      return { ups, downs, painted };
    });
    assert.ok(colours.ups > 200 && colours.downs > 200, `candles drawn: ${JSON.stringify(colours)}`);
    await shot('02-dataset-chart');
    assert.ok(timings.dataset < PAGE_BUDGET_MS, `dataset page took ${timings.dataset} ms`);

    // Scrolling back in time fetches only the missing range, ending where the held one starts.
    const before = barsRequests.length;
    const box = await page.locator('#chart').boundingBox();
    for (let i = 0; i < 4 && barsRequests.length === before; i++) {
      await page.mouse.move(box.x + 200, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width - 150, box.y + box.height / 2, { steps: 10 });
      await page.mouse.up();
      await page.waitForTimeout(600);
    }
    assert.ok(barsRequests.length > before, 'scrolling left loads more bars');
    const next = barsRequests[before];
    assert.equal(Date.parse(next.to), Number(loaded.loadedFrom), 'the new request ends where the held bars begin');
    await page.waitForFunction(n => Number(document.getElementById('chart-status').dataset.bars) > n, heldBars);
    await shot('03-dataset-scrolled');

    // A preset shows a week: the requests stay inside that week, each ending where the
    // previous one began, back to the week's start or to as many bars as the chart can draw.
    barsRequests.length = 0;
    await page.click('[data-preset="1W"]');
    await page.waitForFunction(() => !document.getElementById('chart').hasAttribute('aria-busy'));
    const weekEnd = Date.parse(ds.last_bar) + 60000, weekStart = weekEnd - 60000 - 7 * 86400000;
    await page.waitForTimeout(700);  // longer than the scroll debounce: nothing more may come
    const held = await page.evaluate(() => ({ ...document.getElementById('chart-status').dataset }));
    // One span per `to`: a span of more than one page is continued by `next` (a later from).
    const spans = new Map();
    for (const r of barsRequests) {
      const to = Date.parse(r.to), from = Date.parse(r.from);
      spans.set(to, Math.min(from, spans.get(to) ?? Infinity));
    }
    assert.ok(spans.size >= 1);
    let end = weekEnd;
    for (const [to, from] of [...spans].sort((a, b) => b[0] - a[0])) {
      assert.equal(to, end, `1W span ${new Date(from).toISOString()}..${new Date(to).toISOString()} continues the previous one`);
      assert.ok(from >= weekStart, `1W span from ${new Date(from).toISOString()} stays inside the week`);
      end = from;
    }
    assert.equal(end, Number(held.loadedFrom), 'the spans requested are the bars held');
    const truncated = Number(held.loadedFrom) > weekStart;
    assert.equal((await page.textContent('#chart-status')).includes('than the chart can draw'), truncated,
      `held from ${new Date(Number(held.loadedFrom)).toISOString()}, week from ${new Date(weekStart).toISOString()}`);
    await shot('04-dataset-week');

    // The range on screen is in the address (it follows the view), so another zone draws
    // that range again.
    const hash = await page.evaluate(() => location.hash);
    assert.match(hash, /^#\/dataset\/ES\/1m\?from=.+&to=.+/);
    const shown = new URLSearchParams(hash.split('?')[1]);
    const shownFrom = Date.parse(shown.get('from')), shownTo = Date.parse(shown.get('to'));
    assert.ok(shownFrom >= Number(held.loadedFrom) && shownTo <= Number(held.loadedTo) + 60000,
      `the address names what is held: ${hash}`);
    await page.selectOption('#tz-select', 'Europe/Berlin');
    await page.waitForFunction(() => document.getElementById('view').dataset.page === 'dataset');
    const again = await page.evaluate(() => ({ ...document.getElementById('chart-status').dataset }));
    assert.ok(Number(again.loadedFrom) <= shownFrom && Number(again.loadedTo) >= shownTo - 60000,
      `the same range is drawn in the other zone: ${JSON.stringify(again)} vs ${hash}`);
    await page.selectOption('#tz-select', 'America/New_York');
  });

  test('an upload import shows detection, progress and its report, then the dataset is listed', async () => {
    await openPage('#/import', 'import');
    const fixture = join(ROOT, 'tests', 'data', 'csv', 'metatrader_m1_crlf.csv');
    await page.setInputFiles('#import-file', fixture);
    await page.waitForSelector('#detection .detected');
    const detected = await page.getAttribute('#detection .detected', 'data-format');
    const cli = spawnSync(BARLAKE, ['detect', fixture, '--json'], { encoding: 'utf8' });
    assert.equal(detected, JSON.parse(cli.stdout).format, 'the form shows the format the server detected');
    assert.match(await page.textContent('#detection'), /because/);
    await shot('05-import-detected');

    await page.fill('#import-symbol', 'EURUSD');
    await page.fill('#import-timeframe', '1m');
    await page.fill('#import-tz', 'UTC');
    // The server's error reads as its message and code.
    await page.fill('#import-timeframe', '7x');
    await page.click('#import-submit');
    await page.waitForSelector('#import-result .error-box');
    assert.match(await page.textContent('#import-result .error-box'), /7x.*\(invalid_argument\)/);
    await shot('05b-import-error');
    await page.fill('#import-timeframe', '1m');
    // A dry run first: a report, and nothing written.
    await page.check('#import-dry-run');
    await page.click('#import-submit');
    await page.waitForSelector('#import-result .report, #import-result .error-box', { timeout: 30000 });
    assert.equal(await page.textContent('#import-phase'), 'Dry run: nothing was written.',
      `dry run: ${await page.textContent('#import-result')}`);
    assert.equal(barlake(['status', '--json'], { json: true }).datasets.some(d => d.symbol === 'EURUSD'), false);
    await page.uncheck('#import-dry-run');
    await page.click('#import-submit');
    await page.waitForSelector('#import-progress:not([hidden])');
    await page.waitForSelector('#import-result .report, #import-result .error-box', { timeout: 30000 });
    assert.equal(await page.locator('#import-result .error-box').count(), 0,
      `import failed: ${await page.textContent('#import-result')}`);
    const jobId = await page.getAttribute('#import-result .report', 'data-job');
    const job = barlake(['jobs', 'show', jobId, '--json'], { json: true });
    assert.equal(job.status, 'completed');
    assert.equal(job.symbol, 'EURUSD');
    const counts = Object.fromEntries(await page.locator('#import-result dl.counts > div').evaluateAll(divs =>
      divs.map(d => [d.querySelector('dt').textContent, d.querySelector('dd').textContent])));
    assert.equal(counts.Read, job.rows_read.toLocaleString('en-US'));
    assert.equal(counts.Written, job.rows_written.toLocaleString('en-US'));
    assert.equal(await page.textContent('#import-phase'), `Job ${jobId} completed.`);
    const streamed = Number(await page.getAttribute('#import-progress', 'data-stream-events'));
    assert.ok(streamed >= 1, `the task's progress arrived over server-sent events (${streamed} events)`);
    await shot('06-import-report');

    await openPage('#/', 'datasets');
    const row = page.locator('#datasets-table tr[data-symbol="EURUSD"][data-timeframe="1m"]');
    await row.waitFor();
    assert.equal(await row.locator('td').nth(3).textContent(), job.rows_written.toLocaleString('en-US'));
    await shot('07-datasets-after-import');

    await openPage(`#/jobs/${jobId}`, 'job');
    assert.match(await page.textContent('#view'), new RegExp(`Job ${jobId}`));
    assert.equal(await page.getAttribute('.report', 'data-job'), String(jobId));
    await shot('08-job-report');
    await openPage('#/jobs', 'jobs');
    await page.locator(`#jobs-table tr[data-job="${jobId}"]`).waitFor();
    await shot('09-jobs');
    for (const name of ['import', 'job', 'jobs']) {
      assert.ok(timings[name] < PAGE_BUDGET_MS, `${name} page took ${timings[name]} ms`);
    }
  });

  test('rolling back a job from its page asks first, then restores the lake', async () => {
    const imported = barlake(['jobs', '--json'], { json: true });
    const job = imported.find(j => j.kind === 'import' && j.symbol === 'EURUSD' && j.status === 'completed');
    assert.ok(job, 'the upload of the previous test is in the journal');
    await openPage(`#/jobs/${job.id}`, 'job');
    // Cancel changes nothing.
    await page.click('#rollback-button');
    await page.waitForSelector('#confirm-dialog[open]');
    await shot('11-rollback-confirm');
    await page.click('#confirm-dialog button[value="cancel"]');
    assert.equal(barlake(['jobs', 'show', String(job.id), '--json'], { json: true }).status, 'completed');
    // Confirm rolls it back and opens the rollback job.
    await page.click('#rollback-button');
    await page.click('#confirm-ok');
    await page.waitForFunction(id => /^#\/jobs\/\d+$/.test(location.hash) && location.hash !== `#/jobs/${id}` &&
      document.getElementById('view').dataset.page === 'job', job.id, { timeout: 30000 });
    const rollbackId = Number((await page.evaluate(() => location.hash)).split('/').pop());
    const rb = barlake(['jobs', 'show', String(rollbackId), '--json'], { json: true });
    assert.equal(rb.kind, 'rollback');
    assert.equal(rb.target_job, job.id);
    assert.equal(barlake(['jobs', 'show', String(job.id), '--json'], { json: true }).rolled_back_by, rollbackId);
    await shot('12-rollback-job');
    await openPage('#/', 'datasets');
    await page.locator('#datasets-table tr[data-symbol="ES"][data-timeframe="1m"]').waitFor();
    assert.equal(await page.locator('#datasets-table tr[data-symbol="EURUSD"]').count(), 0, 'the rolled-back dataset is gone');
  });

  test('the health page shows every dataset with the score barlake health gives, and no script errors', async () => {
    await openPage('#/health', 'health');
    await page.locator('#health-table tbody tr').first().waitFor();
    await shot('10-health');
    // `barlake health --json` exits 9 when a dataset fails; the JSON is the same either way.
    const r = spawnSync(BARLAKE, ['--vault', join(SCRATCH, 'vault'), 'health', '--json'], { encoding: 'utf8' });
    assert.ok(r.status === 0 || r.status === 9, `barlake health exited ${r.status}: ${r.stderr}`);
    const cli = JSON.parse(r.stdout).datasets;
    const rows = await page.locator('#health-table tbody tr').evaluateAll(trs => trs.map(tr => ({
      name: tr.querySelector('th').textContent.trim(),
      score: tr.querySelectorAll('td')[1].textContent.trim(),
    })));
    assert.equal(rows.length, cli.length, 'one row per dataset');
    for (const d of cli) {
      const row = rows.find(x => x.name === `${d.symbol} ${d.timeframe}`);
      assert.ok(row, `${d.symbol} ${d.timeframe} is on the health page`);
      if (d.status === 'unchecked') {
        assert.equal(row.score, '–', `${d.symbol} ${d.timeframe}: an unchecked dataset has no score`);
        continue;
      }
      assert.equal(row.score, String(d.score), `${d.symbol} ${d.timeframe}: the page shows the score barlake health gives`);
      // The parts of the score add up to what it lost.
      const points = await page.locator(`#health-${`${d.symbol}/${d.timeframe}`.replace(/[^A-Za-z0-9_-]/g, '_')} .score-parts tbody td.num`)
        .allTextContents();
      assert.ok(points.length >= 5, `${d.symbol} ${d.timeframe}: the score's parts are listed`);
      const lost = points.reduce((sum, t) => sum + Number(t.replace('−', '')), 0);
      assert.ok(Math.abs(Math.max(0, 100 - lost) - d.score) <= 0.5 + 1e-9, `${d.symbol} ${d.timeframe}: parts ${points} vs score ${d.score}`);
    }
    assert.deepEqual(pageErrors, []);
  });

  test('the SQL console runs a SELECT, pages, downloads CSV, shows errors inline and cannot write', async () => {
    const status = barlake(['status', '--json'], { json: true });
    const es1m = status.datasets.find(d => d.symbol === 'ES' && d.timeframe === '1m');
    await openPage('#/query', 'query');
    await page.fill('#query-sql', "SELECT count(*) AS n FROM bars WHERE symbol = 'ES' AND timeframe = '1m'");
    await page.click('#query-run');
    await page.waitForFunction(() => document.querySelector('#query-table td'));
    assert.equal((await page.locator('#query-table td').first().textContent()).trim(), String(es1m.rows));
    assert.equal(await page.locator('#query-table td').first().evaluate(td => getComputedStyle(td).textAlign), 'right',
      'numbers are right-aligned');

    // Paging: 100 rows a page; Next shows the following hundred; the page is in the URL.
    const sql = "SELECT ts, close FROM bars WHERE symbol = 'ES' AND timeframe = '1m' ORDER BY ts";
    await page.fill('#query-sql', sql);
    await page.click('#query-run');
    await page.waitForFunction(() => document.querySelectorAll('#query-table tbody tr').length === 100);
    assert.match(await page.textContent('#query-rows'), /Rows 1–100/);
    assert.equal(await page.isDisabled('#query-prev'), true);
    // Row 101 as `barlake query` prints it (CSV: a header line, then the row).
    const expected = barlake(['query', `${sql} LIMIT 1 OFFSET 100`, '--format', 'csv']).trim().split('\n')[1];
    await page.click('#query-next');
    await page.waitForFunction(() => /Rows 101–200/.test(document.querySelector('#query-rows')?.textContent || ''));
    assert.match(await page.evaluate(() => decodeURIComponent(location.hash)), /offset=100/);
    const cells = await page.locator('#query-table tbody tr').first().locator('td').allTextContents();
    assert.equal(cells.map(c => c.trim()).join(','), expected, 'row 101 is the one barlake query gives');
    await shot('sql-console');

    // CSV download of the whole result.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#query-csv')]);
    const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');
    assert.equal(csv[0], 'ts,close');
    assert.equal(csv.length, es1m.rows + 1, 'the CSV holds every row');

    // An error is shown under the box; a write is refused and changes nothing.
    await page.fill('#query-sql', 'SELECT no_such_column FROM bars');
    await page.click('#query-run');
    await page.waitForSelector('#query-error .error-box');
    assert.match(await page.textContent('#query-error'), /no_such_column/);
    await page.fill('#query-sql', 'DROP VIEW bars');
    await page.click('#query-run');
    await page.waitForFunction(() => /SELECT queries only/.test(document.querySelector('#query-error')?.textContent || ''));
    await shot('sql-console-error');
    const after = barlake(['status', '--json'], { json: true }).datasets.find(d => d.symbol === 'ES' && d.timeframe === '1m');
    assert.equal(after.rows, es1m.rows);
    assert.deepEqual(pageErrors, []);
  });

  test('a Windows-1252 upload ends in a readable answer and the server keeps serving', async () => {
    await openPage('#/import', 'import');
    const cp1252 = join(SCRATCH, 'Kurse.csv');
    // "Datum;Eröffnung;...": ö and ß as single cp1252 bytes, a decimal comma, a NBSP.
    writeFileSync(cp1252, Buffer.concat([Buffer.from('Datum;Er'), Buffer.from([0xF6]), Buffer.from('ffnung;Hoch;Tief;Schlu'),
      Buffer.from([0xDF]), Buffer.from(';Volumen\r\n02.01.2023 09:30;3850,25;3851,00;3849,75;3850,50;1200\r\n')]));
    await page.setInputFiles('#import-file', cp1252);
    await page.waitForSelector('#detection p');
    await page.fill('#import-symbol', 'DAX');
    await page.fill('#import-timeframe', '1m');
    await page.selectOption('#import-format', 'csv');
    await page.click('#import-submit');
    await page.waitForSelector('#import-result .report, #import-result .error-box', { timeout: 30000 });
    const text = await page.textContent('#import-result');
    assert.doesNotMatch(text, /internal|type_error|json\.exception/, text);
    await shot('10-import-cp1252');
    // The server is alive: the task list and the global event stream answer.
    const tasks = await (await fetch(`${base}/api/tasks`)).json();
    assert.ok(tasks.tasks.length >= 1);
    const events = await fetch(`${base}/api/events`);
    assert.equal(events.status, 200);
    const reader = events.body.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    assert.match(first, /connected/);
    await reader.cancel();
    assert.deepEqual(pageErrors, []);
  });

  test('a file cut short is refused with the reason, and Import again with Force imports the rest', async () => {
    await openPage('#/import', 'import');
    const cut = join(SCRATCH, 'NQ cut.Last.txt');
    // Three whole NinjaTrader lines, then a copy that stopped mid-line.
    writeFileSync(cut, '20240102 143100;16800;16801;16799;16800.5;10\n20240102 143200;16800.5;16802;16800;16801;12\n' +
      '20240102 143300;16801;16803;16800.75;16802;9\n20240102 143400;16802;168');
    await page.setInputFiles('#import-file', cut);
    await page.waitForSelector('#detection p');
    await page.fill('#import-symbol', 'NQCUT');
    await page.fill('#import-timeframe', '1m');
    await page.fill('#import-tz', 'America/Chicago');
    await page.click('#import-submit');
    await page.waitForSelector('#import-result .error-box', { timeout: 30000 });
    assert.match(await page.textContent('#import-result .error-box'), /looks cut short.*line 4.*Nothing was imported/s);
    await shot('10b-import-cut-short');
    await page.click('#import-again-forced');
    await page.waitForSelector('#import-result .report', { timeout: 30000 });
    assert.equal(await page.isChecked('#import-force'), true);
    const report = await page.textContent('#import-result');
    assert.match(report, /Rejected\s*1/, report);
    const listed = await (await fetch(`${base}/api/datasets`)).json();
    const nq = listed.datasets.find(d => d.symbol === 'NQCUT' && d.timeframe === '1m');
    assert.equal(nq && nq.rows, 3, JSON.stringify(nq));
    assert.deepEqual(pageErrors, []);
  });

  test('a #token= link works in an open tab, and a missing token is one "Token needed" message', async () => {
    await page.evaluate(() => localStorage.removeItem('barlake.token'));
    await openPage('#/import', 'import');
    await page.waitForSelector('#token-needed');
    assert.equal(await page.locator('#token-needed').count(), 1);
    await page.setInputFiles('#import-file', join(ROOT, 'tests', 'data', 'csv', 'metatrader_m1_crlf.csv'));
    await page.waitForTimeout(500);
    assert.equal(await page.locator('#token-needed').count(), 1, 'still one message');
    assert.doesNotMatch(await page.textContent('#detection'), /Format not recognised/);
    await shot('11-token-needed');
    await page.click('#paste-token');
    assert.equal(await page.isVisible('#token-dialog'), true, 'the paste button opens the token dialog');
    await page.keyboard.press('Escape');
    // The link `barlake serve` prints, opened in this (already open) tab.
    await page.evaluate(t => { location.hash = `#token=${encodeURIComponent(t)}`; }, token);
    await page.waitForFunction(t => localStorage.getItem('barlake.token') === t, token);
    await page.waitForFunction(() => !location.hash.includes('token'));
    assert.equal(await page.textContent('#token-button'), 'Token ✓');
  });

  test('an open chart and the dataset list refresh by themselves after a CLI import', async () => {
    await openPage('#/dataset/ES/1m', 'dataset');
    await page.waitForFunction(() => Number(document.getElementById('chart-status')?.dataset.loadedTo) > 0);
    const lastBefore = barlake(['status', '--json'], { json: true }).datasets.find(d => d.symbol === 'ES' && d.timeframe === '1m').last_bar;
    const more = join(SCRATCH, 'ES more.Last.txt');
    writeFileSync(more, ninjaTraderMinutes(Date.UTC(2024, 0, 22), 1));
    barlake(['import', more, '--symbol', 'ES', '--timeframe', '1m', '--tz', 'UTC']);
    const lastAfter = barlake(['status', '--json'], { json: true }).datasets.find(d => d.symbol === 'ES' && d.timeframe === '1m').last_bar;
    assert.ok(lastAfter > lastBefore);
    await page.waitForFunction(() => Number(document.getElementById('chart-status')?.dataset.liveUpdates || 0) >= 1,
      null, { timeout: 15000 });
    const loadedTo = Number(await page.getAttribute('#chart-status', 'data-loaded-to'));
    assert.ok(loadedTo >= Date.parse(lastAfter), `the chart holds the new bars (${new Date(loadedTo).toISOString()} >= ${lastAfter})`);
    await shot('12-live-chart');
    await openPage('#/', 'datasets');
    const changes = Number(await page.evaluate(() => document.body.dataset.lakeChanges || 0));
    const more2 = join(SCRATCH, 'ES more2.Last.txt');
    writeFileSync(more2, ninjaTraderMinutes(Date.UTC(2024, 0, 29), 1));
    barlake(['import', more2, '--symbol', 'ES', '--timeframe', '1m', '--tz', 'UTC']);
    const rows = barlake(['status', '--json'], { json: true }).datasets.find(d => d.symbol === 'ES' && d.timeframe === '1m').rows;
    await page.waitForFunction(c => Number(document.body.dataset.lakeChanges || 0) > c, changes, { timeout: 15000 });
    const row = page.locator('#datasets-table tr[data-symbol="ES"][data-timeframe="1m"]');
    await page.waitForFunction(r => {
      const tr = document.querySelector('#datasets-table tr[data-symbol="ES"][data-timeframe="1m"]');
      return tr && tr.querySelectorAll('td')[3].textContent === r;
    }, rows.toLocaleString('en-US'), { timeout: 15000 });
    assert.equal(await row.locator('td').nth(3).textContent(), rows.toLocaleString('en-US'));
    assert.deepEqual(pageErrors, []);
  });

  test('dragging towards newer bars and zooming out keep the view where the user put it', async () => {
    const es = barlake(['status', '--json'], { json: true }).datasets.find(d => d.symbol === 'ES' && d.timeframe === '1m');
    const from = Date.parse(es.first_bar) + 3 * 86400000, to = from + 6 * 3600000;
    const iso = ms => new Date(ms).toISOString().replace('.000Z', 'Z');
    await openPage(`#/dataset/ES/1m?from=${iso(from)}&to=${iso(to)}`, 'dataset');
    await page.waitForFunction(() => Number(document.getElementById('chart-status')?.dataset.loadedTo) > 0);
    const shownRange = async () => {
      await page.waitForTimeout(900);  // the loads (200 ms debounce) and the address (300 ms)
      const q = new URLSearchParams((await page.evaluate(() => location.hash)).split('?')[1]);
      return { from: Date.parse(q.get('from')), to: Date.parse(q.get('to')) };
    };
    const before = await shownRange();
    const box = await page.locator('#chart').boundingBox();
    const y = box.y + box.height * 0.4;
    for (let i = 0; i < 3; i++) {  // drag right to left: towards newer bars
      await page.mouse.move(box.x + box.width * 0.7, y);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.3, y, { steps: 8 });
      await page.mouse.up();
      await page.waitForTimeout(400);
    }
    const dragged = await shownRange();
    assert.ok(dragged.to > before.to, 'the drag moved the view towards newer bars');
    // Three drags of 40 % of the width each: about 1.2 screens (7 hours here), never days.
    assert.ok(dragged.to - before.to < 12 * 3600000,
      `the view stayed where it was dragged: ${iso(before.to)} -> ${iso(dragged.to)}`);
    const heldTo = Number(await page.getAttribute('#chart-status', 'data-loaded-to'));
    assert.ok(heldTo > before.to, 'bars were loaded on the right meanwhile');
    // From/To follow the screen.
    assert.equal(await page.inputValue('#range-to'), wallTime(new Date(dragged.to - 60000).toISOString(), 'America/New_York').replace(' ', 'T'));
    for (let i = 0; i < 4; i++) {  // wheel zoom-out around the middle
      await page.mouse.move(box.x + box.width * 0.5, y);
      await page.mouse.wheel(0, 400);
      await page.waitForTimeout(300);
    }
    const zoomed = await shownRange();
    assert.ok(zoomed.to - zoomed.from > dragged.to - dragged.from, 'zoomed out');
    const mid = (dragged.from + dragged.to) / 2;
    assert.ok(zoomed.from < mid && zoomed.to > mid, `the zoom kept the middle on screen: ${iso(zoomed.from)}..${iso(zoomed.to)}`);
    await shot('14-drag-zoom');
    // The timeframe switcher keeps the range (it is in the URL) and the symbol.
    const hashBefore = await page.evaluate(() => location.hash);
    await page.selectOption('#timeframe-switch', '1d');
    // The address the switcher went to (the page may narrow it to the bars it then shows).
    const switched = await (await page.waitForFunction(() => location.hash.startsWith('#/dataset/ES/1d') && location.hash)).jsonValue();
    await page.waitForFunction(() => document.getElementById('view').dataset.page === 'dataset');
    assert.equal(switched.split('?')[1], hashBefore.split('?')[1]);
    const symbols = await page.locator('#symbol-switch option').allTextContents();
    assert.ok(symbols.includes('ES'));
    assert.deepEqual(pageErrors, []);
  });

  test('the All preset on 1m data shows the whole range at a coarser resolution aggregated on the server', async () => {
    const status = barlake(['status', '--json'], { json: true });
    const es = status.datasets.find(d => d.symbol === 'ES' && d.timeframe === '1m');
    await openPage('#/dataset/ES/1m', 'dataset');
    await page.waitForFunction(() => Number(document.getElementById('chart-status')?.dataset.loadedTo) > 0);
    barsRequests.length = 0;
    await page.click('button[data-preset="All"]');
    await page.waitForFunction(() => /aggregated from 1m/.test(document.getElementById('chart-status')?.textContent || ''),
      null, { timeout: 20000 });
    const resolution = await page.getAttribute('#chart', 'data-resolution');
    assert.notEqual(resolution, '1m', 'a coarser resolution is in use');
    assert.ok(barsRequests.every(q => q.resample === resolution), 'the bars were aggregated on the server');
    const loadedFrom = Number(await page.getAttribute('#chart-status', 'data-loaded-from'));
    assert.ok(loadedFrom <= Date.parse(es.first_bar), `All reaches the first bar (${new Date(loadedFrom).toISOString()} vs ${es.first_bar})`);
    await shot('13-all-resampled');
    // 1D is few enough bars for the native resolution again.
    await page.click('button[data-preset="1D"]');
    await page.waitForFunction(() => document.getElementById('chart')?.dataset.resolution === '1m');
    assert.deepEqual(pageErrors, []);
  });

  test('a stored session-statistics table is listed as derived and its page says how to read it, not a chart', async () => {
    barlake(['dataset', 'set', 'ES', '1m', '--calendar', 'CME_Globex']);
    barlake(['stats', 'ES', '1m', '--save']);
    await openPage('#/?tab=derived', 'datasets');
    const link = page.locator('#datasets-table tr[data-symbol="ES"][data-timeframe="session_stats"] a');
    await link.waitFor();
    await link.click();
    const note = page.locator('#not-bars');
    await note.waitFor();
    assert.match(await note.textContent(), /derived table.*SELECT \* FROM session_stats WHERE symbol = 'ES'/s);
    assert.equal(await page.locator('#chart').count(), 0, 'no chart for a table');
    assert.deepEqual(pageErrors, []);
  });
  test('the import form names the zone and the dataset, and warns loudly when a dry run mostly conflicts', async () => {
    const es = barlake(['status', '--json'], { json: true }).datasets.find(d => d.symbol === 'ES' && d.timeframe === '1m');
    await openPage('#/import', 'import');
    // The same stamps as stored ES bars, every price 8 points higher: each row conflicts.
    mkdirSync(join(SCRATCH, 'shifted'), { recursive: true });
    const shifted = join(SCRATCH, 'shifted', 'ES 03-24.Last.txt');  // the name gives the symbol
    writeFileSync(shifted, ninjaTraderMinutes(Date.UTC(2024, 0, 8), 1)
      .replace(/;(\d+(?:\.\d+)?)/g, (m, v) => `;${Number(v) + 8}`));
    await page.setInputFiles('#import-file', shifted);
    await page.waitForSelector('#detection .detected');
    // No zone chosen: the vault's default, and the stamps use it (NinjaTrader stamps are naive).
    await page.waitForSelector('#detect-zone');
    const status = barlake(['status', '--json'], { json: true });
    assert.match(await page.textContent('#detect-zone'), /default_source_tz/);
    await page.fill('#import-timeframe', '1m');
    await page.fill('#import-tz', 'UTC');
    await page.waitForFunction(() => /UTC: the zone you chose/.test(document.getElementById('detect-zone')?.textContent || ''));
    await page.waitForSelector('#detect-dataset[data-exists="true"]');
    const adds = await page.textContent('#detect-dataset');
    assert.match(adds, /Adds to ES 1m/);
    assert.ok(adds.includes(es.rows.toLocaleString('en-US')), `the dataset's rows are named: ${adds}`);
    assert.ok(adds.includes(wallTime(es.first_bar, await page.inputValue('#tz-select'))), `its first bar: ${adds}`);
    await shot('15-import-zone-dataset');
    await page.check('#import-dry-run');
    await page.click('#import-submit');
    await page.waitForSelector('#import-result .report, #import-result .error-box', { timeout: 30000 });
    await page.waitForSelector('#conflict-warning');
    assert.match(await page.textContent('#conflict-warning'), /differ from the bars already stored/);
    // The conflict table writes each number as the report's JSON does (shortest round trip).
    const tasks = (await (await fetch(`${base}/api/tasks`)).json()).tasks;
    const conflicts = tasks.find(t => t.kind === 'import' && t.result && t.result.report).result.report.conflicts;
    assert.ok(Array.isArray(conflicts) && conflicts.length > 0, 'the dry run lists conflicting bars');
    await page.click('#import-result summary:has-text("Conflicting bars")');
    const firstRow = await page.locator('#import-result details:has-text("Conflicting bars") tbody tr').first()
      .locator('td').allTextContents();
    assert.equal(firstRow[2], conflicts[0].stored.map(String).join(' '));
    assert.equal(firstRow[3], conflicts[0].incoming.map(String).join(' '));
    await shot('16-import-conflict-warning');
    assert.equal(barlake(['status', '--json'], { json: true }).datasets.find(d => d.symbol === 'ES' && d.timeframe === '1m').rows,
      status.datasets.find(d => d.symbol === 'ES' && d.timeframe === '1m').rows, 'the dry run wrote nothing');
    await page.uncheck('#import-dry-run');
    assert.deepEqual(pageErrors, []);
  });

  test('EURUSD prices are drawn with the five decimals of the data', async () => {
    // (The upload test's EURUSD was rolled back since.)
    barlake(['import', join(ROOT, 'tests', 'data', 'csv', 'metatrader_m1_crlf.csv'), '--symbol', 'EURUSDX', '--timeframe', '1m', '--tz', 'UTC']);
    await openPage('#/dataset/EURUSDX/1m', 'dataset');
    await page.waitForFunction(() => Number(document.getElementById('chart-status')?.dataset.bars) > 0);
    assert.equal(await page.getAttribute('#chart', 'data-price-precision'), '5');
    // Fit the few bars to the width, then hover them until the legend shows one.
    await page.click('button[title="Fit the loaded bars"]');
    const box = await page.locator('#chart').boundingBox();
    for (let x = 0.9; x > 0.05; x -= 0.05) {
      await page.mouse.move(box.x + box.width * x, box.y + box.height * 0.4);
      await page.waitForTimeout(50);
      if ((await page.textContent('.legend')).includes(' O ')) break;
    }
    const legend = await page.textContent('.legend');
    for (const field of ['O', 'H', 'L', 'C']) {
      assert.match(legend, new RegExp(` ${field} 1\\.\\d{5}(\\s|$)`), `${field} with 5 decimals: ${legend}`);
    }
    await shot('17-eurusd-precision');
  });

  test('Update on a dataset page and Update all on the list fetch from the provider and say what came from where', async () => {
    // BTCUSDT 1m made by a download from the replay, ending an hour ago.
    const iso = ms => new Date(ms).toISOString().replace('.000Z', 'Z');
    const env = { ...process.env, BARLAKE_BINANCE_URL: replay.origin };
    // Not spawnSync: the replay server answers from this process's event loop.
    const made = await new Promise(resolveRun => {
      const child = spawn(BARLAKE, ['--vault', join(SCRATCH, 'vault'), 'update', 'BTCUSDT', '--timeframe', '1m',
        '--from', iso(REPLAY_FIRST_MS), '--to', iso(Math.floor(Date.now() / 60000) * 60000 - 3600000)], { env });
      let stderr = '';
      child.stderr.on('data', d => { stderr += d; });
      child.on('close', status => resolveRun({ status, stderr }));
    });
    assert.equal(made.status, 0, made.stderr);
    const before = barlake(['status', '--json'], { json: true }).datasets.find(d => d.symbol === 'BTCUSDT');
    await openPage('#/dataset/BTCUSDT/1m', 'dataset');
    replay.seen.length = 0;
    await page.click('#update');
    await page.waitForSelector('#update-table tr[data-dataset="BTCUSDT 1m"]', { timeout: 30000 });
    const row = page.locator('#update-table tr[data-dataset="BTCUSDT 1m"]');
    assert.equal(await row.getAttribute('data-status'), 'ok');
    const cells = await row.locator('th, td').allTextContents();
    assert.equal(cells[2], 'binance');
    const written = Number(cells[5].replace(/,/g, ''));
    assert.ok(written >= 58 && written <= 62, `about an hour of bars written: ${cells}`);
    assert.match(cells[7], /^binance /, 'which provider served which range');
    assert.ok(replay.seen.length >= 1 && replay.seen.every(q => q.symbol === 'BTCUSDT'), 'the provider was asked');
    const after = barlake(['status', '--json'], { json: true }).datasets.find(d => d.symbol === 'BTCUSDT');
    // Written bars are new rows, except the stored last bar: provisional after the first
    // download (docs/validation.md), it is completed in place and counted as written.
    assert.ok(after.rows === before.rows + written || after.rows === before.rows + written - 1,
      `rows ${before.rows} -> ${after.rows} with ${written} written`);
    await shot('18-update-dataset');

    // ETHUSDT 1m, also made by a download ending an hour ago: Update all brings it up to
    // date, and BTCUSDT (just updated) has nothing or a bar to fetch.
    const eth = await new Promise(resolveRun => {
      const child = spawn(BARLAKE, ['--vault', join(SCRATCH, 'vault'), 'update', 'ETHUSDT', '--timeframe', '1m',
        '--from', iso(REPLAY_FIRST_MS), '--to', iso(Math.floor(Date.now() / 60000) * 60000 - 3600000)], { env });
      let stderr = '';
      child.stderr.on('data', d => { stderr += d; });
      child.on('close', status => resolveRun({ status, stderr }));
    });
    assert.equal(eth.status, 0, eth.stderr);
    await openPage('#/', 'datasets');
    await page.click('#update-all');
    await page.waitForSelector('#update-summary', { timeout: 30000 });
    const all = await page.locator('#update-table tbody tr').evaluateAll(trs => trs.map(tr => tr.dataset.dataset));
    assert.deepEqual(all.sort(), ['BTCUSDT 1m', 'ETHUSDT 1m'], 'every dataset that has a provider (ES has none)');
    const ethRow = page.locator('#update-table tr[data-dataset="ETHUSDT 1m"]');
    assert.equal(await ethRow.getAttribute('data-status'), 'ok');
    const ethCells = await ethRow.locator('th, td').allTextContents();
    assert.equal(ethCells[2], 'binance');
    assert.ok(Number(ethCells[5].replace(/,/g, '')) >= 58, `ETHUSDT got the last hour: ${ethCells}`);
    assert.match(ethCells[7], /^binance /);
    assert.match(await page.locator('#update-table tr[data-dataset="BTCUSDT 1m"]').getAttribute('data-status'), /^(ok|up_to_date)$/);
    // The list draws again on the lake change the update caused; the result stays.
    await page.waitForTimeout(1500);
    assert.equal(await page.locator('#update-table').count(), 1, 'the result survives the live refresh');
    await shot('19-update-all');
    assert.deepEqual(pageErrors, []);
  });

  test('a rollback lists the derived datasets it rebuilds before, and the rebuilt ones after', async () => {
    barlake(['resample', 'ES', '--to', '15m,1h']);
    // A job whose dependents are ES 1h: one more day of ES 1m.
    const more = join(SCRATCH, 'ES rollback.Last.txt');
    writeFileSync(more, ninjaTraderMinutes(Date.UTC(2024, 1, 5), 1));
    barlake(['import', more, '--symbol', 'ES', '--timeframe', '1m', '--tz', 'UTC']);
    const job = barlake(['jobs', '--json'], { json: true }).find(j => j.kind === 'import' && j.symbol === 'ES' && j.timeframe === '1m');
    await openPage(`#/jobs/${job.id}`, 'job');
    await page.click('#rollback-button');
    await page.waitForSelector('#confirm-dialog[open] #rollback-dependents');
    const listed = page.locator('#rollback-dependents li[data-dataset="ES 1h"]');
    assert.equal(await listed.getAttribute('data-action'), 'rebuilt');
    assert.match(await listed.textContent(), /rebuilt right after the rollback/);
    await shot('20-rollback-dependents');
    await page.click('#confirm-ok');
    await page.waitForFunction(id => /^#\/jobs\/\d+$/.test(location.hash) && location.hash !== `#/jobs/${id}`, job.id, { timeout: 30000 });
    await page.waitForSelector('#report-regenerated li[data-dataset="ES 1h"]');
    assert.match(await page.textContent('#report-regenerated li[data-dataset="ES 1h"]'), /rebuilt/);
    await shot('21-rollback-rebuilt');
    assert.deepEqual(pageErrors, []);
  });

  test('All on 1m data reads the derived 1h dataset when one is up to date, and the address holds every state', async () => {
    const status = barlake(['status', '--json'], { json: true });
    assert.ok(status.datasets.some(d => d.symbol === 'ES' && d.timeframe === '15m'), 'ES 15m and 1h were declared by the rollback test');
    await openPage('#/dataset/ES/1m?tz=Asia/Tokyo', 'dataset');
    assert.equal(await page.inputValue('#tz-select'), 'Asia/Tokyo', 'the zone in the address is the one drawn');
    barsRequests.length = 0;
    await page.click('button[data-preset="All"]');
    await page.waitForFunction(() => document.getElementById('chart')?.dataset.source === 'derived', null, { timeout: 20000 });
    const resolution = await page.getAttribute('#chart', 'data-resolution');
    assert.match(await page.textContent('#chart-resolution'), new RegExp(`Resolution: ${resolution} \\(derived dataset\\)`));
    assert.ok((await page.textContent('#chart-status')).includes(`from the derived dataset ES ${resolution}`));
    assert.ok(barsRequests.length && barsRequests.every(r => r.resample === resolution), 'asked with resample=');
    const hash = await page.evaluate(() => location.hash);
    const q = new URLSearchParams(hash.split('?')[1]);
    assert.ok(hash.startsWith('#/dataset/ES/1m?') && q.get('from') && q.get('to') && q.get('tz') === 'Asia/Tokyo',
      `symbol, timeframe, range and zone are in the address: ${hash}`);
    await shot('22-all-derived');
    // The same address in a fresh load draws the same view.
    await openPage(hash, 'dataset');
    assert.equal(await page.inputValue('#tz-select'), 'Asia/Tokyo');
    await page.selectOption('#tz-select', 'America/New_York');
    assert.deepEqual(pageErrors, []);
  });
});
