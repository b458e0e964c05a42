// Invitations (owners and admins): invite by email and role, show the link once, list and revoke.
import { h, clear, showError, fmtTime, confirmButton, roleBadge, shownOnce, shortId } from './dom.js';
import { get, post, del, ApiError } from './api.js';
import { rolesUpTo, memberEmails } from './me.js';

const DEFAULT_HOURS = 168;

export function renderInvitations(root, ctx) {
  const me = ctx.me;
  const error = h('div', { class: 'error', role: 'alert', id: 'invitations-error', hidden: true });
  const formError = h('div', { class: 'error', role: 'alert', id: 'invite-error', hidden: true });
  const created = h('div', { id: 'invite-created' });
  const tbody = h('tbody', { id: 'invitations-body' });
  let stopped = false;

  const email = h('input', { id: 'invite-email', type: 'email', required: true, autocomplete: 'off', spellcheck: 'false' });
  const roles = rolesUpTo(me.role);
  const role = h('select', { id: 'invite-role' },
    roles.map((r) => h('option', { value: r, selected: r === 'operator' }, r)));
  const hours = h('input', { id: 'invite-hours', type: 'number', min: 1, max: 720, value: String(DEFAULT_HOURS),
    inputmode: 'numeric', 'aria-describedby': 'invite-hours-help' });
  const form = h('form', { class: 'card create', id: 'invite-form', novalidate: true },
    h('h2', {}, 'Invite someone'),
    h('div', { class: 'row wrap' },
      h('div', { class: 'field grow' }, h('label', { for: 'invite-email' }, 'Email'), email),
      h('div', { class: 'field' }, h('label', { for: 'invite-role' }, 'Role'), role),
      h('div', { class: 'field' }, h('label', { for: 'invite-hours' }, 'Expires in (hours)'), hours),
      h('button', { type: 'submit', class: 'primary', id: 'invite-submit' }, 'Invite')),
    h('p', { id: 'invite-hours-help', class: 'muted small' },
      'From 1 to 720 hours (30 days); 168 is a week. The link works once. Nothing is emailed: send it yourself.'),
    formError, created);

  root.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Invitations')),
    form,
    error,
    h('div', { class: 'table-wrap' },
      h('table', { class: 'invitations', id: 'invitations-table' },
        h('caption', { class: 'sr-only' }, 'Invitations of this workspace'),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, 'Email'), h('th', { scope: 'col' }, 'Role'), h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col' }, 'Invited'), h('th', { scope: 'col' }, 'Expires'),
          h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
        tbody)));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    showError(formError, null);
    clear(created);
    const address = email.value.trim();
    const n = Number(hours.value);
    if (!address || !address.includes('@')) {
      email.focus();
      return showError(formError, new ApiError(0, 'invalid', 'enter the email address of the person to invite'));
    }
    if (!Number.isInteger(n) || n < 1 || n > 720) {
      hours.focus();
      return showError(formError, new ApiError(0, 'invalid', 'the expiry must be a whole number of hours from 1 to 720'));
    }
    try {
      const inv = await post('/api/invitations', { email: address, role: role.value, expires_in_hours: n });
      email.value = '';
      const link = new URL(inv.accept_url, location.origin).href;
      created.append(shownOnce('invite-link', `Invitation for ${inv.email} (${inv.role})`, 'the invitation link', link,
        h('p', { class: 'small muted' }, `Valid once, until ${fmtTime(inv.expires_at)}. Whoever opens it joins as ${inv.role}.`)));
      load();
    } catch (err) {
      showError(formError, err);
    }
  });

  function row(inv, names) {
    const actions = h('td', { class: 'actions-cell' });
    if (inv.status === 'pending') {
      actions.append(confirmButton('Revoke', 'Confirm revoke', { class: 'small danger', 'aria-label': `Revoke the invitation of ${inv.email}` },
        async () => {
          showError(error, null);
          try {
            await del('/api/invitations/' + encodeURIComponent(inv.id));
          } catch (err) {
            showError(error, err);
          }
          load();
        }));
    }
    const by = names.get(inv.invited_by);
    return h('tr', { dataset: { invitationId: inv.id, email: inv.email, status: inv.status } },
      h('th', { scope: 'row' }, inv.email),
      h('td', {}, roleBadge(inv.role)),
      h('td', {}, h('span', { class: 'badge status-' + inv.status }, inv.status)),
      h('td', {}, fmtTime(inv.created_at), h('span', { class: 'muted small' }, ' by ' + (by || shortId(inv.invited_by)))),
      h('td', {}, fmtTime(inv.expires_at)),
      actions);
  }

  async function load() {
    try {
      const [res, names] = await Promise.all([get('/api/invitations'), memberEmails()]);
      if (stopped) return;
      clear(tbody);
      if (!res.invitations.length) {
        tbody.append(h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No invitations yet.')));
      }
      res.invitations.forEach((inv) => tbody.append(row(inv, names)));
    } catch (err) {
      showError(error, err);
    }
  }

  load();
  return () => {
    stopped = true;
  };
}
