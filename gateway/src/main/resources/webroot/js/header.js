// The header of a signed-in page: the page links, who is signed in with which role, and a
// workspace switcher when the user belongs to several. The role also goes on <body data-role>,
// where app.css hides the controls marked .needs-operator / .needs-admin / .needs-owner that the
// role cannot use (the server still decides: a 403 is shown as it says).
import { h, clear, showError } from './dom.js';
import { post } from './api.js';

const nav = document.getElementById('page-nav');
const logout = document.getElementById('logout');
const whoami = document.getElementById('whoami');
const myRole = document.getElementById('my-role');
const box = document.getElementById('workspace-box');
const select = document.getElementById('workspace-switch');
const wsName = document.getElementById('workspace-name');
const globalError = document.getElementById('global-error');
let onSwitched = () => {};

select.addEventListener('change', async () => {
  const wanted = select.value;
  select.disabled = true;
  try {
    await post('/api/session/workspace', { workspace_id: wanted });
    onSwitched();
  } catch (err) {
    select.value = select.dataset.current || '';
    showError(globalError, err);
  } finally {
    select.disabled = false;
  }
});

/** Signed out: only the brand. */
export function headerSignedOut() {
  nav.hidden = true;
  logout.hidden = true;
  box.hidden = true;
  wsName.hidden = true;
  myRole.hidden = true;
  whoami.textContent = '';
  delete document.body.dataset.role;
}

/**
 * Signed in: `state` is {me, workspaces} from me.js (null when it could not be read), `page` the
 * name of the page shown, `switched` what to do after a workspace switch.
 */
export function headerSignedIn(state, page, switched) {
  onSwitched = switched;
  nav.hidden = false;
  logout.hidden = false;
  for (const a of nav.querySelectorAll('a')) {
    if (a.dataset.page === page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!state) return;
  const { me, workspaces } = state;
  whoami.textContent = me.email || me.name || '';
  if (me.role) {
    document.body.dataset.role = me.role;
    myRole.hidden = false;
    myRole.textContent = me.role;
    myRole.title = 'Your role in this workspace';
    myRole.dataset.role = me.role;
  }
  // An API token belongs to one workspace: it cannot switch.
  if (workspaces.length > 1 && me.auth !== 'api_token') {
    clear(select).append(...workspaces.map((w) =>
      h('option', { value: w.id, selected: w.id === me.workspace_id }, `${w.name} (${w.role})`)));
    select.value = me.workspace_id;
    select.dataset.current = me.workspace_id;
    box.hidden = false;
    wsName.hidden = true;
  } else {
    box.hidden = true;
    wsName.textContent = me.workspace_name || '';
    wsName.title = 'Your workspace';
    wsName.hidden = !me.workspace_name;
  }
}
