// Accepting an invitation (#/accept/<token>): the invited person gives a display name; the server
// answers with a session, kept like a log-in's. The token is taken out of the address bar before
// this page shows (app.js), so it is only in memory here.
import { h, showError } from './dom.js';
import { api, session, ApiError } from './api.js';

// What to do next, after the server's own words.
const NEXT = {
  invitation_expired: 'Ask whoever invited you for a new link.',
  invitation_used: 'Log in instead, or ask for a new link.',
  invitation_revoked: 'Ask whoever invited you for a new link.',
  invitation_not_found: 'Check that the link was copied whole.',
};

/** `token` is the invitation token (inv_…) or null when the page was opened without one. */
export function renderAccept(root, { token, onAccepted }) {
  if (!token) {
    root.append(h('section', { class: 'card narrow', id: 'accept-missing' },
      h('h1', {}, 'Join a workspace'),
      h('p', {}, 'Open the invitation link you were sent again: it is read once and not kept in the address bar.'),
      h('p', {}, h('a', { href: '#/login' }, 'Log in instead'))));
    return () => {};
  }
  const error = h('div', { class: 'error', role: 'alert', id: 'accept-error', hidden: true });
  const name = h('input', { id: 'accept-name', name: 'name', autocomplete: 'name', maxlength: 200, required: true,
    'aria-describedby': 'accept-help' });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'accept-submit' }, 'Accept and join');
  const form = h('form', { class: 'card narrow', id: 'accept-form', novalidate: true },
    h('h1', {}, 'Join a workspace'),
    h('p', {}, 'You were invited to an Open Pincery workspace.'),
    session.token
      ? h('p', { class: 'notice', role: 'status' }, 'Accepting signs this tab in as the invited person, in place of the current session.')
      : null,
    h('label', { for: 'accept-name' }, 'Your name'),
    name,
    h('p', { id: 'accept-help', class: 'muted small' }, 'How the other members will see you. The invitation works once.'),
    error,
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    showError(error, null);
    const display = name.value.trim();
    if (!display) {
      name.focus();
      return showError(error, new ApiError(0, 'missing', 'enter your name'));
    }
    submit.disabled = true;
    try {
      // No Authorization: the invitation token is the credential, whoever else this tab is.
      const res = await api('POST', '/api/invitations/accept', { token, name: display }, { token: null, noAuthRedirect: true });
      session.set(res.session_token);
      onAccepted(res);
    } catch (err) {
      const next = NEXT[err.code];
      showError(error, next ? new ApiError(err.status, err.code, `${err.message}. ${next}`) : err);
      submit.disabled = false;
    }
  });
  root.append(form);
  name.focus();
  return () => {};
}
