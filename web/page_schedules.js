// Schedules: the [[schedule]] tables of barlake.toml and the live datasets, each with its
// last run (status, jobs, message) and next run (/api/schedules), and the alerts sent
// (/api/alerts). Refreshes every 5 s while shown. See docs/schedules.md, docs/alerts.md.
import { apiOptional } from './api.js';
import { formatTime } from './tz.js';
import { clear, el, toMillis } from './util.js';

const when = t => (t ? formatTime(toMillis(t), { seconds: true }) : '–');

function statusBadge(run) {
  if (!run) return el('span.muted', 'never');
  const kind = { completed: 'ok', failed: 'fail', skipped: 'warn', unavailable: 'warn', abandoned: 'fail', running: 'info' }[run.status] || 'unknown';
  return el(`span.badge.${kind}`, run.status);
}

function jobLinks(run) {
  if (!run || !run.jobs || !run.jobs.length) return '–';
  const shown = run.jobs.slice(0, 5);
  const links = [];
  shown.forEach((id, i) => {
    if (i) links.push(', ');
    links.push(el('a', { href: `#/jobs/${id}` }, String(id)));
  });
  if (run.jobs.length > shown.length) links.push(` +${run.jobs.length - shown.length}`);
  return links;
}

function schedulesTable(schedules) {
  return el('table.data', { id: 'schedules-table' },
    el('thead', el('tr', ['Name', 'Action', 'When', 'Datasets', 'Last run', 'Result', 'Jobs', 'Next run']
      .map(t => el('th', { scope: 'col' }, t)))),
    el('tbody', schedules.map(s => el('tr', { 'data-schedule': s.name },
      el('th', { scope: 'row' }, s.name, s.live ? el('span.badge.info', ' live') : null),
      el('td', s.action, s.available ? null : el('span.muted', ' (not available in this build)')),
      el('td', s.when),
      el('td', s.datasets.length ? s.datasets.join(', ') : 'all'),
      el('td.time', s.last_run ? when(s.last_run.started_at) : '–'),
      el('td', statusBadge(s.last_run), s.last_run && s.last_run.message ? el('div.muted', s.last_run.message) : null),
      el('td', jobLinks(s.last_run)),
      el('td.time', { 'data-next': s.next_run || '' }, s.due ? 'due now' : when(s.next_run))))));
}

function alertsTable(deliveries) {
  if (!deliveries.length) return el('p.muted', 'No alerts sent.');
  return el('table.data.compact', { id: 'alerts-table' },
    el('thead', el('tr', ['When', 'Event', 'Dataset', 'Webhook', 'Status', 'Attempts', 'Message'].map(t => el('th', { scope: 'col' }, t)))),
    el('tbody', deliveries.map(d => el('tr',
      el('td.time', when(d.at)),
      el('td', d.event),
      el('td', d.dataset || '–'),
      el('td', el('code', d.webhook)),
      el('td', el(`span.badge.${d.status === 'delivered' ? 'ok' : 'fail'}`, d.status), d.error ? el('div.muted', d.error) : null),
      el('td.num', String(d.attempts)),
      el('td', d.message)))));
}

export async function render(view) {
  let timer = null;
  let stopped = false;
  const draw = async () => {
    const [s, a] = await Promise.all([apiOptional('/api/schedules'), apiOptional('/api/alerts?limit=50')]);
    if (stopped) return;
    if (!s) {
      clear(view, el('h1', 'Schedules'), el('p.empty', 'This server does not run schedules (/api/schedules).'));
      return;
    }
    clear(view, el('h1', 'Schedules'),
      s.schedules.length
        ? schedulesTable(s.schedules)
        : el('p.empty', 'No schedules. Add ', el('code', '[[schedule]]'), ' tables to barlake.toml (docs/schedules.md), or mark a dataset ', el('code', 'live = true'), '.'),
      el('h2', 'Alerts'),
      a ? alertsTable(a.deliveries) : el('p.muted', 'This server does not report alerts.'));
  };
  await draw();
  const tick = async () => {
    try { await draw(); } catch { /* the next tick retries; the page keeps what it showed */ }
    if (!stopped) timer = setTimeout(tick, 5000);
  };
  timer = setTimeout(tick, 5000);
  return () => { stopped = true; clearTimeout(timer); };
}
