// The display time zone: formatting instants in it, and its UTC offset for the chart.
// The zone database is the browser's own (Intl), so nothing is fetched.

const TZ_KEY = 'barlake.tz';
export const COMMON_ZONES = [
  'America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles',
  'America/Sao_Paulo', 'Europe/London', 'Europe/Berlin', 'Europe/Zurich', 'Asia/Dubai',
  'Asia/Kolkata', 'Asia/Singapore', 'Asia/Hong_Kong', 'Asia/Tokyo', 'Australia/Sydney', 'UTC',
];

let zone = localStorage.getItem(TZ_KEY) || '';
const listeners = new Set();

export const currentZone = () => zone || 'America/New_York';
export const hasChosenZone = () => Boolean(localStorage.getItem(TZ_KEY));

/** Sets the zone (stored when `remember`) and tells the pages. */
export function setZone(z, remember = true) {
  if (!isValidZone(z)) return;
  zone = z;
  if (remember) localStorage.setItem(TZ_KEY, z);
  for (const f of listeners) f(z);
}
export const onZoneChange = f => { listeners.add(f); return () => listeners.delete(f); };

export function isValidZone(z) {
  try { new Intl.DateTimeFormat('en-US', { timeZone: z }); return true; } catch { return false; }
}

const formatters = new Map();
function partsFormatter(z) {
  let f = formatters.get(z);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: z, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(z, f);
  }
  return f;
}

function fields(ms, z) {
  const o = {};
  for (const p of partsFormatter(z).formatToParts(new Date(ms))) o[p.type] = p.value;
  return o;
}

/** "2024-01-15 09:30" in the zone; dateOnly for daily bars (stamped with their date, in UTC). */
export function formatTime(ms, { z = currentZone(), dateOnly = false, seconds = false } = {}) {
  if (!Number.isFinite(ms)) return '–';
  if (dateOnly) return new Date(ms).toISOString().slice(0, 10);
  const f = fields(ms, z);
  return `${f.year}-${f.month}-${f.day} ${f.hour}:${f.minute}${seconds ? ':' + f.second : ''}`;
}

/** Offset of the zone from UTC at `ms`, in seconds (e.g. -18000 for New York in winter). */
export function offsetSeconds(ms, z = currentZone()) {
  const f = fields(ms, z);
  const asUtc = Date.UTC(+f.year, +f.month - 1, +f.day, +f.hour, +f.minute, +f.second);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 1000);
}

/**
 * A memo of offsetSeconds by hour: offsets change only at whole-hour-aligned DST
 * transitions in the zones we list, so one Intl call per hour of bars is enough.
 */
export function offsetCache(z = currentZone()) {
  const byHour = new Map();
  return ms => {
    const h = Math.floor(ms / 3600000);
    let o = byHour.get(h);
    if (o === undefined) { o = offsetSeconds(h * 3600000, z); byHour.set(h, o); }
    return o;
  };
}

/** A wall-clock "YYYY-MM-DDTHH:MM" in the zone to epoch ms (for the from/to inputs). */
export function wallToMillis(text, z = currentZone()) {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?$/.exec(text || '');
  if (!m) return NaN;
  const guess = Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0));
  // Two passes settle the offset except inside a DST gap, where the later offset wins.
  let t = guess - offsetSeconds(guess, z) * 1000;
  t = guess - offsetSeconds(t, z) * 1000;
  return t;
}

/** epoch ms to the "YYYY-MM-DDTHH:MM" value of a datetime-local input in the zone. */
export function millisToWall(ms, z = currentZone()) {
  const f = fields(ms, z);
  return `${f.year}-${f.month}-${f.day}T${f.hour}:${f.minute}`;
}
