// Datasets: the inventory in three tabs (Market data, Derived, Other), times in the
// display zone, with health badges and stale markers from /api/health when it exists.
import { legacyMarker, loadDatasets, loadHealth } from './data.js';
import { formatTime } from './tz.js';
import { runUpdate, updateNode } from './update.js';
import { clear, el, fmtBytes, fmtInt, isDailyOrLonger } from './util.js';

const TABS = [
  { id: 'market', label: 'Market data' },
  { id: 'derived', label: 'Derived' },
  { id: 'other', label: 'Other' },
];

export async function render(view, route) {
  const healthPromise = loadHealth().catch(e => ({ error: e }));
  const { datasets, vault } = await loadDatasets();
  const tab = TABS.some(t => t.id === route.params.get('tab')) ? route.params.get('tab') : 'market';

  const tablist = el('div.tabs', { role: 'tablist', 'aria-label': 'Dataset categories' },
    TABS.map(t => {
      const n = datasets.filter(d => d.category === t.id).length;
      return el('a.tab', { role: 'tab', href: `#/?tab=${t.id}`, 'aria-selected': String(t.id === tab), id: `tab-${t.id}` },
        t.label, el('span.count', String(n)));
    }));

  const shown = datasets.filter(d => d.category === tab)
    .sort((a, b) => a.symbol.localeCompare(b.symbol) || a.timeframe.localeCompare(b.timeframe));
  const body = el('tbody');
  const healthCells = new Map();
  for (const d of shown) {
    const dated = isDailyOrLonger(d.timeframe) || d.raw.kind === 'table';  // a table's rows are trade dates
    const key = `${d.symbol}/${d.timeframe}`;
    const badge = el('td.health', pending());
    const stale = el('td.stale', pending());
    healthCells.set(key, { badge, stale, d });
    body.append(el('tr', { dataset: { symbol: d.symbol, timeframe: d.timeframe } },
      el('th', { scope: 'row' }, el('a', { href: `#/dataset/${encodeURIComponent(d.symbol)}/${encodeURIComponent(d.timeframe)}` }, d.symbol),
        legacyBadge(d)),
      el('td', d.timeframe),
      el('td.time', formatTime(d.firstMs, { dateOnly: dated })),
      el('td.time', formatTime(d.lastMs, { dateOnly: dated })),
      el('td.num', fmtInt(d.rows)),
      el('td.num', fmtBytes(d.bytes)),
      el('td.time', formatTime(d.lastUpdateMs)),
      badge, stale));
  }

  const emptyText = {
    market: 'No market data yet. Import a file on the Import page, or run `barlake demo`.',
    derived: 'No derived datasets. Derived bars (resampled timeframes, session statistics) appear here once the vault has them.',
    other: 'No other datasets (snapshots, pipeline outputs).',
  }[tab];

  // Update all: every dataset that has a provider (POST /api/update {"all": true}).
  const updateBox = el('div', { id: 'update-result', 'aria-live': 'polite' }, updateNode('all'));
  const updateAll = el('button.ghost', { type: 'button', id: 'update-all',
    title: 'Fetch what is missing of every dataset that has an online provider (barlake update)',
    onclick: () => runUpdate({ all: true }, 'all', updateBox, updateAll) }, 'Update all');
  clear(view,
    el('div.page-head', el('h1', 'Datasets'),
      vault ? el('span.muted', typeof vault === 'string' ? vault : '') : null,
      updateAll,
      el('a.button', { href: '#/import' }, 'Import a file')),
    updateBox,
    tablist,
    el('div.tabpanel', { role: 'tabpanel', 'aria-labelledby': `tab-${tab}` },
      shown.length === 0 ? el('p.empty', emptyText) :
        el('table.data', { id: 'datasets-table' },
          el('thead', el('tr',
            ['Symbol', 'TF', 'First bar', 'Last bar', 'Rows', 'Size', 'Last update', 'Health', 'Stale']
              .map(h => el(['Rows', 'Size'].includes(h) ? 'th.num' : 'th', { scope: 'col' }, h)))),
          body)),
    el('p.note', 'Intraday times in the display zone; daily and weekly bars show their session date.'));

  healthPromise.then(h => {
    for (const [key, cells] of healthCells) fillHealth(cells, h, key);
  });
}

// A dataset served from a migration's legacy files: marked, with where it comes from.
function legacyBadge(d) {
  const m = legacyMarker(d);
  return m ? el('span.badge.legacy', { title: m.title, dataset: { legacy: 'true' } }, m.text) : null;
}

const pending = () => el('span.muted', { title: 'Loading health…' }, '…');

function fillHealth({ badge, stale, d }, h, key) {
  if (!h || h.error) {
    const why = h && h.error ? `Health could not be loaded: ${h.error.readable || h.error.message}`
                             : 'This server has no health report (/api/health)';
    clear(badge, el('span.muted', { title: why }, '–'));
  } else {
    const e = h.byDataset.get(key);
    if (!e) clear(badge, el('span.muted', { title: 'No health entry for this dataset' }, '–'));
    else {
      const score = typeof e.score === 'number' ? ` ${Math.round(e.score)}` : '';
      clear(badge, el(`a.badge.${e.grade || 'unknown'}`, { href: '#/health', title: `Health: ${e.grade || 'unknown'}${score}` },
        (e.grade || '?') + score));
    }
  }
  const isStale = d.stale ?? (h && !h.error && h.byDataset.get(key) ? h.byDataset.get(key).stale : undefined);
  if (isStale === true) {
    clear(stale, el('span.badge.stale', { title: d.staleWhy || 'The last bar is older than this dataset should be' }, 'stale'));
  }
  else if (isStale === false) clear(stale, el('span.fresh', { title: 'Up to date' }, '✓'));
  else clear(stale, el('span.muted', { title: 'Staleness is not reported by this server' }, '–'));
}
