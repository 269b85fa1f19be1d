// The REST API under /api (docs/api.md). Mutating calls carry the bearer token, which the
// page keeps in localStorage (docs/dashboard.md#token). Errors become ApiError with the
// server's {"code","message"}.

const TOKEN_KEY = 'barlake.token';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
  /** A sentence for the user: the server's message, and what to do for a missing token. */
  get readable() {
    if (this.status === 401 || this.status === 403) {
      return `${this.message} — this action needs the server's token: run \`barlake token\` ` +
             'and paste it with the Token button (or open the URL `barlake serve` printed).';
    }
    return this.code ? `${this.message} (${this.code})` : this.message;
  }
}

export const getToken = () => localStorage.getItem(TOKEN_KEY) || '';
export function setToken(t) {
  if (t) localStorage.setItem(TOKEN_KEY, t.trim());
  else localStorage.removeItem(TOKEN_KEY);
}

/** Opens the token dialog (the Token button's), from a page that needs the token. */
export function askForToken() {
  const button = document.getElementById('token-button');
  if (button) button.click();
}

/** "Token needed": one message with a button that opens the token dialog. */
export function tokenNeeded(el, what) {
  return el('div.token-needed', { id: 'token-needed', role: 'alert' },
    el('strong', 'Token needed. '), `${what} needs the server's token: run `, el('code', 'barlake token'),
    ' and paste it, or open the URL `barlake serve` printed. ',
    el('button.primary', { type: 'button', id: 'paste-token', onclick: askForToken }, 'Paste token'));
}

/** Takes "#token=..." (as printed by `barlake serve`) out of the URL into storage. */
export function adoptTokenFromUrl() {
  const m = /(?:^#|[#&?])token=([^&]+)/.exec(location.hash);
  if (!m) return false;
  setToken(decodeURIComponent(m[1]));
  history.replaceState(null, '', location.pathname + location.search + '#/');
  return true;
}

async function errorFrom(res) {
  let code = '', message = `${res.status} ${res.statusText}`;
  try {
    const text = await res.text();
    try {
      const j = JSON.parse(text);
      const e = j.error && typeof j.error === 'object' ? j.error : j;
      code = e.code || '';
      message = e.message || (typeof j.error === 'string' ? j.error : message);
    } catch {
      if (text) message = text.slice(0, 300);
    }
  } catch { /* keep the status line */ }
  return new ApiError(res.status, code, message);
}

/**
 * fetch /api/<path>. `body`: a FormData (multipart) or an object (JSON). Resolves with the
 * parsed JSON (or text for non-JSON answers); rejects with ApiError.
 */
export async function api(path, { method = 'GET', body, signal } = {}) {
  const headers = {};
  // Sent on reads too: a server bound beyond loopback wants it for every call.
  const t = getToken();
  if (t) headers.Authorization = `Bearer ${t}`;
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  let res;
  try {
    res = await fetch(path.startsWith('/') ? path : `/api/${path}`, { method, headers, body: payload, signal });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'unreachable', `The barlake server did not answer (${e.message}). Is \`barlake serve\` running?`);
  }
  if (!res.ok) throw await errorFrom(res);
  const type = res.headers.get('content-type') || '';
  return type.includes('json') ? res.json() : res.text();
}

/** GET that resolves with null on 404 (an endpoint this server version does not have). */
export async function apiOptional(path) {
  try {
    return await api(path);
  } catch (e) {
    if (e.status === 404 || e.status === 405 || e.status === 501) return null;
    throw e;
  }
}
