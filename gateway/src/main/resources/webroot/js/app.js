// The control plane: a hash router over its pages (log in, accept an invitation, agents, one
// agent, members, invitations, API tokens, audit log, notifications, MCP servers).
import { h, clear, showError } from './dom.js';
import { session, post, ApiError } from './api.js';
import { current, forget } from './me.js';
import { headerSignedIn, headerSignedOut } from './header.js';
import { renderLogin } from './login.js';
import { renderAccept } from './accept.js';
import { renderAgents } from './agents.js';
import { renderAgent } from './agent.js';
// The approvals inbox (supervision) and the pending count on its nav entry.
import { renderApprovals, refreshApprovalCount, watchApprovalCount, stopApprovalCount } from './approvals.js';
import { renderMembers } from './members.js';
import { renderInvitations } from './invitations.js';
import { renderTokens } from './tokens.js';
import { renderAudit } from './audit.js';
import { renderNotifications } from './notifications.js';
import { renderMcp } from './mcp.js';

const main = document.getElementById('main');
const logoutBtn = document.getElementById('logout');
const globalError = document.getElementById('global-error');
let cleanup = null;
let loginNotice = null;
// The invitation token of #/accept/<token>, kept here once it is out of the address bar.
let invitation = null;
// Each route() call; a page read after an await is only drawn by the newest call.
let generation = 0;

const PAGES = {
  '#/approvals': ['approvals', 'Approvals', renderApprovals],
  '#/members': ['members', 'Members', renderMembers],
  '#/invitations': ['invitations', 'Invitations', renderInvitations],
  '#/tokens': ['tokens', 'API tokens', renderTokens],
  '#/audit': ['audit', 'Audit log', renderAudit],
  '#/notifications': ['notifications', 'Notifications', renderNotifications],
  '#/mcp': ['mcp', 'MCP servers', renderMcp],
};

session.onUnauthorized((err) => {
  session.clear();
  forget();
  loginNotice = 'Your session has ended (' + err.message + '). Log in again.';
  // One route() only: a second one (hashchange after a direct call) would draw the form again
  // without the notice.
  if (location.hash === '#/login') route();
  else location.hash = '#/login';
});

function signOut(notice) {
  session.clear();
  forget();
  loginNotice = notice;
  location.hash = '#/login';
}

logoutBtn.addEventListener('click', async () => {
  let notice = null;
  try {
    // Signed in with an API token, log out only forgets it here: revoking it is the Tokens page's.
    const viaToken = await current().then((s) => s.me.auth === 'api_token', () => false);
    if (!viaToken) await post('/api/logout', undefined, { noAuthRedirect: true });
  } catch (e) {
    // Logged out locally whatever the server said; say it if the server did not hear it.
    if (!(e instanceof ApiError) || e.status !== 401) {
      notice = 'Logged out here, but the server could not be told: ' + e.message;
    }
  }
  signOut(notice);
});

/**
 * Tokens that arrive in the address bar (#/sso/<session token>, #/accept/<invitation token>) are
 * taken out of it at once (history.replaceState: no history entry keeps them) and kept in memory.
 * Returns the hash to route on.
 */
function takeTokensFromUrl(hash) {
  const sso = hash.match(/^#\/sso\/(.*)$/);
  if (sso) {
    if (/^[0-9a-f]{64}$/.test(sso[1])) {
      session.set(sso[1]);
      forget();
      history.replaceState(null, '', '#/agents');
      return '#/agents';
    }
    loginNotice = 'Single sign-on did not hand back a session. Try again, or log in with a token.';
    history.replaceState(null, '', '#/login');
    return '#/login';
  }
  const accept = hash.match(/^#\/accept\/(.+)$/);
  if (accept) {
    try {
      invitation = decodeURIComponent(accept[1]);
    } catch {
      invitation = accept[1]; // not %-encoded as sent: the server says whether it knows it
    }
    history.replaceState(null, '', '#/accept');
    return '#/accept';
  }
  return hash;
}

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
  const gen = ++generation;
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
  const hash = takeTokensFromUrl(location.hash || '');
  if (hash === '#/accept') {
    headerSignedOut();
    stopApprovalCount();
    document.title = 'Join a workspace · Open Pincery';
    cleanup = renderAccept(main, {
      token: invitation,
      onAccepted: () => {
        invitation = null;
        forget();
        location.hash = '#/agents';
      },
    });
    main.focus({ preventScroll: true });
    return;
  }
  if (!session.token || hash === '#/login') {
    headerSignedOut();
    stopApprovalCount();
    if (hash !== '#/login') history.replaceState(null, '', '#/login');
    document.title = 'Log in · Open Pincery';
    const notice = loginNotice;
    loginNotice = null;
    cleanup = renderLogin(main, {
      notice,
      onLoggedIn: () => {
        forget();
        location.hash = '#/agents';
      },
    });
    main.focus({ preventScroll: true });
    return;
  }
  let state = null;
  try {
    state = await current();
  } catch {
    // A 401 has already gone back to the log-in form; otherwise the page says what failed.
  }
  if (gen !== generation) return;
  const agent = hash.match(/^#\/agents\/([0-9a-fA-F-]{36})$/);
  const known = PAGES[hash];
  const page = agent ? 'agents' : known ? known[0] : 'agents';
  headerSignedIn(state, page, () => {
    forget();
    // The agent shown belongs to the workspace left behind.
    if (agent) location.hash = '#/agents';
    else route();
  });
  // The pending approvals' count on the nav entry: read again at each page (a decision, a
  // workspace switch) and polled in between.
  if (watchApprovalCount()) refreshApprovalCount();
  const ctx = {
    me: state ? state.me : {},
    roleChanged: () => {
      forget();
      route();
    },
    left: (name) => signOut(`You left ${name || 'the workspace'}; its session has ended.`),
  };
  if (agent) {
    cleanup = renderAgent(main, agent[1]);
  } else if (known) {
    document.title = known[1] + ' · Open Pincery';
    cleanup = known[2](main, ctx);
  } else {
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
