// The SQL console: one read-only SELECT over the views of `barlake query` (bars, snapshots,
// snapshots_raw, the derived tables), a page of results at a time, CSV download, the error
// shown under the box. GET /api/query (docs/api.md#sql-console). The query and page are in
// the URL (#/query?sql=...&offset=...), so a result can be linked and reloaded.
import { api } from './api.js';
import { clear, el, fmtInt } from './util.js';

const PAGE = 100;
const EXAMPLE = "SELECT symbol, timeframe, count(*) AS bars, min(ts) AS first, max(ts) AS last\n" +
  'FROM bars GROUP BY ALL ORDER BY ALL';

export async function render(view, route) {
  const sql = route.params.get('sql') || '';
  const offset = Math.max(0, Number.parseInt(route.params.get('offset') || '0', 10) || 0);
  const box = el('textarea', { id: 'query-sql', rows: 6, spellcheck: false, 'aria-label': 'SQL query',
    placeholder: EXAMPLE }, sql || '');
  const run = el('button.primary', { type: 'submit', id: 'query-run' }, 'Run');
  const csv = el('a.button.ghost', { id: 'query-csv', hidden: !sql, download: 'query.csv' }, 'Download CSV');
  const error = el('div', { id: 'query-error', 'aria-live': 'polite' });
  const result = el('div', { id: 'query-result' });
  const form = el('form.query', { id: 'query-form' }, box,
    el('div.actions',
      el('span.note', 'Read only: one SELECT over ', el('code', 'bars'), ', ', el('code', 'snapshots'),
        ' and the derived tables, in UTC. Ctrl+Enter runs it.'),
      csv, run));
  clear(view, el('h1', 'SQL console'), form, error, result);

  const go = (text, from) => {
    const q = new URLSearchParams({ sql: text });
    if (from) q.set('offset', String(from));
    location.hash = `#/query?${q}`;
  };
  form.addEventListener('submit', e => { e.preventDefault(); if (box.value.trim()) go(box.value, 0); });
  box.addEventListener('keydown', e => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit(); }
  });
  if (!sql) return;

  csv.href = `/api/query?${new URLSearchParams({ sql, format: 'csv' })}`;
  result.append(el('p.muted', 'Running…'));
  run.disabled = true;
  try {
    const r = await api(`query?${new URLSearchParams({ sql, offset: String(offset), limit: String(PAGE) })}`);
    clear(result, table(r), pager(r, offset, from => go(sql, from)));
  } catch (e) {
    clear(result);
    clear(error, el('pre.error-box', { role: 'alert' }, e.message));
  } finally {
    run.disabled = false;
  }
}

function table(r) {
  if (!r.columns.length) return el('p.muted', 'The query returned no columns.');
  const right = r.columns.map(c => c.kind === 'number');
  return el('div.table-scroll', el('table.data.compact', { id: 'query-table' },
    el('thead', el('tr', r.columns.map((c, i) => el(right[i] ? 'th.num' : 'th', { scope: 'col', title: c.kind }, c.name)))),
    el('tbody', r.rows.map(row => el('tr', row.map((v, i) =>
      v === null ? el('td.null', { className: right[i] ? 'num null' : 'null' }, 'NULL')
        : el(right[i] ? 'td.num' : (r.columns[i].kind === 'time' ? 'td.time' : 'td'), v)))))));
}

function pager(r, offset, goTo) {
  const first = r.rows.length ? offset + 1 : offset;
  const last = offset + r.rows.length;
  return el('div.pager', { id: 'query-pager' },
    el('button.ghost', { type: 'button', id: 'query-prev', disabled: offset === 0,
      onclick: () => goTo(Math.max(0, offset - r.limit)) }, '← Previous'),
    el('span', { id: 'query-rows' }, r.rows.length ? `Rows ${fmtInt(first)}–${fmtInt(last)}${r.more ? '' : ` of ${fmtInt(last)}`}` : 'No rows'),
    el('button.ghost', { type: 'button', id: 'query-next', disabled: !r.more, onclick: () => goTo(offset + r.limit) }, 'Next →'),
    el('span.note', `${r.elapsed_ms} ms · limit ${r.time_limit_seconds} s per query`));
}
