// The dashboard's shell: hash routes, the time-zone selector, the token dialog.
//   #/            datasets (tabs: ?tab=market|derived|other)
//   #/dataset/SYMBOL/TF   chart       #/health   #/jobs   #/jobs/ID   #/import
//   #/query?sql=...&offset=N   the SQL console
import { adoptTokenFromUrl, apiOptional, getToken, setToken } from './api.js';
import { COMMON_ZONES, currentZone, hasChosenZone, isValidZone, onZoneChange, setZone } from './tz.js';
import { clear, el, toast } from './util.js';

const pages = {
  datasets: () => import('./page_datasets.js'),
  dataset: () => import('./page_dataset.js'),
  health: () => import('./page_health.js'),
  jobs: () => import('./page_jobs.js'),
  job: () => import('./page_jobs.js'),
  import: () => import('./page_import.js'),
  query: () => import('./page_query.js'),
  schedules: () => import('./page_schedules.js'),
};

function parseRoute() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [pathPart, query = ''] = hash.split('?');
  const parts = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query);
  if (parts[0] === 'dataset' && parts.length >= 3) return { page: 'dataset', symbol: parts[1], timeframe: parts[2], params };
  if (parts[0] === 'jobs' && parts[1]) return { page: 'job', id: parts[1], params };
  if (['health', 'jobs', 'import', 'query', 'schedules'].includes(parts[0])) return { page: parts[0], params };
  return { page: 'datasets', params };
}

let current = null;  // {route, cleanup}
let zoneListening = false;  // onZoneChange draws again (set before the first render)
let renderSeq = 0;

async function render() {
  const route = parseRoute();
  // A zone in the address (a chart's link, ?tz=Europe/Berlin) is the zone the page is drawn
  // in; adopting it draws again through onZoneChange.
  const askedZone = route.params.get('tz');
  if (askedZone && isValidZone(askedZone) && askedZone !== currentZone() && zoneListening) {
    setZone(askedZone, false);
    return;
  }
  const seq = ++renderSeq;
  if (current && current.cleanup) current.cleanup();
  current = null;
  const nav = route.page === 'dataset' ? 'datasets' : route.page === 'job' ? 'jobs' : route.page;
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const view = document.getElementById('view');
  const started = performance.now();
  delete view.dataset.page;  // set again once this page has drawn (the browser test waits on it)
  delete view.dataset.renderedMs;
  delete view.dataset.readyAt;
  try {
    const mod = await pages[route.page]();
    if (seq !== renderSeq) return;
    const cleanup = await mod.render(view, route);
    if (seq !== renderSeq) { if (cleanup) cleanup(); return; }
    current = { route, cleanup };
    // The browser test reads this to measure how long each page took to appear.
    view.dataset.renderedMs = String(Math.round(performance.now() - started));
    view.dataset.readyAt = String(Math.round(performance.now()));  // since navigation start
    view.dataset.page = route.page;
  } catch (e) {
    if (seq !== renderSeq) return;
    clear(view, el('div.error-box', { role: 'alert' }, el('strong', 'Could not show this page. '), e.readable || e.message));
    view.dataset.page = route.page;
  }
}

function setupZoneSelect() {
  const select = document.getElementById('tz-select');
  const zones = new Set(COMMON_ZONES);
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (browserZone) zones.add(browserZone);
  const fill = () => {
    const z = currentZone();
    zones.add(z);
    clear(select, [...zones].sort().map(name => el('option', { value: name, selected: name === z }, name.replace(/_/g, ' '))));
  };
  fill();
  select.addEventListener('change', () => {
    // The address keeps its zone in step, so it does not take the page back to the old one.
    const [path, query] = location.hash.split('?');
    const params = new URLSearchParams(query || '');
    if (params.has('tz')) {
      params.set('tz', select.value);
      history.replaceState(null, '', `${path}?${params}`);
    }
    setZone(select.value);
  });
  onZoneChange(fill);
}

/** The vault's display zone becomes the default unless the user picked one here before. */
async function adoptVaultZone() {
  if (hasChosenZone()) return;
  try {
    const status = await apiOptional('status');
    const z = status && (status.display_tz || (status.vault && status.vault.display_tz));
    if (z && isValidZone(z) && z !== currentZone()) setZone(z, false);
  } catch { /* the pages report an unreachable server */ }
}

function setupToken() {
  const button = document.getElementById('token-button');
  const dialog = document.getElementById('token-dialog');
  const input = document.getElementById('token-input');
  const show = () => { button.classList.toggle('has-token', Boolean(getToken())); button.textContent = getToken() ? 'Token ✓' : 'Token'; };
  button.addEventListener('click', () => { input.value = getToken(); dialog.showModal(); input.focus(); });
  dialog.addEventListener('close', () => {
    if (dialog.returnValue === 'save') { setToken(input.value); toast('Token saved in this browser.'); }
    if (dialog.returnValue === 'clear') { setToken(''); toast('Token forgotten.'); }
    show();
  });
  button.addEventListener('token-changed', show);
  show();
}

// Live refresh: /api/events sends a "lake" event whenever the newest journal job changes
// (a job of this server or of a CLI import). List pages draw again; an open chart loads
// the new bars itself (its 'barlake:lake-changed' listener). The import form is left alone.
function followLake() {
  if (!window.EventSource) return;
  let seen = null;
  const source = new EventSource('/api/events');
  source.addEventListener('lake', ev => {
    if (seen === null || ev.data === seen) { seen = ev.data; return; }
    seen = ev.data;
    document.body.dataset.lakeChanges = String(Number(document.body.dataset.lakeChanges || 0) + 1);
    window.dispatchEvent(new CustomEvent('barlake:lake-changed'));
    if (current && ['datasets', 'health', 'jobs', 'job'].includes(current.route.page)) render();
  });
}

if (adoptTokenFromUrl()) toast('Token from the server URL saved; it was removed from the address bar.');
setupToken();
// The zone is settled before the first page draws; the page's module loads meanwhile.
const firstPage = pages[parseRoute().page]();
await Promise.all([adoptVaultZone(), firstPage.catch(() => null)]);
setupZoneSelect();
onZoneChange(() => render());
zoneListening = true;
// A "#token=..." link opened in a tab that already shows the dashboard arrives as a
// hashchange: take the token and drop it from the address bar there too.
window.addEventListener('hashchange', () => {
  if (adoptTokenFromUrl()) {
    toast('Token from the server URL saved; it was removed from the address bar.');
    document.getElementById('token-button').dispatchEvent(new Event('token-changed'));
  }
  render();
});
render();
followLake();
