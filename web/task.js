// Writes run as server tasks: POST answers 202 {task, events}; the task's progress comes
// as server-sent events ("progress", then one "done") on `events`. When the stream cannot
// be opened (e.g. a server that needs the token for reads: EventSource sends no header),
// the task is polled instead.
import { api, ApiError } from './api.js';

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * Follows the task in a POST answer until it ends, calling onProgress(task, via) on each
 * change (via: 'answer', 'stream' or 'poll'). Resolves with the final task; rejects with ApiError (with .task and .jobId)
 * when it failed. An answer without a task (a server that answers synchronously) is
 * returned as {state: 'succeeded', result: answer}.
 */
export async function followTask(answer, onProgress = () => {}) {
  const task = answer && answer.task;
  if (!task) return { state: 'succeeded', result: answer, job: answer && answer.job };
  onProgress(task, 'answer');
  let last = task;
  if (!FINAL.has(task.state)) last = (await stream(answer.events || `/api/tasks/${task.id}/events`, onProgress)) || task;
  while (!FINAL.has(last.state)) {
    await new Promise(r => setTimeout(r, 300));
    last = await api(`tasks/${task.id}`);
    onProgress(last, 'poll');
  }
  if (last.state !== 'succeeded') {
    const e = last.error || {};
    const err = new ApiError(e.http_status || 500, e.code || last.state, e.message || `The ${last.kind || 'task'} ${last.state}`);
    err.task = last;
    err.jobId = last.job;
    throw err;
  }
  return last;
}

function stream(url, onProgress) {
  return new Promise(resolve => {
    let latest = null;
    const source = new EventSource(url);
    const on = ev => {
      try { latest = JSON.parse(ev.data); } catch { return; }
      onProgress(latest, 'stream');
    };
    source.addEventListener('progress', on);
    source.addEventListener('done', ev => { on(ev); source.close(); resolve(latest); });
    source.onerror = () => { source.close(); resolve(latest); };
  });
}

/** "parsing · 12 MiB of 40 MiB" style text and a 0..1 fraction (NaN when unknown). */
export function describeProgress(t) {
  const fraction = t.total > 0 ? Math.min(1, t.done / t.total) : NaN;
  const state = { queued: 'Waiting for the writer…', running: '', succeeded: 'Done', failed: 'Failed', cancelled: 'Cancelled' }[t.state] ?? t.state;
  const text = [state, t.phase, Number.isFinite(fraction) ? `${Math.round(fraction * 100)} %` : ''].filter(Boolean).join(' · ');
  return { fraction, text: text || 'Working…' };
}
