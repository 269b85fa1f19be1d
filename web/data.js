// Reading the API's answers into the shapes the pages use. The pages tolerate fields a
// server version does not send (they show "–"), and never invent a value.
import { api, apiOptional } from './api.js';
import { toMillis } from './util.js';

const first = (...xs) => xs.find(x => x !== undefined && x !== null);

/** Which tab a dataset belongs in: 'market', 'derived' or 'other'. */
export function categoryOf(d) {
  const c = String(first(d.category, d.kind, d.type, '') || '').toLowerCase();
  if (c === 'derived' || d.derived_from || d.derived) return 'derived';
  if (!c || ['bars', 'market', 'market_data', 'raw', 'published', 'imported', 'import'].includes(c)) {
    return 'market';
  }
  return 'other';
}

export function normalizeDataset(d) {
  return {
    raw: d,
    symbol: first(d.symbol, d.name, ''),
    timeframe: first(d.timeframe, d.tf, ''),
    category: categoryOf(d),
    kind: first(d.category, d.kind, d.type, ''),
    description: d.description || '',
    firstMs: toMillis(first(d.first_bar, d.first_ts, d.first)),
    lastMs: toMillis(first(d.last_bar, d.last_ts, d.last)),
    rows: first(d.rows, d.row_count),
    bytes: first(d.bytes, d.size_bytes, d.size),
    partitions: d.partitions,
    lastUpdateMs: toMillis(first(d.last_update, d.updated_at)),
    lastJob: d.last_job,
    // A derived dataset is stale when an input changed since its last build (lineage).
    stale: first(d.stale, d.derived ? d.derived.stale : undefined),
    staleWhy: d.derived ? `${d.derived.method} of ${(d.derived.inputs || []).join(', ')}: ${d.derived.why}` : '',
    // Served from the legacy files of a migration not activated yet (docs/migration.md).
    legacy: d.legacy === true,
    legacySource: d.legacy_source || null,
  };
}

const listOf = (j, ...keys) => {
  if (Array.isArray(j)) return j;
  for (const k of keys) if (j && Array.isArray(j[k])) return j[k];
  return [];
};

/** The datasets and the vault's display zone: /api/datasets, plus /api/status for the zone. */
/** The marker of a legacy-served dataset: its text and what it means, or null. */
export function legacyMarker(d) {
  if (!d.legacy) return null;
  const src = d.legacySource || {};
  return {
    text: 'legacy — not migrated yet',
    title: `Read from the legacy files in ${src.path || 'a legacy folder'} (migration ${src.migration || '?'}, ` +
      `${src.layout || 'legacy'} layout), not from the lake. Run \`barlake migrate run ${src.migration || 'ID'}\` to migrate it.`,
  };
}

export async function loadDatasets() {
  const [ds, status] = await Promise.all([api('datasets'), apiOptional('status').catch(() => null)]);
  const list = listOf(ds, 'datasets', 'items');
  return {
    datasets: list.map(normalizeDataset),
    displayTz: first(ds && ds.display_tz, status && status.display_tz, status && status.vault && status.vault.display_tz),
    vault: first(ds && ds.vault, status && status.vault),
  };
}

/** Health per dataset, keyed "SYMBOL/TF", or null when the server has no /api/health. */
export async function loadHealth() {
  const h = await apiOptional('health');
  if (!h) return null;
  const map = new Map();
  for (const e of listOf(h, 'datasets', 'items', 'health')) {
    map.set(`${first(e.symbol, '')}/${first(e.timeframe, '')}`, normalizeHealth(e));
  }
  return { raw: h, byDataset: map };
}

// One dataset's entry of /api/health (the JSON of `barlake health --json`): score 0-100,
// status ok|warn|fail|unchecked, coverage_pct, gaps (the longest; gap_count has them
// all), suspicious_weeks, staleness.stale.
export function normalizeHealth(e) {
  let score = first(e.score, e.health_score);
  if (typeof score === 'number' && score > 0 && score < 1 && !Number.isInteger(score)) score *= 100;
  let grade = String(first(e.status, e.grade, e.badge, e.level, '') || '').toLowerCase();
  if (!grade && typeof score === 'number') grade = score >= 90 ? 'ok' : score >= 70 ? 'warn' : 'fail';
  const gaps = listOf(first(e.gaps, []), 'items');
  return {
    raw: e,
    score,
    grade,
    stale: first(e.stale, e.is_stale, e.staleness && e.staleness.stale),
    gaps,
    gapCount: first(e.gap_count, gaps.length),
    suspiciousWeeks: listOf(first(e.suspicious_weeks, e.suspicious, []), 'items'),
    coveragePct: first(e.coverage_pct, typeof e.coverage === 'number' ? e.coverage * 100 : undefined),
    notes: Array.isArray(e.notes) ? e.notes : [],
    calendar: e.calendar,
  };
}

/**
 * Bars of one dataset in [fromMs, toMs], following `next` pages. Returns
 * {bars: [{t (ms), o, h, l, c, v}], requests, truncated}.
 */
export async function loadBars(symbol, timeframe, fromMs, toMs, { limit = 5000, maxBars = 60000, signal, resample } = {}) {
  const q = new URLSearchParams({
    symbol, timeframe, from: isoSeconds(fromMs, Math.floor), to: isoSeconds(toMs, Math.ceil),
    limit: String(limit), format: 'json',
  });
  // Aggregated on the server (session-anchored, as `barlake resample`): one page holds it.
  if (resample) {
    q.set('resample', resample);
    q.set('limit', String(Math.max(limit, maxBars)));
  }
  let url = `/api/bars?${q}`;
  const bars = [];
  let requests = 0;
  let truncated = false;
  let source = null;  // resample: {kind: 'derived', dataset} or {kind: 'aggregated', from}
  while (url) {
    const page = await api(url, { signal });
    requests++;
    if (page && page.source && !source) source = page.source;
    for (const b of barsOf(page)) bars.push(b);
    const next = page && !Array.isArray(page) ? first(page.next, page.next_url, page.next_cursor) : null;
    if (!next) break;
    if (bars.length >= maxBars) { truncated = true; break; }
    url = nextUrl(url, next);
  }
  return { bars, requests, truncated, source };
}

// "2024-01-15T14:30:00Z": whole seconds, as barlake's ISO parser takes them.
function isoSeconds(ms, round) {
  return new Date(round(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function nextUrl(current, next) {
  if (typeof next === 'string' && (next.startsWith('/') || next.startsWith('http'))) return next;
  const u = new URL(current, location.origin);
  if (typeof next === 'object') {
    for (const [k, v] of Object.entries(next)) u.searchParams.set(k, v);
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(String(next))) {
    u.searchParams.set('from', next);
  } else {
    u.searchParams.set('cursor', next);
  }
  return u.pathname + u.search;
}

function barsOf(page) {
  if (!page) return [];
  const rows = listOf(page, 'bars', 'rows', 'data');
  if (rows.length) {
    return rows.map(r => Array.isArray(r)
      ? { t: toMillis(r[0]), o: r[1], h: r[2], l: r[3], c: r[4], v: r[5] }
      : { t: toMillis(first(r.ts, r.time, r.t)), o: first(r.open, r.o), h: first(r.high, r.h),
          l: first(r.low, r.l), c: first(r.close, r.c), v: first(r.volume, r.v) });
  }
  // Column-wise: {ts: [...], open: [...], ...}
  const cols = page.columns || page;
  if (Array.isArray(cols.ts)) {
    return cols.ts.map((t, i) => ({ t: toMillis(t), o: cols.open[i], h: cols.high[i], l: cols.low[i],
                                    c: cols.close[i], v: cols.volume ? cols.volume[i] : 0 }));
  }
  return [];
}
