// Import by upload: choose a file, see the detected format and why (POST /api/detect),
// confirm, follow the job's progress (server-sent events), then read its report.
import { api, getToken, tokenNeeded } from './api.js';
import { describeProgress, followTask } from './task.js';
import { renderReport } from './report.js';
import { formatTime } from './tz.js';
import { clear, debounce, el, fmtBytes, fmtInt, toMillis } from './util.js';

const FORMATS = ['auto', 'ninjatrader', 'csv', 'metatrader', 'tradingview', 'firstrate', 'binance-csv',
  'binance-json', 'yahoo-json', 'alphavantage-json', 'alphavantage-csv'];
const TIMEFRAMES = ['1m', '5m', '15m', '30m', '1h', '4h', '1d', '1w'];

export async function render(view) {
  const file = el('input', { type: 'file', id: 'import-file', name: 'file', required: true });
  const symbol = el('input', { id: 'import-symbol', name: 'symbol', required: true, placeholder: 'ES', autocomplete: 'off', spellcheck: false });
  const timeframe = el('input', { id: 'import-timeframe', name: 'timeframe', required: true, placeholder: '1m', list: 'tf-list', autocomplete: 'off' });
  const format = el('select', { id: 'import-format', name: 'format' }, FORMATS.map(f => el('option', { value: f }, f)));
  const tz = el('input', { id: 'import-tz', name: 'tz', placeholder: 'the dataset\'s source zone', autocomplete: 'off' });
  const stamp = el('select', { id: 'import-stamp', name: 'stamp' },
    el('option', { value: '' }, 'the format\'s convention'), el('option', { value: 'open' }, 'open'), el('option', { value: 'close' }, 'close'));
  const onConflict = el('select', { id: 'import-on-conflict', name: 'on_conflict' },
    ['keep', 'replace', 'fail'].map(v => el('option', { value: v }, v)));
  const dryRun = el('input', { type: 'checkbox', id: 'import-dry-run', name: 'dry_run', value: 'true' });
  const force = el('input', { type: 'checkbox', id: 'import-force', name: 'force', value: 'true' });
  const detection = el('div.detection', { id: 'detection', 'aria-live': 'polite' });
  const submit = el('button.primary', { type: 'submit', id: 'import-submit', disabled: true }, 'Import');
  const progress = el('div.progress-box', { id: 'import-progress', hidden: true, 'aria-live': 'polite' });
  const resultBox = el('div', { id: 'import-result' });

  const form = el('form.import', { id: 'import-form' },
    el('datalist', { id: 'tf-list' }, TIMEFRAMES.map(t => el('option', { value: t }))),
    el('div.field.wide', el('label', { for: 'import-file' }, 'File'), file),
    detection,
    el('div.grid',
      field('Symbol', symbol), field('Timeframe', timeframe), field('Format', format),
      field('Time zone of the stamps', tz), field('Stamps mark the bar\'s', stamp), field('When a bar differs from the stored one', onConflict)),
    el('div.actions',
      el('label.check', { title: 'Parse, check and count what would change; write nothing' }, dryRun, ' Dry run'),
      el('label.check', { title: 'Import even when more rows than the dataset allows are rejected (they go to quarantine)' }, force, ' Force'),
      submit),
    progress, resultBox);

  clear(view, el('h1', 'Import a file'),
    getToken() ? null : tokenNeeded(el, 'Importing'),
    form);

  let detectSeq = 0;
  // Detection reads the head of the file (the server keeps its first MiB), so only that is
  // sent; it is sent again when Symbol, Timeframe or the zone change, since the zone the
  // stamps are read in and the dataset the file adds to depend on them.
  const detect = async () => {
    const f = file.files[0];
    if (!f) { clear(detection); return; }
    const seq = ++detectSeq;
    try {
      const body = new FormData();
      body.append('file', f.slice(0, 1 << 20), f.name);
      for (const input of [symbol, timeframe, tz]) if (input.value.trim()) body.append(input.name, input.value.trim());
      const d = await api('detect', { method: 'POST', body });
      if (seq !== detectSeq) return;
      showDetection(detection, d, format);
      // A GEX snapshot file names its own tickers: no symbol or timeframe to give.
      const snapshot = d.format === 'gex-json';
      form.dataset.snapshot = snapshot ? 'true' : 'false';
      for (const input of [symbol, timeframe]) {
        input.required = !snapshot;
        input.disabled = snapshot;
        if (snapshot) input.value = '';
      }
    } catch (e) {
      if (seq !== detectSeq) return;
      if (e.status === 401) {
        // The one "Token needed" message (at the top of the form), not a format failure.
        clear(detection);
        if (!document.getElementById('token-needed')) form.before(tokenNeeded(el, 'Importing'));
      } else {
        clear(detection, el('p.error', { role: 'alert' }, `Format not recognised: ${e.readable || e.message}. Choose a format below if you know it.`));
      }
    }
  };
  file.addEventListener('change', async () => {
    const f = file.files[0];
    submit.disabled = true;
    clear(resultBox);
    if (!f) { clear(detection); return; }
    guessFromName(f.name, symbol, timeframe);
    clear(detection, el('p.muted', `Detecting the format of ${f.name} (${fmtBytes(f.size)})…`));
    await detect();
    submit.disabled = false;
  });
  const detectAgain = debounce(() => { if (file.files[0]) detect(); }, 400);
  for (const input of [symbol, timeframe, tz]) input.addEventListener('input', detectAgain);

  form.addEventListener('submit', async e => {
    e.preventDefault();
    if (!form.reportValidity()) return;
    submit.disabled = true;
    clear(resultBox);
    progress.hidden = false;
    const bar = el('progress', { max: 1, value: 0, id: 'import-progress-bar' });
    const phase = el('span', { id: 'import-phase' }, 'Uploading…');
    clear(progress, bar, ' ', phase);
    const body = new FormData();
    const chosen = file.files[0];
    body.append('file', chosen, chosen.name);
    // The lake tells a partial last bar by the file's time; an upload would lose it.
    body.append('last_modified', String(chosen.lastModified));
    const snapshot = form.dataset.snapshot === 'true';
    for (const input of snapshot ? [onConflict] : [symbol, timeframe, format, tz, stamp, onConflict]) {
      if (input.value && !(input === format && input.value === 'auto')) body.append(input.name, input.value.trim());
    }
    for (const box of [dryRun, force]) if (box.checked) body.append(box.name, 'true');
    let streamed = 0;
    progress.dataset.streamEvents = '0';
    const links = () => el('p',
      el('a', { href: `#/dataset/${encodeURIComponent(symbol.value.trim())}/${encodeURIComponent(timeframe.value.trim())}` }, 'Open the chart'), ' · ',
      el('a', { href: '#/jobs' }, 'Job history'), ' · ', el('a', { href: '#/' }, 'Back to the datasets'));
    try {
      const answer = await api('import', { method: 'POST', body });
      const task = await followTask(answer, (t, via) => {
        // Counted for the browser test: progress arrived over server-sent events.
        if (via === 'stream') progress.dataset.streamEvents = String(++streamed);
        const p = describeProgress(t);
        if (Number.isFinite(p.fraction)) bar.value = p.fraction; else bar.removeAttribute('value');
        phase.textContent = p.text;
      });
      const result = task.result || {};
      const jobId = task.job ?? (result.job && result.job.id);
      const job = await jobWithReport(jobId, result);
      bar.value = 1;
      const dry = result.report && result.report.status === 'dry_run';
      phase.textContent = dry ? 'Dry run: nothing was written.' : jobId ? `Job ${jobId} ${job.status || 'completed'}.` : 'Done.';
      clear(resultBox, dry ? conflictWarning(result.report) : null, el('h2', 'Report'), renderReport(job), jobId ? el('p', el('a', { href: `#/jobs/${jobId}` }, `Open job ${jobId}`)) : null, links());
    } catch (err) {
      bar.value = 0;
      phase.textContent = 'Import failed.';
      const job = err.jobId ? await jobWithReport(err.jobId, {}).catch(() => null) : null;
      // The lake's messages name the CLI's flag ("or pass --force to import the rest"); here
      // that is the Force box, so offer it as one click.
      const forceOffer = !force.checked && /--force\b/.test(err.message || '')
        ? el('p', { id: 'force-offer' }, 'In the dashboard, --force is the Force box: ',
          el('button', { type: 'button', id: 'import-again-forced', onclick: () => { force.checked = true; form.requestSubmit(); } },
            'Import again with Force'))
        : null;
      clear(resultBox, el('div.error-box', { role: 'alert' }, err.readable || err.message), forceOffer,
        job ? renderReport(job) : null, job ? el('p', el('a', { href: `#/jobs/${job.id}` }, `Open job ${job.id}`)) : null);
    } finally {
      submit.disabled = false;
    }
  });
}

function field(label, input) {
  return el('div.field', el('label', { for: input.id }, label), input);
}

// Fills empty Symbol/Timeframe from names that carry them: NinjaTrader's
// "ES 03-25.Last.txt" (symbol ES) and Binance's "BTCUSDT-1m-2024-01.csv" (BTCUSDT, 1m).
function guessFromName(name, symbol, timeframe) {
  const ninja = /^([A-Za-z0-9^=]+) \d\d-\d\d\.(?:Last|Bid|Ask)\.txt$/i.exec(name);
  const binance = /^([A-Z0-9]{5,})-(\d+[mhdw])-\d{4}-\d{2}/.exec(name);
  if (!symbol.value && (ninja || binance)) symbol.value = (ninja || binance)[1].toUpperCase();
  if (!timeframe.value && binance) timeframe.value = binance[2];
}

function showDetection(box, d, formatSelect) {
  const name = d.format || (d.detected && d.detected.format);
  const why = d.why || (d.detected && d.detected.why) || '';
  const others = (d.candidates || []).filter(c => c.format !== name && c.score > 0);
  if (!name) {
    clear(box, el('p.error', `Format not recognised: ${why || 'no format matched'}. Choose a format below.`));
    return;
  }
  const zone = d.zone;
  const ds = d.dataset;
  clear(box, el('p.detected', { dataset: { format: name } }, 'Detected format ', el('strong', name), why ? ` — because ${why}` : ''),
    others.length ? el('p.muted', 'Also possible: ', others.map(c => `${c.format} (${c.why})`).join('; ')) : null,
    zone ? el('p.zone', { id: 'detect-zone', dataset: { zone: zone.zone, used: String(zone.used) } },
      'Stamps read in ', el('strong', zone.used === false ? 'UTC' : zone.zone), ` — ${zone.text}`) : null,
    ds ? el('p.adds-to', { id: 'detect-dataset', dataset: { exists: String(ds.exists) } },
      ds.exists
        ? ['Adds to ', el('strong', `${ds.symbol} ${ds.timeframe}`),
          `: ${fmtInt(ds.rows)} bars, ${formatTime(toMillis(ds.first_bar))} – ${formatTime(toMillis(ds.last_bar))}`]
        : ['Creates the new dataset ', el('strong', `${ds.symbol} ${ds.timeframe}`)]) : null);
}

/** The journal's record of the job (partitions touched), with the import's report. */
async function jobWithReport(jobId, result) {
  if (jobId === undefined || jobId === null) return result.report || result;
  try {
    const job = await api(`jobs/${jobId}`);
    if (!job.report && result.report) job.report = result.report;
    return job;
  } catch {
    return { ...(result.job || {}), report: result.report };
  }
}

/**
 * A dry run in which most rows differ from the bars already stored is almost always the
 * wrong file, symbol or zone (an hour off reads as every bar conflicting): said loudly.
 */
function conflictWarning(report) {
  const read = Number(report.rows_read) || 0, conflicting = Number(report.rows_conflicting) || 0;
  if (!read || conflicting * 2 <= read) return null;
  return el('div.error-box.loud', { id: 'conflict-warning', role: 'alert' },
    el('strong', `${fmtInt(conflicting)} of ${fmtInt(read)} rows (${Math.round((100 * conflicting) / read)} %) differ from the bars already stored. `),
    'Check the symbol, the timeframe and the time zone of the stamps before importing: ' +
    'a file in another zone, or of another contract, conflicts on almost every bar.');
}
