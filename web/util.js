// Small DOM and formatting helpers shared by the pages.

/** el('div.card', {onclick}, child, 'text', ...): an element with classes, props and children. */
export function el(tag, props, ...children) {
  const [name, ...classes] = tag.split('.');
  const node = document.createElement(name || 'div');
  if (classes.length) node.className = classes.join(' ');
  if (props && (typeof props !== 'object' || props instanceof Node || Array.isArray(props))) {
    children.unshift(props);
    props = null;
  }
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k in node && k !== 'list' && k !== 'form') node[k] = v;
    else node.setAttribute(k, v === true ? '' : v);
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

const intFmt = new Intl.NumberFormat('en-US');

/**
 * A price or other decimal as it was written: 12 significant digits drop the binary
 * noise of a double (105.49000000000001 -> "105.49") and keep every real decimal.
 */
// The shortest text that reads back as the same double (JavaScript's own number to string,
// as the server writes JSON): a conflict between 105.49 and 105.49000000000001 shows as
// one, never rounded into two equal-looking values.
export const fmtNumber = v => (typeof v === 'number' && Number.isFinite(v) ? String(v) : String(v ?? '–'));
export const fmtInt = n => (n === undefined || n === null ? '–' : intFmt.format(n));

export function fmtBytes(n) {
  if (n === undefined || n === null) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = Number(n);
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Microseconds, milliseconds, seconds or an ISO string to epoch milliseconds (or NaN). */
export function toMillis(t) {
  if (t === undefined || t === null || t === '') return NaN;
  if (typeof t === 'number') {
    const a = Math.abs(t);
    if (a >= 1e14) return t / 1000;   // microseconds
    if (a >= 1e11) return t;          // milliseconds
    return t * 1000;                  // seconds
  }
  if (/^-?\d+$/.test(t)) return toMillis(Number(t));
  return Date.parse(t);
}

export function debounce(fn, ms) {
  let timer;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

/** Seconds of a timeframe ("1m", "5m", "1h", "1d", "1w"), or NaN. */
export function timeframeSeconds(tf) {
  const m = /^(\d+)([mhdw])$/.exec(tf || '');
  if (!m) return NaN;
  return Number(m[1]) * { m: 60, h: 3600, d: 86400, w: 604800 }[m[2]];
}

export const isDailyOrLonger = tf => timeframeSeconds(tf) >= 86400;

export function toast(message, kind = 'info') {
  const box = document.getElementById('toast');
  const item = el(`div.toast-item.${kind}`, message);
  box.append(item);
  setTimeout(() => item.remove(), kind === 'error' ? 8000 : 4000);
}
