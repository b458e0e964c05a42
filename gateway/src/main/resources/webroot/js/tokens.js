// API tokens for scripts and CI: create one (a role up to one's own, an expiry), see it once, list
// them (admins see the workspace's), revoke.
import { h, clear, showError, fmtTime, fmtAgo, confirmButton, roleBadge, shownOnce, shortId } from './dom.js';
import { get, post, del, ApiError } from './api.js';
import { atLeast, rolesUpTo, memberEmails } from './me.js';

const EXPIRIES = [['7', '7 days'], ['30', '30 days'], ['90', '90 days'], ['365', '1 year'], ['never', 'never']];

export function renderTokens(root, ctx) {
  const me = ctx.me;
  const admin = atLeast(me.role, 'admin');
  const error = h('div', { class: 'error', role: 'alert', id: 'tokens-error', hidden: true });
  const formError = h('div', { class: 'error', role: 'alert', id: 'token-create-error', hidden: true });
  const created = h('div', { id: 'token-created' });
  const tbody = h('tbody', { id: 'tokens-body' });
  let stopped = false;

  const name = h('input', { id: 'token-name', required: true, maxlength: 100, autocomplete: 'off', placeholder: 'ci-deploy' });
  const role = h('select', { id: 'token-role' },
    rolesUpTo(me.role).map((r) => h('option', { value: r, selected: r === me.role }, r)));
  const expiry = h('select', { id: 'token-expiry' },
    EXPIRIES.map(([v, label]) => h('option', { value: v, selected: v === '90' }, label)));
  const form = h('form', { class: 'card create', id: 'token-form', novalidate: true },
    h('h2', {}, 'New API token'),
    h('div', { class: 'row wrap' },
      h('div', { class: 'field grow' }, h('label', { for: 'token-name' }, 'Name'), name),
      h('div', { class: 'field' }, h('label', { for: 'token-role' }, 'Role'), role),
      h('div', { class: 'field' }, h('label', { for: 'token-expiry' }, 'Expires after'), expiry),
      h('button', { type: 'submit', class: 'primary', id: 'token-submit' }, 'Create')),
    h('p', { class: 'muted small' },
      'For scripts and CI: send it as Authorization: Bearer <token>. It acts in this workspace with the role chosen, ' +
      'at most your own, until it expires or is revoked.'),
    formError, created);

  // A token cannot make tokens (the server refuses): signed in with one, the form is not offered.
  form.hidden = me.auth === 'api_token';
  root.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'API tokens'),
      h('span', { class: 'muted' }, admin ? 'every token of the workspace' : 'your tokens')),
    form,
    error,
    h('div', { class: 'table-wrap' },
      h('table', { class: 'tokens', id: 'tokens-table' },
        h('caption', { class: 'sr-only' }, admin ? 'API tokens of this workspace' : 'Your API tokens'),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Role'), h('th', { scope: 'col' }, 'Created'),
          h('th', { scope: 'col' }, 'Expires'), h('th', { scope: 'col' }, 'Last used'), h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
        tbody)));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    showError(formError, null);
    clear(created);
    const n = name.value.trim();
    if (!n) {
      name.focus();
      return showError(formError, new ApiError(0, 'invalid', 'give the token a name (what uses it)'));
    }
    const body = { name: n, role: role.value, expires_in_days: expiry.value === 'never' ? null : Number(expiry.value) };
    try {
      const t = await post('/api/tokens', body);
      name.value = '';
      created.append(shownOnce('new-token', `Token “${t.name}” (${t.role})`, 'the API token', t.token,
        h('p', { class: 'small muted' }, t.expires_at ? `Valid until ${fmtTime(t.expires_at)}.` : 'It does not expire: revoke it when it is no longer needed.')));
      load();
    } catch (err) {
      showError(formError, err);
    }
  });

  function state(t) {
    if (t.revoked_at) return ['revoked', 'revoked ' + fmtTime(t.revoked_at)];
    if (t.expires_at && new Date(t.expires_at).getTime() <= Date.now()) return ['expired', 'expired'];
    return ['active', 'active'];
  }

  function row(t, names) {
    const [kind, text] = state(t);
    const actions = h('td', { class: 'actions-cell' });
    if (kind === 'active') {
      actions.append(confirmButton('Revoke', 'Confirm revoke', { class: 'small danger', 'aria-label': `Revoke token ${t.name}` },
        async () => {
          showError(error, null);
          try {
            await del('/api/tokens/' + encodeURIComponent(t.id));
          } catch (err) {
            showError(error, err);
          }
          load();
        }));
    }
    const owner = t.user_id === me.user_id ? null : names.get(t.user_id) || shortId(t.user_id);
    return h('tr', { dataset: { tokenId: t.id, tokenName: t.name, state: kind } },
      h('th', { scope: 'row' }, t.name, owner ? h('span', { class: 'muted small' }, ' by ' + owner) : null),
      h('td', {}, roleBadge(t.role)),
      h('td', {}, fmtTime(t.created_at)),
      h('td', {}, t.expires_at ? fmtTime(t.expires_at) : 'never'),
      h('td', { title: t.last_used_at ? fmtTime(t.last_used_at) : '' }, t.last_used_at ? fmtAgo(t.last_used_at) : 'never'),
      h('td', {}, h('span', { class: 'badge status-' + kind }, text)),
      actions);
  }

  async function load() {
    try {
      const [res, names] = await Promise.all([get('/api/tokens'), admin ? memberEmails() : new Map()]);
      if (stopped) return;
      clear(tbody);
      if (!res.tokens.length) {
        tbody.append(h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No API tokens yet.')));
      }
      res.tokens.forEach((t) => tbody.append(row(t, names)));
    } catch (err) {
      showError(error, err);
    }
  }

  load();
  return () => {
    stopped = true;
  };
}
