// One dataset: candlesticks and volume (lightweight-charts), loading only the range on
// screen from /api/bars and more when the user scrolls or zooms out.
//
// lightweight-charts draws UTC seconds. To show wall-clock times of the display zone,
// each intraday bar's time is shifted by the zone's UTC offset at that bar
// (time = utc_seconds + offset); the axis and crosshair then read as local times. Daily
// and weekly bars are stamped with their session date (00:00 UTC) and are not shifted.
import { api } from './api.js';
import { followTask } from './task.js';
import { regenerateList } from './report.js';
import { runUpdate, updateNode } from './update.js';
import { legacyMarker, loadBars, loadDatasets } from './data.js';
import { currentZone, formatTime, millisToWall, offsetCache, wallToMillis } from './tz.js';
import { clear, debounce, el, fmtInt, isDailyOrLonger, timeframeSeconds, toast } from './util.js';

const WINDOW_BARS = 400;       // bars fetched for the first view and each scroll step
const MAX_BARS = 60000;        // most bars held at once (a year of 1-minute bars is ~350k)
const MIN_BAR_SPACING = 0.2;   // px: the thinnest bars the chart draws when zoomed out
const DAY = 86400000;

let chartLib = null;
function loadChartLibrary() {
  if (window.LightweightCharts) return Promise.resolve(window.LightweightCharts);
  if (!chartLib) {
    chartLib = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = '/assets/vendor/lightweight-charts.js';
      s.onload = () => resolve(window.LightweightCharts);
      s.onerror = () => reject(new Error('The chart library (/assets/vendor/lightweight-charts.js) did not load'));
      document.head.append(s);
    });
  }
  return chartLib;
}

export async function render(view, route) {
  const { symbol, timeframe } = route;
  const [lib, inventory] = await Promise.all([loadChartLibrary(), loadDatasets()]);
  const ds = inventory.datasets.find(d => d.symbol === symbol && d.timeframe === timeframe);
  if (!ds) {
    clear(view, el('div.error-box', { role: 'alert' }, `There is no dataset ${symbol} ${timeframe} in this vault. `,
      el('a', { href: '#/' }, 'Back to the datasets')));
    return;
  }
  // Snapshots and derived tables (session statistics, level touches) are not bars: no chart.
  if (ds.raw.kind === 'table' || ds.raw.kind === 'snapshot' || ds.raw.kind === 'document') {
    const how = ds.raw.kind === 'table'
      ? `barlake query "SELECT * FROM ${timeframe} WHERE symbol = '${symbol}'"`
      : ds.raw.kind === 'document' ? `barlake ${timeframe} ${symbol}` : `barlake snapshots read ${symbol}`;
    const box = el('div', { id: 'regenerate-result', 'aria-live': 'polite' });
    const regen = ds.category === 'derived'
      ? el('button.ghost', { type: 'button', id: 'regenerate', onclick: () => regenerateDataset(ds, box) }, 'Regenerate') : null;
    clear(view, el('div.page-head', el('h1', `${symbol} ${timeframe}`), regen), box,
      el('p', { id: 'not-bars' }, `This dataset is a ${{ table: 'derived table', document: 'set of keyed documents' }[ds.raw.kind] || 'snapshot dataset'}, ` +
        `not bars, so it has no chart. Read it with `, el('code', how), '.'),
      el('a', { href: '#/' }, 'Back to the datasets'));
    return;
  }
  const zone = currentZone();
  const daily = isDailyOrLonger(timeframe);
  const nativeMs = (timeframeSeconds(timeframe) || 60) * 1000;
  // The resolution drawn: the dataset's own, or a coarser one aggregated on the server
  // when a range holds more bars than the chart can draw (as TradingView steps up).
  let resolution = null;  // null: native; else e.g. '1h'
  let tfMs = nativeMs;
  // One step of bars; a step that finds nothing (a weekend, a holiday) doubles.
  let stepMs = WINDOW_BARS * tfMs;
  const RESOLUTIONS = [['5m', 5], ['15m', 15], ['30m', 30], ['1h', 60], ['4h', 240]]
    .map(([name, minutes]) => [name, minutes * 60000])
    .filter(([, ms]) => !daily && ms > nativeMs && ms % nativeMs === 0);
  // Where the coarser bars come from (GET /api/bars "source"): a derived dataset, when one
  // is up to date, or aggregated on the fly.
  let source = null;
  const resolutionLabel = el('span.resolution', { id: 'chart-resolution', title: 'The resolution the chart draws' });
  const setResolution = (name, ms) => {
    resolution = name; tfMs = ms; stepMs = WINDOW_BARS * tfMs; source = null;
    resolutionLabel.textContent = `Resolution: ${name || timeframe}`;
  };
  const offset = offsetCache(zone);
  const toChartTime = ms => (daily ? Math.floor(ms / 1000) : Math.floor(ms / 1000) + offset(ms));
  const fromChartTime = s => (daily ? s * 1000 : (s - offset(s * 1000)) * 1000);  // approximate near DST edges

  // ---- page skeleton
  const fromInput = el('input', { type: daily ? 'date' : 'datetime-local', id: 'range-from', 'aria-label': 'From' });
  const toInput = el('input', { type: daily ? 'date' : 'datetime-local', id: 'range-to', 'aria-label': 'To' });
  const legend = el('div.legend', { 'aria-live': 'off' });
  const statusLine = el('p.status-line', { id: 'chart-status' });
  const container = el('div.chart', { id: 'chart', role: 'img', 'aria-label': `Candlestick chart of ${symbol} ${timeframe}` });
  const presets = [['1D', DAY], ['1W', 7 * DAY], ['1M', 31 * DAY], ['1Y', 366 * DAY], ['All', Infinity]];
  const wallOf = ms => (daily ? new Date(ms).toISOString().slice(0, 10) : millisToWall(ms, zone));
  const parseWall = text => (daily ? Date.parse(`${text}T00:00:00Z`) : wallToMillis(text, zone));

  const regenerate = ds.category === 'derived'
    ? el('button.ghost', { type: 'button', id: 'regenerate', onclick: () => regenerateDataset(ds, regenerateResult) }, 'Regenerate') : null;
  const regenerateResult = el('div', { id: 'regenerate-result', 'aria-live': 'polite' });
  // Update: fetch what is missing from the dataset's online provider (POST /api/update).
  const updateResult = el('div', { id: 'update-result', 'aria-live': 'polite' }, updateNode(`${symbol} ${timeframe}`));
  const update = ds.category === 'derived' ? null : el('button.ghost', { type: 'button', id: 'update',
    title: 'Fetch the bars missing after the last stored one from its online provider (barlake update)',
    onclick: () => runUpdate({ datasets: [`${symbol} ${timeframe}`] }, `${symbol} ${timeframe}`, updateResult, update) }, 'Update');
  // Symbol and timeframe switchers: the other bar datasets, keeping the range in the URL.
  const barSets = inventory.datasets.filter(d => d.raw.kind !== 'table' && d.raw.kind !== 'snapshot');
  const switchTo = (sym, tf) => {
    const q = location.hash.split('?')[1];
    location.hash = `#/dataset/${encodeURIComponent(sym)}/${encodeURIComponent(tf)}${q ? `?${q}` : ''}`;
  };
  const symbols = [...new Set(barSets.map(d => d.symbol))].sort();
  const timeframes = barSets.filter(d => d.symbol === symbol).map(d => d.timeframe)
    .sort((a, b) => (timeframeSeconds(a) || 0) - (timeframeSeconds(b) || 0));
  const symbolSwitch = el('select', { id: 'symbol-switch', 'aria-label': 'Symbol',
    onchange: e => {
      const sym = e.target.value;
      const same = barSets.find(d => d.symbol === sym && d.timeframe === timeframe);
      switchTo(sym, same ? timeframe : barSets.find(d => d.symbol === sym).timeframe);
    } }, symbols.map(s => el('option', { value: s, selected: s === symbol }, s)));
  const timeframeSwitch = el('select', { id: 'timeframe-switch', 'aria-label': 'Timeframe',
    onchange: e => switchTo(symbol, e.target.value) }, timeframes.map(t => el('option', { value: t, selected: t === timeframe }, t)));
  clear(view,
    el('div.page-head',
      el('h1', `${symbol} `, el('span.muted', timeframe)),
      el('span.switchers', symbolSwitch, timeframeSwitch),
      el('span.muted', ds.description),
      regenerate, update,
      el('a.button.ghost', { href: '#/' }, 'All datasets')),
    el('dl.facts',
      fact('First bar', formatTime(ds.firstMs, { dateOnly: daily })), fact('Last bar', formatTime(ds.lastMs, { dateOnly: daily })),
      fact('Rows', fmtInt(ds.rows)), fact('Zone', daily ? 'session dates' : zone)),
    el('form.range', { onsubmit: e => { e.preventDefault(); applyRange(parseWall(fromInput.value), parseWall(toInput.value)); } },
      el('div.presets', { role: 'group', 'aria-label': 'Range presets' },
        presets.map(([label, span]) => el('button.ghost', { type: 'button', dataset: { preset: label },
          onclick: () => applyRange(span === Infinity ? ds.firstMs : Math.max(ds.firstMs, ds.lastMs - span), ds.lastMs + nativeMs) }, label))),
      el('label', 'From ', fromInput), el('label', 'To ', toInput),
      el('button.primary', { type: 'submit' }, 'Show'),
      resolutionLabel,
      el('span.zoom', { role: 'group', 'aria-label': 'Zoom' },
        el('button.ghost', { type: 'button', title: 'Zoom in', 'aria-label': 'Zoom in', onclick: () => zoom(0.5) }, '+'),
        el('button.ghost', { type: 'button', title: 'Zoom out', 'aria-label': 'Zoom out', onclick: () => zoom(2) }, '−'),
        el('button.ghost', { type: 'button', title: 'Fit the loaded bars', onclick: () => chart.timeScale().fitContent() }, 'Fit'))),
    legacyNote(ds),
    regenerateResult, updateResult,
    el('div.chart-wrap', container, legend),
    statusLine);

  // ---- chart
  const css = getComputedStyle(document.documentElement);
  const color = name => css.getPropertyValue(name).trim();
  const chart = lib.createChart(container, {
    autoSize: true,
    layout: { background: { type: 'solid', color: color('--surface') || '#fff' }, textColor: color('--text') || '#222', attributionLogo: false },
    grid: { vertLines: { color: color('--grid') || '#eee' }, horzLines: { color: color('--grid') || '#eee' } },
    timeScale: { timeVisible: !daily, secondsVisible: false, borderColor: color('--border') || '#ccc', minBarSpacing: MIN_BAR_SPACING },
    rightPriceScale: { borderColor: color('--border') || '#ccc', scaleMargins: { top: 0.06, bottom: 0.26 } },
  });
  const up = color('--up') || '#089981', down = color('--down') || '#f23645';
  // The data's own precision (GET /api/datasets: price_precision, min_move): EURUSD keeps
  // its five decimals on the axis and in the legend, ES steps in quarters.
  const precision = Number.isInteger(ds.raw.price_precision) ? ds.raw.price_precision : 2;
  const minMove = ds.raw.min_move > 0 ? ds.raw.min_move : 10 ** -precision;
  const price = v => (Number.isFinite(v) ? v.toFixed(precision) : '–');
  container.dataset.pricePrecision = String(precision);
  const candles = chart.addSeries(lib.CandlestickSeries, { upColor: up, downColor: down, wickUpColor: up, wickDownColor: down,
    borderVisible: false, priceFormat: { type: 'price', precision, minMove } });
  const volume = chart.addSeries(lib.HistogramSeries, { priceFormat: { type: 'volume' }, priceScaleId: 'volume', lastValueVisible: false, priceLineVisible: false });
  chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });

  // ---- data held: one contiguous span [loadedFrom, loadedTo] of bars, sorted by time
  let bars = [];
  let loadedFrom = NaN, loadedTo = NaN;
  let requests = 0;
  let busy = false;
  let disposed = false;
  // Bumped by every new range (preset, inputs, first view): a fetch begun for an older
  // one drops its bars instead of mixing them into the new range.
  let generation = 0;
  // Drawing and setting the range move the view too; those moves are not the user's
  // scrolling and must not fetch more (the view shows exactly what was asked for).
  let quietUntil = 0;
  const quiet = () => { quietUntil = performance.now() + 400; };
  let controller = new AbortController();

  const draw = () => {
    quiet();
    candles.setData(bars.map(b => ({ time: toChartTime(b.t), open: b.o, high: b.h, low: b.l, close: b.c })));
    volume.setData(bars.map(b => ({ time: toChartTime(b.t), value: b.v ?? 0, color: b.c >= b.o ? `${up}66` : `${down}66` })));
  };
  // Bars loaded on either side must not move the view: setData keeps the *logical* range,
  // so bars appended on the right jumped the view days ahead onto empty space. The view is
  // kept by time instead.
  const drawKeepingView = () => {
    const shown = chart.timeScale().getVisibleRange();
    draw();
    if (shown) chart.timeScale().setVisibleRange(shown);
  };
  // Every state of the chart is in the address: symbol and timeframe (the path), the range
  // and the display zone (the query), so a link opens the same view.
  const writeAddress = (from, to) => {
    const q = new URLSearchParams({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), tz: zone });
    history.replaceState(null, '', `#/dataset/${encodeURIComponent(symbol)}/${encodeURIComponent(timeframe)}?${q}`);
  };
  // From/To and the address follow what is on screen (after a drag, a wheel zoom, a load).
  const followView = debounce(() => {
    if (disposed || !bars.length) return;
    const shown = chart.timeScale().getVisibleRange();
    if (!shown) return;
    const from = Math.max(ds.firstMs, fromChartTime(shown.from));
    const to = Math.min(ds.lastMs, fromChartTime(shown.to));
    if (!(from < to)) return;
    fromInput.value = wallOf(from);
    toInput.value = wallOf(to);
    writeAddress(from, to + nativeMs);
  }, 300);
  chart.timeScale().subscribeVisibleTimeRangeChange(followView);
  const showStatus = extra => {
    statusLine.dataset.loadedFrom = String(loadedFrom);
    statusLine.dataset.loadedTo = String(loadedTo);
    statusLine.dataset.bars = String(bars.length);
    statusLine.dataset.requests = String(requests);
    clear(statusLine, bars.length
      ? `${fmtInt(bars.length)} bars loaded, ${formatTime(loadedFrom, { dateOnly: daily })} – ${formatTime(loadedTo, { dateOnly: daily })}`
      : 'No bars in this range.', extra ? ` ${extra}` : '');
  };

  async function fetchSpan(from, to) {
    const r = await loadBars(symbol, timeframe, from, to, { maxBars: MAX_BARS, signal: controller.signal, resample: resolution });
    requests += r.requests;
    if (r.source) source = r.source;
    return r;
  }

  // The most bars the chart can draw across its width (at the thinnest bar spacing).
  const drawable = () => Math.min(MAX_BARS, Math.max(WINDOW_BARS, Math.floor(container.clientWidth / MIN_BAR_SPACING)));

  // Replace everything with [from, to] (a preset or the inputs). A range with more bars
  // than the chart can draw keeps its end: the most recent drawable bars are fetched,
  // backwards a step at a time, and the status line says so.
  async function applyRange(from, to) {
    if (!Number.isFinite(from) || !Number.isFinite(to) || from >= to) {
      toast('Choose a From before the To.', 'error');
      return;
    }
    controller.abort();
    controller = new AbortController();
    const gen = ++generation;
    busy = true;
    container.setAttribute('aria-busy', 'true');
    try {
      const limit = drawable();
      // The finest resolution that fits the range on screen.
      const span = Math.min(to, ds.lastMs + nativeMs) - Math.max(from, ds.firstMs);
      setResolution(null, nativeMs);
      if (span / nativeMs > limit) {
        const fit = RESOLUTIONS.find(([, ms]) => span / ms <= limit) || RESOLUTIONS[RESOLUTIONS.length - 1];
        if (fit) setResolution(fit[0], fit[1]);
      }
      container.dataset.resolution = resolution || timeframe;
      bars = [];
      loadedFrom = loadedTo = to;
      await growLeft(gen, limit, from, limit * tfMs);
      if (disposed || gen !== generation) return;
      draw();
      if (bars.length) {
        quiet();
        chart.timeScale().setVisibleRange({ from: toChartTime(bars[0].t), to: toChartTime(bars[bars.length - 1].t) });
      }
      fromInput.value = wallOf(loadedFrom);
      toInput.value = wallOf(Math.min(to, ds.lastMs));
      // The range goes into the address (no navigation): bookmarkable, and kept when the
      // page is drawn again for another time zone.
      writeAddress(from, to);
      const shown = !resolution ? ''
        : source && source.kind === 'derived' ? `(${resolution} bars from the derived dataset ${source.dataset})`
          : `(${resolution} bars, aggregated from ${timeframe} on the server)`;
      container.dataset.source = resolution ? (source && source.kind) || 'aggregated' : 'native';
      resolutionLabel.textContent = `Resolution: ${resolution || timeframe}${resolution ? (source && source.kind === 'derived' ? ' (derived dataset)' : ' (aggregated)') : ''}`;
      showStatus(loadedFrom > from
        ? `(the range holds more ${resolution || timeframe} bars than the chart can draw: showing the most recent ${fmtInt(bars.length)}; scroll back for more) ${shown}`
        : shown);
    } catch (e) {
      if (e.name !== 'AbortError') showError(e);
    } finally {
      if (gen === generation) {
        busy = false;
        container.removeAttribute('aria-busy');
      }
    }
  }

  // Bars before loadedFrom, a step at a time, until `minBars` more are held or `floor`
  // (default: the dataset's first bar) is reached. An empty step (a night, a weekend)
  // doubles the next one.
  async function growLeft(gen, minBars, floor = ds.firstMs, firstStep = stepMs) {
    let span = firstStep, got = 0;
    for (let i = 0; i < 12 && got < minBars && loadedFrom > floor && bars.length < MAX_BARS; i++) {
      const from = Math.max(floor, loadedFrom - span);
      const r = await fetchSpan(from, loadedFrom);
      if (disposed || gen !== generation) return;
      const firstT = bars.length ? bars[0].t : Infinity;
      const fresh = r.bars.filter(b => b.t < firstT);
      bars = fresh.concat(bars);
      loadedFrom = from;
      got += fresh.length;
      // After bars, ask for about as many as are still missing; after an empty step, double.
      span = fresh.length ? Math.max(stepMs, (minBars - got) * tfMs) : span * 2;
    }
  }
  async function growRight(gen, minBars) {
    let span = stepMs, got = 0;
    const end = ds.lastMs + tfMs;
    for (let i = 0; i < 10 && got < minBars && loadedTo < end && bars.length < MAX_BARS; i++, span *= 2) {
      const to = Math.min(end, loadedTo + span);
      const r = await fetchSpan(loadedTo, to);
      if (disposed || gen !== generation) return;
      const lastT = bars.length ? bars[bars.length - 1].t : -Infinity;
      const fresh = r.bars.filter(b => b.t > lastT);
      bars = bars.concat(fresh);
      loadedTo = to;
      got += fresh.length;
    }
  }

  // Scrolled or zoomed past the loaded span: fetch the next step on that side.
  const extend = debounce(async () => {
    if (busy || disposed || !bars.length || performance.now() < quietUntil) return;
    const range = chart.timeScale().getVisibleLogicalRange();
    if (!range) return;
    const needLeft = range.from < 20 && loadedFrom > ds.firstMs;
    const needRight = range.to > bars.length - 20 && loadedTo < ds.lastMs;
    if ((!needLeft && !needRight) || bars.length >= MAX_BARS) return;
    busy = true;
    const gen = generation;
    try {
      if (needLeft) await growLeft(gen, WINDOW_BARS / 2);
      if (needRight && gen === generation) await growRight(gen, WINDOW_BARS / 2);
      if (disposed || gen !== generation) return;
      drawKeepingView();
      showStatus(bars.length >= MAX_BARS ? `(at most ${fmtInt(MAX_BARS)} bars are kept: choose a range)` : '');
    } catch (e) {
      if (e.name !== 'AbortError') showError(e);
    } finally {
      if (gen === generation) busy = false;
    }
  }, 200);
  chart.timeScale().subscribeVisibleLogicalRangeChange(extend);

  function zoom(factor) {
    const ts = chart.timeScale();
    const r = ts.getVisibleLogicalRange();
    if (!r) return;
    const mid = (r.from + r.to) / 2, half = Math.max(5, ((r.to - r.from) / 2) * factor);
    ts.setVisibleLogicalRange({ from: mid - half, to: mid + half });
  }

  chart.subscribeCrosshairMove(p => {
    const c = p && p.time !== undefined ? p.seriesData.get(candles) : null;
    const v = c ? p.seriesData.get(volume) : null;
    if (!c) { legend.textContent = ''; return; }
    const when = daily ? new Date(c.time * 1000).toISOString().slice(0, 10)
                       : formatTime(fromChartTime(c.time), { z: zone });
    legend.textContent = `${when}  O ${price(c.open)}  H ${price(c.high)}  L ${price(c.low)}  C ${price(c.close)}${v ? `  V ${fmtInt(v.value)}` : ''}`;
  });

  function showError(e) {
    clear(statusLine, el('span.error', { role: 'alert' }, `Bars could not be loaded: ${e.readable || e.message}`));
  }

  // First view: the most recent bars, about one screen of them; the rest on demand.
  async function initialView() {
    setResolution(null, nativeMs);
    container.dataset.resolution = timeframe;
    bars = [];
    loadedFrom = loadedTo = Number.isFinite(ds.lastMs) ? ds.lastMs + tfMs : Date.now();
    const gen = ++generation;
    busy = true;
    try {
      // About one screen at the default 6 px per bar; scrolling fetches the rest.
      await growLeft(gen, Math.max(100, Math.ceil(container.clientWidth / 6)));
      if (disposed || gen !== generation) return;
      draw();
      if (bars.length) {
        fromInput.value = wallOf(bars[0].t);
        toInput.value = wallOf(bars[bars.length - 1].t);
      }
      showStatus('');
    } catch (e) {
      if (e.name !== 'AbortError') showError(e);
    } finally {
      if (gen === generation) busy = false;
    }
  }
  const askedFrom = Date.parse(route.params.get('from') || ''), askedTo = Date.parse(route.params.get('to') || '');
  if (Number.isFinite(askedFrom) && Number.isFinite(askedTo) && askedFrom < askedTo) await applyRange(askedFrom, askedTo);
  else await initialView();

  let stream = null;  // the live bar stream (below), when the dataset is live
  // Live refresh (app.js): when the lake changed and the chart shows the newest bars, the
  // bars written since are fetched and drawn; the view stays where the user put it.
  const onLakeChanged = async () => {
    // An open live stream brings this dataset's new bars itself (below).
    if (disposed || (stream && stream.readyState === 1 && !resolution)) return;
    try {
      const fresh = (await loadDatasets()).datasets.find(d => d.symbol === symbol && d.timeframe === timeframe);
      if (!fresh || disposed || !(fresh.lastMs > ds.lastMs)) return;
      const atEnd = loadedTo >= ds.lastMs;
      ds.lastMs = fresh.lastMs;
      ds.rows = fresh.rows;
      if (!atEnd || busy) return;
      busy = true;
      const gen = generation;
      try {
        await growRight(gen, Infinity);
        if (disposed || gen !== generation) return;
        drawKeepingView();
        statusLine.dataset.liveUpdates = String(Number(statusLine.dataset.liveUpdates || 0) + 1);
        showStatus('(new bars arrived)');
      } finally {
        if (gen === generation) busy = false;
      }
    } catch (e) {
      if (e.name !== 'AbortError') showError(e);
    }
  };
  window.addEventListener('barlake:lake-changed', onLakeChanged);

  // Live bars (docs/live.md): a dataset `barlake serve` polls (live = true) streams each
  // bar as it is committed from /api/stream; EventSource resumes with Last-Event-ID by
  // itself after a dropped connection. A bar is appended when the chart holds the newest
  // bars at the dataset's own resolution; lightweight-charts scrolls along only while the
  // last bar is on screen, and a user who scrolled back keeps the view they chose.
  const appendLiveBar = ev => {
    if (disposed) return;
    let d;
    try { d = JSON.parse(ev.data); } catch { return; }
    const bar = { t: d.time * 1000, o: d.open, h: d.high, l: d.low, c: d.close, v: d.volume };
    const atEnd = !resolution && bars.length > 0 && loadedTo >= ds.lastMs;
    ds.lastMs = Math.max(ds.lastMs, bar.t);
    if (!atEnd || bar.t < bars[bars.length - 1].t) return;
    // The same stamp again: a forming (provisional) bar sent before, now finished or
    // grown; it replaces the drawn bar in place.
    const replacing = bar.t === bars[bars.length - 1].t;
    const ts = chart.timeScale();
    const range = ts.getVisibleLogicalRange();
    const followingEnd = range && range.to >= bars.length - 1;
    const shown = followingEnd ? null : ts.getVisibleRange();
    if (replacing) {
      bars[bars.length - 1] = bar;
    } else {
      bars.push(bar);
      loadedTo = bar.t + tfMs;
    }
    quiet();
    candles.update({ time: toChartTime(bar.t), open: bar.o, high: bar.h, low: bar.l, close: bar.c });
    volume.update({ time: toChartTime(bar.t), value: bar.v ?? 0, color: bar.c >= bar.o ? `${up}66` : `${down}66` });
    if (shown) ts.setVisibleRange(shown);
    if (!replacing) statusLine.dataset.streamBars = String(Number(statusLine.dataset.streamBars || 0) + 1);
    showStatus('(live)');
  };
  const startStream = async () => {
    if (!window.EventSource || disposed) return;
    let live = false;
    try {
      const { schedules = [] } = await api('schedules');
      live = schedules.some(s => s.live && (s.datasets || []).includes(`${symbol} ${timeframe}`));
    } catch { return; }
    if (!live || disposed) return;
    const q = new URLSearchParams({ symbol, timeframe });
    if (Number.isFinite(ds.lastMs)) q.set('after', String(Math.round(ds.lastMs * 1000)));
    stream = new EventSource(`/api/stream?${q}`);
    stream.addEventListener('bar', appendLiveBar);
    stream.addEventListener('open', () => { container.dataset.live = 'streaming'; });
    container.dataset.live = 'connecting';
  };
  startStream();

  return () => {
    disposed = true;
    if (stream) stream.close();
    chart.timeScale().unsubscribeVisibleTimeRangeChange(followView);
    window.removeEventListener('barlake:lake-changed', onLakeChanged);
    controller.abort();
    chart.remove();
  };
}

// Above the chart of a dataset served from a migration's legacy files.
function legacyNote(ds) {
  const m = legacyMarker(ds);
  if (!m) return null;
  return el('p.legacy-note', { id: 'legacy-note', role: 'note' }, el('span.badge.legacy', m.text), ' ', m.title);
}

function fact(label, value) {
  return el('div', el('dt', label), el('dd', value));
}

/** Regenerate this dataset (POST /api/regenerate {"datasets": ["SYMBOL TF"]}) and list each result. */
export async function regenerateDataset(ds, box) {
  const name = `${ds.symbol} ${ds.timeframe}`;
  clear(box, el('p.muted', `Regenerating ${name}…`));
  try {
    const task = await followTask(await api('regenerate', { method: 'POST', body: { datasets: [name] } }));
    if (task.state !== 'succeeded') throw Object.assign(new Error((task.error && task.error.message) || task.state), { readable: null });
    clear(box, regenerateList((task.result && task.result.regenerated) || []));
  } catch (e) {
    clear(box, el('p.error-box', { role: 'alert' }, `Regenerating ${name} failed: ${e.readable || e.message}`));
  }
}
