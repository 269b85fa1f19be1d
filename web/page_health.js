// Health: a score per dataset, its gaps and suspicious weeks (/api/health).
import { loadHealth } from './data.js';
import { formatTime } from './tz.js';
import { clear, el, fmtInt, isDailyOrLonger, toMillis } from './util.js';

const first = (...xs) => xs.find(x => x !== undefined && x !== null);

export async function render(view) {
  const h = await loadHealth();
  if (!h) {
    clear(view, el('h1', 'Health'),
      el('p.empty', 'This server does not report health yet (/api/health). ', el('code', 'barlake health'),
        ' on the command line shows it where the health module is built in.'));
    return;
  }
  const entries = [...h.byDataset.entries()].sort(([a], [b]) => a.localeCompare(b));
  if (!entries.length) {
    clear(view, el('h1', 'Health'), el('p.empty', 'No datasets to check yet.'));
    return;
  }
  const summary = el('table.data', { id: 'health-table' },
    el('thead', el('tr', ['Dataset', 'Health', 'Score', 'Coverage', 'Gaps', 'Suspicious weeks', 'Stale'].map(t => el(['Score', 'Coverage', 'Gaps', 'Suspicious weeks'].includes(t) ? 'th.num' : 'th', { scope: 'col' }, t)))),
    el('tbody', entries.map(([key, e]) => el('tr',
      // The fragment holds the route, so the link scrolls instead of navigating.
      el('th', { scope: 'row' }, el('a', { href: '#/health', onclick: ev => {
        ev.preventDefault();
        document.getElementById(`health-${cssId(key)}`).scrollIntoView({ behavior: 'smooth' });
      } }, key.replace('/', ' '))),
      el('td', el(`span.badge.${e.grade || 'unknown'}`, e.grade || '?')),
      el('td.num', typeof e.score === 'number' ? e.score.toFixed(0) : '–'),
      el('td.num', typeof e.coveragePct === 'number' ? `${e.coveragePct.toFixed(2)} %` : '–'),
      el('td.num', fmtInt(e.gapCount)),
      el('td.num', fmtInt(e.suspiciousWeeks.length)),
      el('td', e.stale === true ? el('span.badge.stale', 'stale') : e.stale === false ? '✓' : '–')))));

  const details = entries.map(([key, e]) => {
    const daily = isDailyOrLonger(key.split('/')[1]);
    const when = t => formatTime(toMillis(t), { dateOnly: daily });
    return el('section.card', { id: `health-${cssId(key)}` },
      el('h2', key.replace('/', ' ')),
      e.calendar === null ? el('p.muted', 'No session calendar for this dataset: only the file checks ran.') : null,
      e.notes.length ? el('ul.notes', e.notes.map(n => el('li', String(n)))) : null,
      e.gaps.length ? el('details', { open: e.gaps.length <= 10 },
        el('summary', e.gapCount > e.gaps.length
          ? `${fmtInt(e.gapCount)} gaps (the ${fmtInt(e.gaps.length)} longest shown)`
          : `${fmtInt(e.gapCount)} gap${e.gapCount === 1 ? '' : 's'}`),
        el('table.data.compact', el('thead', el('tr', ['From', 'To', 'Missing bars', 'Note'].map(t => el(t === 'Missing bars' ? 'th.num' : 'th', t)))),
          el('tbody', e.gaps.slice(0, 200).map(g => el('tr',
            el('td.time', when(first(g.from, g.start, g.first_missing))),
            el('td.time', when(first(g.to, g.end, g.last_missing))),
            el('td.num', fmtInt(first(g.missing_bars, g.bars, g.missing, g.count))),
            el('td', first(g.reason, g.note, g.kind, ''))))))) : el('p.muted', 'No gaps.'),
      e.suspiciousWeeks.length ? el('details', { open: true },
        el('summary', `${fmtInt(e.suspiciousWeeks.length)} suspicious week${e.suspiciousWeeks.length === 1 ? '' : 's'}`),
        el('ul', e.suspiciousWeeks.slice(0, 100).map(w => el('li',
          el('strong', String(first(w.week, w.week_start, w.start, w.from, ''))), ' ',
          String(first(w.description, w.reason, w.why, w.message, '')),
          w.bars !== undefined ? el('span.muted', ` (${fmtInt(w.bars)} bars)`) : null))))
        : el('p.muted', 'No suspicious weeks.'));
  });
  clear(view, el('h1', 'Health'), summary, details);
}

const cssId = key => key.replace(/[^A-Za-z0-9_-]/g, '_');
