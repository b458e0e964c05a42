import { h, showError } from './dom.js';
import { api, get, session, ApiError } from './api.js';

/**
 * Sign in with SSO when the server has OpenID Connect configured (GET /api/auth/sso says enabled):
 * a link to the server's login_url, which sends the browser to the identity provider; the
 * callback comes back to #/sso/<session token> (app.js). Or log in with the bootstrap token
 * (POST /api/login; the first time POST /api/bootstrap, which creates the first owner and the
 * workspace), or with an existing session or API token (checked with GET /api/me).
 */
export function renderLogin(root, { notice, onLoggedIn }) {
  const error = h('div', { class: 'error', role: 'alert', id: 'login-error', hidden: true });
  const token = h('input', {
    id: 'login-token', name: 'token', type: 'password', required: true, autocomplete: 'current-password',
    spellcheck: 'false', 'aria-describedby': 'login-help',
  });
  const kindBootstrap = h('input', { type: 'radio', name: 'kind', id: 'kind-bootstrap', value: 'bootstrap', checked: true });
  const kindSession = h('input', { type: 'radio', name: 'kind', id: 'kind-session', value: 'session' });
  const submit = h('button', { type: 'submit', id: 'login-submit', class: 'primary' }, 'Log in');
  const sso = h('div', { id: 'sso-box', class: 'sso', hidden: true });
  const form = h('form', { class: 'card narrow', id: 'login-form', novalidate: true },
    h('h1', {}, 'Log in'),
    notice ? h('p', { class: 'notice', role: 'status' }, notice) : null,
    sso,
    h('fieldset', { class: 'choice' },
      h('legend', {}, 'I have'),
      h('label', { for: 'kind-bootstrap' }, kindBootstrap, ' the bootstrap token'),
      h('label', { for: 'kind-session' }, kindSession, ' a session or API token')),
    h('label', { for: 'login-token' }, 'Token'),
    token,
    h('p', { id: 'login-help', class: 'muted small' },
      'With ./pincery up the bootstrap token is in data/bootstrap-token. The session token is kept ' +
      'in this tab only (sessionStorage) and forgotten when the tab closes.'),
    error,
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    showError(error, null);
    const value = token.value.trim();
    if (!value) {
      showError(error, new ApiError(0, 'missing', 'enter a token'));
      token.focus();
      return;
    }
    submit.disabled = true;
    try {
      if (kindSession.checked) {
        await get('/api/me', { token: value, noAuthRedirect: true });
        session.set(value);
      } else {
        let res;
        try {
          res = await api('POST', '/api/login', {}, { token: value, noAuthRedirect: true });
        } catch (err) {
          if (err.code !== 'not_bootstrapped') throw err;
          res = await api('POST', '/api/bootstrap', {}, { token: value, noAuthRedirect: true });
        }
        session.set(res.session_token);
      }
      onLoggedIn();
    } catch (err) {
      showError(error, err);
      token.focus();
    } finally {
      submit.disabled = false;
    }
  });
  root.append(form);
  token.focus();
  let stopped = false;
  // No Authorization on this one: it is open, and whatever token this tab had is not wanted here.
  get('/api/auth/sso', { token: null, noAuthRedirect: true })
    .then((r) => {
      if (stopped || !r || !r.enabled || !r.login_url) return;
      const target = new URL(r.login_url, location.origin);
      if (target.protocol !== 'https:' && target.protocol !== 'http:') return;
      sso.append(
        h('a', { class: 'button primary', id: 'sso-login', href: target.href }, 'Sign in with SSO'),
        h('p', { class: 'muted small' }, 'With your organisation\'s account. Or, with a token:'));
      sso.hidden = false;
    })
    .catch(() => {
      /* no single sign-on on this server (or it is not configured): the token form alone */
    });
  return () => {
    stopped = true;
  };
}
