// One-click updates from the online providers (POST /api/update, docs/api.md): the Update
// button of a dataset page and Update all on the dataset list. Follows the task's progress
// (server-sent events), then lists per dataset what was fetched and from where.
import { api } from './api.js';
import { describeProgress, followTask } from './task.js';
import { formatTime } from './tz.js';
import { clear, el, fmtInt, toMillis } from './util.js';

// The newest update's output per key ('all', or 'ES 1m'): the list pages draw again on
// every lake change (app.js), which an update causes, so the output is one node that the
// page puts back in its box when it draws (updateNode).
const nodes = new Map();

/** The output of the newest update under `key` (null when none ran in this tab). */
export function updateNode(key) {
  return nodes.get(key) || null;
}

/** Runs an update ({datasets: ["ES 1m"]} or {all: true}) and shows it in `box`. */
export async function runUpdate(body, key, box, button) {
  if (button) button.disabled = true;
  const node = el('div.update-output');
  nodes.set(key, node);
  box.replaceChildren(node);
  const bar = el('progress', { max: 1, id: 'update-progress-bar' });
  const phase = el('span', { id: 'update-phase' }, 'Asking the providers…');
  clear(node, el('p.progress-box', bar, ' ', phase));
  try {
    const task = await followTask(await api('update', { method: 'POST', body }), t => {
      const p = describeProgress(t);
      if (Number.isFinite(p.fraction)) bar.value = p.fraction; else bar.removeAttribute('value');
      phase.textContent = p.text;
    });
    const r = task.result || {};
    const items = Array.isArray(r.updated) ? r.updated : [];
    clear(node, el('p', { id: 'update-summary' }, items.length
      ? `${r.dry_run ? 'Planned' : 'Updated'} ${fmtInt(items.length)} dataset(s)${r.failed ? `, ${fmtInt(r.failed)} failed` : ''}.`
      : 'No dataset has a provider to update from (docs/providers.md: asset_class or provider_symbols).'),
    items.length ? updateTable(items) : null);
  } catch (e) {
    clear(node, el('p.error-box', { role: 'alert' }, `The update failed: ${e.readable || e.message}`));
  } finally {
    if (button) button.disabled = false;
  }
}

const when = iso => formatTime(toMillis(iso));

function updateTable(items) {
  return el('table.data.compact', { id: 'update-table' },
    el('thead', el('tr', ['Dataset', 'Status', 'Provider', 'Requests', 'Fetched', 'Written', 'Rejected', 'Served']
      .map(t => el(['Requests', 'Fetched', 'Written', 'Rejected'].includes(t) ? 'th.num' : 'th', { scope: 'col' }, t)))),
    el('tbody', items.map(it => el('tr', { dataset: { dataset: `${it.symbol} ${it.timeframe}`, status: it.status } },
      el('th', { scope: 'row' }, el('a', { href: `#/dataset/${encodeURIComponent(it.symbol)}/${encodeURIComponent(it.timeframe)}` },
        `${it.symbol} ${it.timeframe}`)),
      el('td', el(`span.badge.${it.error ? 'poor' : it.status === 'ok' || it.status === 'up_to_date' ? 'good' : 'fair'}`, it.status),
        it.error ? el('div.error', it.error) : null),
      el('td', it.provider || '–'),
      el('td.num', fmtInt(it.requests)),
      el('td.num', fmtInt(it.rows_fetched)),
      el('td.num', fmtInt(it.rows_written)),
      el('td.num', fmtInt(it.rows_rejected)),
      el('td.served', (it.served || []).length
        ? el('ul', it.served.map(s => el('li', el('strong', s.provider), ` ${when(s.from)} – ${when(s.to)}`)))
        : (it.planned || []).length ? el('ul', it.planned.map(p => el('li', el('code', p)))) : '–')))));
}
