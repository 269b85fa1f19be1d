// A job's report (the JSON `barlake import --json` prints, kept in the journal): counts,
// rejections per rule with examples, conflicts, notes, the derived datasets rebuilt after
// it and the partitions written.
import { el, fmtInt, fmtNumber } from './util.js';

const first = (...xs) => xs.find(x => x !== undefined && x !== null);

export function renderReport(job) {
  // A job from the journal carries its report under "report"; an import's answer is the report.
  job = job || {};
  const src = (typeof job.report === 'object' && job.report) || job;
  const counts = [
    ['Read', first(src.rows_read, job.rows_read)],
    ['Written', first(src.rows_written, job.rows_written)],
    ['Added', src.rows_added],
    ['Replaced', src.rows_replaced],
    ['Identical', src.rows_identical],
    ['Rejected', first(src.rows_rejected, job.rows_rejected)],
    ['Conflicting', first(src.rows_conflicting, job.rows_conflicting)],
    ['Partitions', Array.isArray(src.partitions) ? src.partitions.length : first(src.partitions, job.partitions)],
  ].filter(([, v]) => v !== undefined && v !== null);

  const byRule = src.rejected_by_rule && typeof src.rejected_by_rule === 'object' ? Object.entries(src.rejected_by_rule) : [];
  const rejections = Array.isArray(src.rejections) ? src.rejections : [];
  const conflicts = Array.isArray(src.conflicts) ? src.conflicts : [];
  const notes = Array.isArray(src.notes) ? src.notes : [];
  const regenerated = Array.isArray(src.regenerated) ? src.regenerated : [];
  const partitions = Array.isArray(job.partitions_touched) ? job.partitions_touched.map(p => ({
    path: p.path, before: p.before_sha256 ? `${fmtInt(p.before_rows)} rows` : 'new', after: p.after_sha256 ? `${fmtInt(p.after_rows)} rows` : 'removed',
  })) : (Array.isArray(src.partition_paths) ? src.partition_paths.map(p => ({ path: p })) : []);

  return el('div.report', { dataset: { job: String(first(job.id, src.job, '')) } },
    el('dl.counts', counts.map(([k, v]) => el('div', el('dt', k), el('dd', fmtInt(v))))),
    src.format ? el('p', 'Format ', el('strong', src.format),
      src.format_detected_because ? ` — detected because ${src.format_detected_because}` : '',
      src.source_tz ? `; stamps read in ${src.source_tz}` : '') : null,
    src.skipped_because ? el('p.warn', `Skipped: ${src.skipped_because}`) : null,
    src.alignment ? el('p.warn', src.alignment) : null,
    (job.error && !src.skipped_because) ? el('p.error', job.error) : null,
    regenerated.length || src.regenerate_error ? el('section', { id: 'report-regenerated' },
      el('h3', 'Derived datasets rebuilt'),
      regenerated.length ? regenerateList(regenerated) : null,
      src.regenerate_error ? el('p.error', `Not regenerated: ${src.regenerate_error} (run \`barlake regenerate --stale\`)`) : null) : null,
    notes.length ? el('ul.notes', notes.map(n => el('li', typeof n === 'string' ? n : JSON.stringify(n)))) : null,
    byRule.length ? el('section',
      el('h3', 'Rejected rows by rule'),
      el('table.data.compact.rules', el('thead', el('tr', el('th', 'Rule'), el('th.num', 'Rows'))),
        el('tbody', byRule.map(([rule, n]) => el('tr', el('td', el('code', rule)), el('td.num', fmtInt(n))))))) : null,
    rejections.length ? el('details', el('summary', `Examples of rejected rows (${fmtInt(rejections.length)})`),
      el('table.data.compact', el('thead', el('tr', ['Line', 'Rule', 'Field', 'Reason'].map(t => el(t === 'Line' ? 'th.num' : 'th', t)))),
        el('tbody', rejections.slice(0, 50).map(x => el('tr', el('td.num', x.line), el('td', el('code', x.rule)), el('td', x.field || ''), el('td', x.reason || '')))))) : null,
    conflicts.length ? el('details', el('summary', `Conflicting bars (${fmtInt(conflicts.length)})`),
      el('table.data.compact', el('thead', el('tr', ['Time (UTC)', 'Line', 'Stored OHLCV', 'Incoming OHLCV'].map(t => el(t === 'Time (UTC)' ? 'th' : 'th.num', t)))),
        el('tbody', conflicts.slice(0, 50).map(c => el('tr', el('td.time', c.ts), el('td.num', c.line),
          el('td.num', (c.stored || []).map(fmtNumber).join(' ')), el('td.num', (c.incoming || []).map(fmtNumber).join(' '))))))) : null,
    partitions.length ? el('details', el('summary', `Partitions (${fmtInt(partitions.length)})`),
      el('ul.partitions', partitions.map(p => el('li', el('code', p.path), p.before ? ` ${p.before} → ${p.after}` : '')))) : null);
}

/** Each derived dataset a regeneration (or an import's or rollback's) handled: rebuilt, skipped because …, or failed, with its job. */
export function regenerateList(items) {
  if (!items.length) return el('p.muted', 'Nothing to regenerate.');
  return el('ul.regenerated', items.map(it => el('li', { dataset: { dataset: it.dataset } },
    el('strong', it.dataset), ': ',
    it.error ? el('span.error', `failed: ${it.error}`)
      : it.skipped_because ? `skipped because ${it.skipped_because}`
        : `rebuilt (${fmtInt(it.partitions_written)} partitions written, ${fmtInt(it.rows_written)} rows${it.incremental ? ', incremental' : ''})`,
    it.job ? [' · ', el('a', { href: `#/jobs/${it.job}` }, `job ${it.job}`)] : null)));
}
