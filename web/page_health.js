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
      // An unchecked dataset (no session calendar) has no score: 100 would claim a check
      // that did not run.
      el('td.num', typeof e.score === 'number' && e.grade !== 'unchecked' ? e.score.toFixed(0) : '–'),
      el('td.num', typeof e.coveragePct === 'number' ? `${e.coveragePct.toFixed(2)} %` : '–'),
      el('td.num', fmtInt(e.gapCount)),
      el('td.num', fmtInt(e.suspiciousWeeks.length)),
      el('td', e.stale === true ? el('span.badge.stale', 'stale') : e.stale === false ? '✓' : '–')))));

  const details = entries.map(([key, e]) => {
    const daily = isDailyOrLonger(key.split('/')[1]);
    const when = t => formatTime(toMillis(t), { dateOnly: daily });
    return el('section.card', { id: `health-${cssId(key)}` },
      el('h2', key.replace('/', ' ')),
      e.calendar === null ? el('p.muted', 'No session calendar for this dataset: only the file checks ran, so it has no score.') : null,
      e.grade !== 'unchecked' && typeof e.score === 'number' ? scoreParts(e) : null,
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

// Why the score is what it is: each part of docs/health.md#score-and-status with the
// points it took (the same caps as the health module), from the fields /api/health sends.
function scoreParts(e) {
  const r = e.raw;
  const parts = [];
  const add = (name, points, what) => parts.push({ name, points: Math.round(points * 10) / 10, what });
  if (typeof r.coverage_pct === 'number') {
    add('coverage', Math.min(40, 2 * Math.max(0, 100 - r.coverage_pct)), `${r.coverage_pct.toFixed(2)} % of the expected bars`);
  }
  if (typeof r.gap_count === 'number') add('gaps', Math.min(20, 2 * r.gap_count), `${fmtInt(r.gap_count)} gaps`);
  if (typeof r.stray_count === 'number') {
    add('stray bars', r.stray_count > 0 && r.rows > 0 ? Math.min(10, 1 + 1000 * r.stray_count / r.rows) : 0,
      `${fmtInt(r.stray_count)} bars outside the sessions`);
  }
  if (Array.isArray(r.suspicious_weeks)) {
    add('suspicious weeks', Math.min(30, 15 * r.suspicious_weeks.length), `${fmtInt(r.suspicious_weeks.length)} weeks`);
  }
  if (r.staleness) add('staleness', r.staleness.stale ? 10 : 0, r.staleness.stale ? 'no new bars for too long' : 'up to date');
  if (Array.isArray(r.schema_drift) && r.schema_drift.length) add('schema drift', 30, `${r.schema_drift.length} partitions`);
  if (Array.isArray(r.stale_derived) && r.stale_derived.length) add('stale derived data', 5, r.stale_derived.join(', '));
  return el('table.data.compact.score-parts', el('caption', `Score ${e.score}: 100 minus`),
    el('thead', el('tr', el('th', 'Part'), el('th.num', 'Points'), el('th', 'Found'))),
    el('tbody', parts.map(p => el('tr', { dataset: { part: p.name } }, el('td', p.name), el('td.num', p.points ? `−${p.points}` : '0'), el('td', p.what)))));
}

const cssId = key => key.replace(/[^A-Za-z0-9_-]/g, '_');
