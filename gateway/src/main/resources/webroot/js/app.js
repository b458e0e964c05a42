// The control plane: a hash router over three pages (log in, agents, one agent).
import { h, clear, showError } from './dom.js';
import { session, get, post, ApiError } from './api.js';
import { renderLogin } from './login.js';
import { renderAgents } from './agents.js';
import { renderAgent } from './agent.js';

const main = document.getElementById('main');
const logoutBtn = document.getElementById('logout');
const whoami = document.getElementById('whoami');
const globalError = document.getElementById('global-error');
let cleanup = null;
let loginNotice = null;

session.onUnauthorized((err) => {
  session.clear();
  loginNotice = 'Your session has ended (' + err.message + '). Log in again.';
  location.hash = '#/login';
  route();
});

function setSignedIn(on) {
  logoutBtn.hidden = !on;
  if (!on) whoami.textContent = '';
}

async function refreshWhoami() {
  try {
    const me = await get('/api/me');
    whoami.textContent = me.email || me.name || '';
  } catch {
    /* shown by the page itself */
  }
}

logoutBtn.addEventListener('click', async () => {
  try {
    await post('/api/logout', undefined, { noAuthRedirect: true });
  } catch (e) {
    // Logged out locally whatever the server said; say it if the server did not hear it.
    if (!(e instanceof ApiError) || e.status !== 401) {
      loginNotice = 'Logged out here, but the server could not be told: ' + e.message;
    }
  }
  session.clear();
  location.hash = '#/login';
});

// The banner is a live region: it is only rewritten when what it says changes, so a screen
// reader does not hear it again at every check.
let bannerSaid = null;
function say(box, items) {
  const text = items.map((i) => i.textContent).join('|');
  if (text === bannerSaid) return;
  bannerSaid = text;
  clear(box).append(...items);
}

async function banner() {
  const box = document.getElementById('banner');
  try {
    const res = await fetch('/ready', { cache: 'no-store', headers: { Accept: 'application/json' } });
    const ready = await res.json();
    const items = [];
    const model = ready.details && ready.details.model;
    if (model && model.startsWith('offline')) {
      items.push(h('div', { class: 'banner offline', id: 'offline-banner' },
        h('strong', {}, 'Offline model. '),
        'Agents are answered by the built-in offline model (free, canned answers labelled [offline model]). ' +
        'Set LLM_API_KEY on the server for a real model.'));
    }
    if (ready.status !== 'ready') {
      const failing = Object.entries(ready.checks || {}).filter(([, v]) => v !== 'ok')
        .map(([k, v]) => `${k}: ${v}`).join('; ');
      items.push(h('div', { class: 'banner warn' }, h('strong', {}, 'Not ready. '), failing));
    }
    say(box, items);
  } catch {
    say(box, [h('div', { class: 'banner warn' }, h('strong', {}, 'Server unreachable. '),
      'The readiness check did not answer.')]);
  }
}

async function route() {
  if (cleanup) {
    try {
      cleanup();
    } catch {
      /* a page's cleanup must not stop the next page */
    }
    cleanup = null;
  }
  showError(globalError, null);
  clear(main);
  const hash = location.hash || '';
  const token = session.token;
  const m = hash.match(/^#\/agents\/([0-9a-fA-F-]{36})$/);
  if (!token || hash === '#/login') {
    setSignedIn(false);
    if (hash !== '#/login') history.replaceState(null, '', '#/login');
    document.title = 'Log in · Open Pincery';
    const notice = loginNotice;
    loginNotice = null;
    cleanup = renderLogin(main, {
      notice,
      onLoggedIn: () => {
        location.hash = '#/agents';
      },
    });
  } else if (m) {
    setSignedIn(true);
    refreshWhoami();
    cleanup = renderAgent(main, m[1]);
  } else {
    setSignedIn(true);
    refreshWhoami();
    if (hash !== '#/agents') history.replaceState(null, '', '#/agents');
    document.title = 'Agents · Open Pincery';
    cleanup = renderAgents(main);
  }
  main.focus({ preventScroll: true });
}

// Never a blank page: whatever escapes a page is shown here.
window.addEventListener('unhandledrejection', (e) => showError(globalError, e.reason));
window.addEventListener('error', (e) => showError(globalError, e.error || new Error(e.message)));
window.addEventListener('hashchange', route);
banner();
setInterval(banner, 30000); // /ready is open and not rate-limited; the banner follows the server
route();
