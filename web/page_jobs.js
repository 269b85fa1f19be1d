// Job history (/api/jobs) and one job with its report (/api/jobs/ID), with rollback.
import { api } from './api.js';
import { confirmDialog } from './dialog.js';
import { renderReport } from './report.js';
import { followTask } from './task.js';
import { formatTime } from './tz.js';
import { clear, el, fmtInt, toMillis, toast } from './util.js';

const listOf = j => (Array.isArray(j) ? j : (j && (j.jobs || j.items)) || []);
const basename = p => (p ? String(p).split('/').pop() : '');

export async function render(view, route) {
  if (route.page === 'job') return renderJob(view, route.id);
  const jobs = listOf(await api('jobs?limit=200'));
  if (!jobs.length) {
    clear(view, el('h1', 'Jobs'), el('p.empty', 'No jobs yet: imports, rollbacks and regenerations appear here.'));
    return;
  }
  clear(view, el('div.page-head', el('h1', 'Jobs'), el('a.button', { href: '#/import' }, 'Import a file')),
    el('table.data', { id: 'jobs-table' },
      el('thead', el('tr', ['Job', 'Kind', 'Status', 'Dataset', 'Read', 'Written', 'Rejected', 'Created', 'Source'].map(t => el(['Read', 'Written', 'Rejected'].includes(t) ? 'th.num' : 'th', { scope: 'col' }, t)))),
      el('tbody', jobs.map(j => el('tr', { dataset: { job: String(j.id) } },
        el('th', { scope: 'row' }, el('a', { href: `#/jobs/${j.id}` }, String(j.id))),
        el('td', j.kind),
        el('td', statusBadge(j)),
        el('td', [j.symbol, j.timeframe].filter(Boolean).join(' ')),
        el('td.num', fmtInt(j.rows_read)),
        el('td.num', fmtInt(j.rows_written)),
        el('td.num', fmtInt(j.rows_rejected)),
        el('td.time', formatTime(toMillis(j.created_at))),
        el('td', j.kind === 'rollback' && j.target_job ? `job ${j.target_job}` : basename(j.source_path)))))));
}

export function statusBadge(j) {
  const s = j.rolled_back_by || j.status === 'rolled_back' ? 'rolled back' : j.status || '?';
  const cls = { completed: 'good', running: 'running', failed: 'poor', skipped: 'fair', 'rolled back': 'unknown' }[s] || 'unknown';
  return el(`span.badge.${cls}`, { title: j.rolled_back_by ? `Rolled back by job ${j.rolled_back_by}` : '' }, s);
}

async function renderJob(view, id) {
  const job = await api(`jobs/${encodeURIComponent(id)}`);
  const canRollBack = job.status === 'completed' && !job.rolled_back_by && job.kind !== 'rollback' && Number(job.partitions) > 0;
  const rollback = canRollBack ? el('button.danger', { type: 'button', id: 'rollback-button', onclick: () => rollBack(job) }, 'Roll back…') : null;
  clear(view,
    el('div.page-head', el('h1', `Job ${job.id} `, el('span.muted', job.kind || '')), statusBadge(job), rollback,
      el('a.button.ghost', { href: '#/jobs' }, 'All jobs')),
    el('dl.facts',
      fact('Dataset', [job.symbol, job.timeframe].filter(Boolean).join(' ') || '–'),
      fact('Source', basename(job.source_path) || (job.target_job ? `job ${job.target_job}` : '–')),
      fact('Format', job.format || '–'),
      fact('Created', formatTime(toMillis(job.created_at), { seconds: true })),
      fact('Updated', formatTime(toMillis(job.updated_at), { seconds: true })),
      job.rolled_back_by ? fact('Rolled back by', el('a', { href: `#/jobs/${job.rolled_back_by}` }, `job ${job.rolled_back_by}`)) : null),
    job.command ? el('p.muted', el('code', job.command)) : null,
    el('h2', 'Report'),
    renderReport(job));
}

function fact(label, value) {
  return el('div', el('dt', label), el('dd', value));
}

async function rollBack(job) {
  // The derived datasets built from what the rollback restores (GET /api/jobs/ID
  // "dependents"), and what happens to them, are listed before the user confirms.
  const dependents = Array.isArray(job.dependents) ? job.dependents : [];
  const detail = dependents.length
    ? el('div', { id: 'rollback-dependents' },
      el('p', 'Derived datasets built from what it restores:'),
      el('ul', dependents.map(d => el('li', { dataset: { dataset: d.dataset, action: d.action } },
        el('strong', d.dataset), d.action === 'rebuilt' ? ': rebuilt right after the rollback' : `: ${d.why}`))))
    : el('p.muted', { id: 'rollback-dependents' }, 'No derived dataset is built from what it restores.');
  const ok = await confirmDialog(`Roll back job ${job.id}?`,
    `The ${job.partitions} partition(s) job ${job.id} changed go back to what they held before it; partitions it created are removed. ` +
    'The rollback is itself a job, and can be looked up here.', 'Roll back', detail);
  if (!ok) return;
  try {
    const task = await followTask(await api(`rollback/${job.id}`, { method: 'POST' }));
    const r = task.result || {};
    const newId = task.job ?? (r.job && typeof r.job === 'object' ? r.job.id : r.job ?? r.id);
    const rebuilt = Array.isArray(r.regenerated) ? r.regenerated.length : 0;
    toast(`Job ${job.id} rolled back${newId ? ` by job ${newId}` : ''}${rebuilt ? `; ${rebuilt} derived dataset(s) handled (see its report)` : ''}.`);
    location.hash = newId ? `#/jobs/${newId}` : '#/jobs';
  } catch (e) {
    toast(e.readable || e.message, 'error');
  }
}
