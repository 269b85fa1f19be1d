// Import by upload: choose a file, see the detected format and why (POST /api/detect),
// confirm, follow the job's progress (server-sent events), then read its report.
import { api, ApiError, getToken } from './api.js';
import { renderReport } from './report.js';
import { clear, el, fmtBytes, fmtInt } from './util.js';

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
  const detection = el('div.detection', { id: 'detection', 'aria-live': 'polite' });
  const submit = el('button.primary', { type: 'submit', id: 'import-submit', disabled: true }, 'Import');
  const progress = el('div.progress-box', { id: 'import-progress', hidden: true, 'aria-live': 'polite' });
  const result = el('div', { id: 'import-result' });

  const form = el('form.import', { id: 'import-form' },
    el('datalist', { id: 'tf-list' }, TIMEFRAMES.map(t => el('option', { value: t }))),
    el('div.field.wide', el('label', { for: 'import-file' }, 'File'), file),
    detection,
    el('div.grid',
      field('Symbol', symbol), field('Timeframe', timeframe), field('Format', format),
      field('Time zone of the stamps', tz), field('Stamps mark the bar\'s', stamp), field('When a bar differs from the stored one', onConflict)),
    el('div.actions', submit),
    progress, result);

  clear(view, el('h1', 'Import a file'),
    getToken() ? null : el('p.warn', 'Importing needs the server\'s token: run ', el('code', 'barlake token'), ' and paste it with the Token button above.'),
    form);

  let detectSeq = 0;
  file.addEventListener('change', async () => {
    const f = file.files[0];
    submit.disabled = true;
    clear(result);
    if (!f) { clear(detection); return; }
    const seq = ++detectSeq;
    guessFromName(f.name, symbol, timeframe);
    clear(detection, el('p.muted', `Detecting the format of ${f.name} (${fmtBytes(f.size)})…`));
    try {
      const body = new FormData();
      body.append('file', f, f.name);
      const d = await api('detect', { method: 'POST', body });
      if (seq !== detectSeq) return;
      showDetection(detection, d, format);
    } catch (e) {
      if (seq !== detectSeq) return;
      clear(detection, el('p.error', { role: 'alert' }, `Format not recognised: ${e.readable || e.message}. Choose a format below if you know it.`));
    }
    submit.disabled = false;
  });

  form.addEventListener('submit', async e => {
    e.preventDefault();
    if (!form.reportValidity()) return;
    submit.disabled = true;
    clear(result);
    progress.hidden = false;
    const bar = el('progress', { max: 1, value: 0, id: 'import-progress-bar' });
    const phase = el('span', { id: 'import-phase' }, 'Uploading…');
    clear(progress, bar, ' ', phase);
    const body = new FormData();
    body.append('file', file.files[0], file.files[0].name);
    for (const input of [symbol, timeframe, format, tz, stamp, onConflict]) {
      if (input.value && !(input === format && input.value === 'auto')) body.append(input.name, input.value.trim());
    }
    try {
      const answer = await api('import', { method: 'POST', body });
      const job = await followJob(answer, bar, phase);
      bar.value = 1;
      phase.textContent = `Job ${job.id ?? job.job} ${job.status || 'done'}.`;
      clear(result, el('h2', 'Report'), renderReport(job),
        el('p', el('a', { href: `#/jobs/${job.id ?? job.job}` }, 'Open the job'), ' · ',
          el('a', { href: `#/dataset/${encodeURIComponent(symbol.value.trim())}/${encodeURIComponent(timeframe.value.trim())}` }, 'Open the chart'), ' · ',
          el('a', { href: '#/' }, 'Back to the datasets')));
    } catch (err) {
      phase.textContent = 'Import failed.';
      clear(result, el('div.error-box', { role: 'alert' }, err.readable || err.message));
      if (err.job) clear(result, el('div.error-box', { role: 'alert' }, err.readable || err.message), renderReport(err.job));
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
  if (formatSelect.value === 'auto' || !formatSelect.value) formatSelect.value = 'auto';
  clear(box, el('p.detected', { dataset: { format: name } }, 'Detected format ', el('strong', name), why ? ` — because ${why}` : ''),
    others.length ? el('p.muted', 'Also possible: ', others.map(c => `${c.format} (${c.why})`).join('; ')) : null);
}

/**
 * The import's answer is either the finished report, or a running job to follow through
 * server-sent events (`events` URL in the answer, else /api/jobs/ID/events). Resolves with
 * the job record (with its report); rejects with ApiError when the job failed.
 */
async function followJob(answer, bar, phase) {
  const id = answer && (answer.job ?? answer.id);
  const running = answer && ['running', 'queued', 'accepted', 'pending', 'started'].includes(answer.status);
  if (!running) return finished(answer, id);
  const url = answer.events || answer.events_url || `/api/jobs/${id}/events`;
  await new Promise(resolve => {
    const source = new EventSource(url);
    const done = () => { source.close(); resolve(); };
    const onProgress = ev => {
      let p;
      try { p = JSON.parse(ev.data); } catch { return; }
      showProgress(p, bar, phase);
      if (['completed', 'failed', 'skipped', 'done'].includes(p.status) || p.done) done();
    };
    source.onmessage = onProgress;
    source.addEventListener('progress', onProgress);
    for (const name of ['done', 'end', 'completed', 'failed']) source.addEventListener(name, done);
    source.onerror = done;  // the stream ended or broke: the job record tells the outcome
  });
  return finished(await api(`jobs/${id}`), id);
}

function showProgress(p, bar, phase) {
  const total = p.bytes_total ?? p.total;
  const doneBytes = p.bytes_done ?? p.done_bytes ?? p.current;
  if (typeof p.fraction === 'number') bar.value = p.fraction;
  else if (total > 0 && doneBytes >= 0) bar.value = Math.min(1, doneBytes / total);
  const rows = p.rows ?? p.rows_read;
  phase.textContent = [p.phase || p.status, rows !== undefined ? `${fmtInt(rows)} rows` : ''].filter(Boolean).join(' · ') || 'Working…';
}

async function finished(job, id) {
  if (job && job.status === 'failed') {
    const err = new ApiError(422, job.code || 'import_failed', job.error || `Job ${id} failed`);
    err.job = job;
    throw err;
  }
  // An answer without the journal's fields (partitions touched): read the job record.
  if (id !== undefined && job && !job.partitions_touched) {
    try {
      const full = await api(`jobs/${id}`);
      if (!full.report && typeof job === 'object') full.report = job;
      return full;
    } catch { /* keep the answer we have */ }
  }
  return job;
}
