// Members of the workspace: who they are, their role; admins and owners change roles and remove
// members, and anyone leaves. What the server refuses (409 last_owner, 403) is shown as it says.
import { h, clear, showError, fmtTime, confirmButton, roleBadge } from './dom.js';
import { get, patch, del } from './api.js';
import { atLeast, rolesUpTo } from './me.js';

/**
 * Renders #/members. `ctx.me` is GET /api/me; `ctx.roleChanged()` re-reads it after one's own role
 * changed; `ctx.left(workspaceName)` is called once the user has left the workspace.
 */
export function renderMembers(root, ctx) {
  const me = ctx.me;
  const admin = atLeast(me.role, 'admin');
  const error = h('div', { class: 'error', role: 'alert', id: 'members-error', hidden: true });
  const status = h('p', { class: 'small muted', id: 'members-status', role: 'status' });
  const tbody = h('tbody', { id: 'members-body' });
  let stopped = false;
  // The row whose role list gets the focus back once the table is drawn again.
  let refocus = null;

  root.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Members'),
      h('span', { class: 'muted' }, me.workspace_name ? `of ${me.workspace_name}` : '')),
    h('p', { class: 'muted small' }, admin
      ? 'Change a role with its list, then Set (up to your own role); removing a member ends their sessions and tokens here at once.'
      : 'Owners and admins manage members. You can leave the workspace.'),
    error,
    status,
    h('div', { class: 'table-wrap' },
      h('table', { class: 'members', id: 'members-table' },
        h('caption', { class: 'sr-only' }, 'Members of this workspace'),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, 'Email'), h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Role'),
          h('th', { scope: 'col' }, 'Joined'), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
        tbody)));

  function row(m) {
    const self = m.user_id === me.user_id;
    const who = m.email || m.name || m.user_id;
    // An admin cannot touch an owner; an owner can touch anyone (the server checks both).
    const manageable = admin && (m.role !== 'owner' || me.role === 'owner');
    const actions = h('td', { class: 'actions-cell' });
    let roleCell;
    if (manageable) {
      const options = rolesUpTo(me.role);
      if (!options.includes(m.role)) options.push(m.role);
      const select = h('select', { 'aria-label': `Role of ${who}`, class: 'role-select' },
        options.map((r) => h('option', { value: r, selected: r === m.role }, r)));
      select.value = m.role;
      // Applied by its own button, not on change: arrowing through the list by keyboard fires a
      // change at each step, and each would be a role change (through owner, perhaps).
      const set = h('button', { type: 'button', class: 'small primary', 'aria-label': `Set the role of ${who}`, hidden: true },
        'Set');
      select.addEventListener('change', () => {
        set.hidden = select.value === m.role;
      });
      set.addEventListener('click', () => act(async () => {
        refocus = m.user_id;
        const role = select.value;
        await patch('/api/members/' + encodeURIComponent(m.user_id), { role });
        status.textContent = `${who} is now ${role}.`;
        if (self) ctx.roleChanged();
      }));
      roleCell = h('span', { class: 'role-edit' }, select, set);
    } else {
      roleCell = roleBadge(m.role);
    }
    if (self && me.auth !== 'api_token') {
      // An API token's user is its creator: leaving is for people, not for their scripts.
      actions.append(confirmButton('Leave workspace', 'Confirm: leave', { class: 'small danger', id: 'leave-workspace' },
        () => act(async () => {
          await del('/api/members/' + encodeURIComponent(m.user_id));
          ctx.left(me.workspace_name);
        }, false)));
    } else if (manageable) {
      actions.append(confirmButton('Remove', 'Confirm remove', { class: 'small danger', 'aria-label': `Remove ${who}` },
        () => act(async () => {
          await del('/api/members/' + encodeURIComponent(m.user_id));
          status.textContent = `${who} was removed.`;
        })));
    }
    return h('tr', { dataset: { userId: m.user_id, email: m.email || '' } },
      h('th', { scope: 'row' }, m.email || '—', self ? h('span', { class: 'muted small' }, ' (you)') : null),
      h('td', {}, m.name || '—'),
      h('td', {}, roleCell),
      h('td', { title: fmtTime(m.joined_at) }, fmtTime(m.joined_at)),
      actions);
  }

  async function act(fn, reload = true) {
    showError(error, null);
    status.textContent = '';
    try {
      await fn();
    } catch (err) {
      showError(error, err);
    }
    // Also after a refusal: the lists show what the server holds, not what was tried.
    if (reload && !stopped) load();
  }

  async function load() {
    try {
      const res = await get('/api/members');
      if (stopped) return;
      clear(tbody);
      res.members.forEach((m) => tbody.append(row(m)));
      if (refocus) {
        const again = [...tbody.querySelectorAll('tr')].find((tr) => tr.dataset.userId === refocus);
        refocus = null;
        if (again && again.querySelector('select')) again.querySelector('select').focus();
      }
    } catch (err) {
      showError(error, err);
    }
  }

  load();
  return () => {
    stopped = true;
  };
}
