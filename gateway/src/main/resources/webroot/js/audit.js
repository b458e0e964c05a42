// The audit trail (owners and admins): who did what, to what, when and from where; filtered,
// paged by seq, exported as JSON lines, and its hash chain checked.
import { h, clear, showError, fmtTime, shortId } from './dom.js';
import { get, api, ApiError } from './api.js';
import { memberEmails } from './me.js';

const PAGE = 100;
const ACTIONS = ['session.login', 'session.logout', 'session.bootstrap', 'session.oidc_login', 'invitation.create',
  'invitation.accept', 'invitation.revoke', 'token.create', 'token.use', 'token.revoke', 'member.role_set',
  'member.remove', 'workspace.create', 'agent.create', 'agent.update', 'agent.budget_set', 'agent.delete',
  'agent.webhook_rotate', 'credential.add', 'credential.revoke', 'schedule.create', 'schedule.delete', 'timer.create',
  'timer.cancel', 'authorization.refused'];
// An action filter may also be a prefix: every action of one kind.
const PREFIXES = ['session.*', 'invitation.*', 'token.*', 'member.*', 'agent.*', 'credential.*', 'schedule.*', 'timer.*'];
const ACTOR_KINDS = [['user', 'any person'], ['token', 'any API token'], ['bootstrap', 'the bootstrap token'],
  ['anonymous', 'refused anonymous calls']];

/** A datetime-local value (the browser's zone) as an ISO instant, or null when empty. */
function instant(input) {
  const v = input.value.trim();
  if (!v) return null;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new ApiError(0, 'invalid', `'${v}' is not a date and time`);
  return d.toISOString();
}

export function renderAudit(root, ctx) {
  const error = h('div', { class: 'error', role: 'alert', id: 'audit-error', hidden: true });
  const verify = h('p', { id: 'audit-verify', role: 'status', class: 'muted' }, 'Checking the hash chain…');
  const tbody = h('tbody', { id: 'audit-body' });
  const pageInfo = h('span', { class: 'small muted', id: 'audit-page' });
  const prev = h('button', { type: 'button', class: 'small ghost', id: 'audit-prev', disabled: true }, '← Previous');
  const next = h('button', { type: 'button', class: 'small ghost', id: 'audit-next', disabled: true }, 'Next →');
  const exportBtn = h('button', { type: 'button', id: 'audit-export' }, 'Export JSON lines');
  let stopped = false;
  let names = new Map();
  let tokenNames = new Map();
  // Paging by seq: the after_seq of each page shown so far, to go back.
  let pages = [null];
  let nextAfter = null;

  const field = (id, label, input) => h('div', { class: 'field' }, h('label', { for: id }, label), input);
  const actor = h('input', { id: 'audit-actor', autocomplete: 'off', list: 'audit-actors', placeholder: 'a user or token id, or a kind',
    'aria-describedby': 'audit-filter-help' });
  const actors = h('datalist', { id: 'audit-actors' });
  const action = h('input', { id: 'audit-action', autocomplete: 'off', list: 'audit-actions', placeholder: 'token.create' });
  const actionList = h('datalist', { id: 'audit-actions' }, [...ACTIONS, ...PREFIXES].map((a) => h('option', { value: a })));
  const target = h('input', { id: 'audit-target', autocomplete: 'off', placeholder: 'an id' });
  const since = h('input', { id: 'audit-since', type: 'datetime-local', step: 1 });
  const until = h('input', { id: 'audit-until', type: 'datetime-local', step: 1 });
  const filters = h('form', { class: 'card', id: 'audit-filters' },
    h('h2', {}, 'Filter'),
    h('div', { class: 'row wrap' },
      field('audit-actor', 'Actor', actor), field('audit-action', 'Action', action), field('audit-target', 'Target', target),
      field('audit-since', 'Since', since), field('audit-until', 'Until', until),
      h('button', { type: 'submit', class: 'primary', id: 'audit-apply' }, 'Apply'),
      h('button', { type: 'reset', class: 'ghost', id: 'audit-clear' }, 'Clear')),
    h('p', { class: 'muted small', id: 'audit-filter-help' },
      'Actor: a member (offered as you type), a token id, or a kind (user, token, bootstrap, anonymous). ' +
      'Action: a name, or a prefix such as agent.*. Times are yours; the export takes the same filters.'),
    actors, actionList);

  root.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Audit log'), h('div', { class: 'head-actions' }, exportBtn)),
    verify,
    filters,
    error,
    h('div', { class: 'table-wrap' },
      h('table', { class: 'audit', id: 'audit-table' },
        h('caption', { class: 'sr-only' }, 'Audit entries, oldest first'),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, 'Seq'), h('th', { scope: 'col' }, 'When'), h('th', { scope: 'col' }, 'Actor'),
          h('th', { scope: 'col' }, 'Action'), h('th', { scope: 'col' }, 'Target'), h('th', { scope: 'col' }, 'Outcome'),
          h('th', { scope: 'col' }, 'From'), h('th', { scope: 'col' }, 'Detail'))),
        tbody)),
    h('div', { class: 'actions' }, pageInfo, prev, next));

  function query(afterSeq, limit = PAGE) {
    const q = new URLSearchParams();
    for (const [k, input] of [['actor', actor], ['action', action], ['target', target]]) {
      if (input.value.trim()) q.set(k, input.value.trim());
    }
    const s = instant(since);
    const u = instant(until);
    if (s) q.set('since', s);
    if (u) q.set('until', u);
    if (afterSeq !== null && afterSeq !== undefined) q.set('after_seq', String(afterSeq));
    if (limit) q.set('limit', String(limit));
    return q;
  }

  function who(a) {
    if (!a) return '—';
    switch (a.type) {
      case 'user':
        return names.get(a.id) || shortId(a.id);
      case 'token':
        return `token ${tokenNames.get(a.id) || shortId(a.id)}` + (a.user_id ? ` of ${names.get(a.user_id) || shortId(a.user_id)}` : '');
      case 'bootstrap':
        return 'bootstrap token';
      case 'oidc':
        return 'single sign-on';
      default:
        return a.type || '—';
    }
  }

  function what(t) {
    if (!t) return '—';
    const known = t.type === 'member' || t.type === 'user' ? names.get(t.id) : t.type === 'token' ? tokenNames.get(t.id) : null;
    // A uuid is shortened (the whole one is the cell's title); a name (a credential's) is not.
    const id = /^[0-9a-f-]{36}$/i.test(t.id || '') ? shortId(t.id) : t.id || '';
    return `${t.type} ${known || id}`;
  }

  function row(e) {
    const refused = e.outcome && e.outcome !== 'ok';
    const detail = e.detail && Object.keys(e.detail).length ? JSON.stringify(e.detail, null, 1) : null;
    return h('tr', { dataset: { seq: e.seq, action: e.action }, class: refused ? 'refused' : null },
      h('td', { class: 'num' }, String(e.seq)),
      h('td', { title: e.at }, fmtTime(e.at)),
      h('td', { title: e.actor && e.actor.id ? e.actor.id : '' }, who(e.actor)),
      h('th', { scope: 'row' }, h('code', {}, e.action)),
      h('td', { title: e.target && e.target.id ? e.target.id : '' }, what(e.target)),
      h('td', {}, h('span', { class: 'badge outcome-' + (refused ? 'refused' : 'ok') }, e.outcome || 'ok'),
        e.status ? h('span', { class: 'muted small' }, ' ' + e.status) : null),
      h('td', { class: 'small' }, e.address || '—'),
      h('td', { class: 'small' }, detail || e.request_id
        ? h('details', {}, h('summary', {}, 'more'),
          e.request_id ? h('div', {}, 'request ', h('code', {}, e.request_id)) : null,
          detail ? h('pre', {}, detail) : null)
        : '—'));
  }

  async function load(afterSeq) {
    showError(error, null);
    let q;
    try {
      q = query(afterSeq);
    } catch (err) {
      return showError(error, err);
    }
    try {
      const res = await get('/api/audit?' + q);
      if (stopped) return;
      clear(tbody);
      if (!res.entries.length) {
        tbody.append(h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'No entries match.')));
      }
      res.entries.forEach((e) => tbody.append(row(e)));
      nextAfter = res.next_after_seq ?? null;
      next.disabled = nextAfter === null || res.entries.length === 0;
      prev.disabled = pages.length <= 1;
      const first = res.entries[0];
      const last = res.entries[res.entries.length - 1];
      pageInfo.textContent = first ? `Entries ${first.seq}–${last.seq}` : '';
    } catch (err) {
      showError(error, err);
    }
  }

  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    pages = [null];
    load(null);
  });
  filters.addEventListener('reset', () => {
    // After the browser has emptied the fields.
    setTimeout(() => {
      pages = [null];
      load(null);
    });
  });
  next.addEventListener('click', () => {
    if (nextAfter === null) return;
    pages.push(nextAfter);
    load(nextAfter);
  });
  prev.addEventListener('click', () => {
    if (pages.length <= 1) return;
    pages.pop();
    load(pages[pages.length - 1]);
  });

  exportBtn.addEventListener('click', async () => {
    showError(error, null);
    exportBtn.disabled = true;
    try {
      const q = query(null, 0).toString();
      // Through fetch, so the session goes in the Authorization header and never in a link.
      const blob = await api('GET', '/api/audit/export' + (q ? '?' + q : ''), undefined,
        { raw: true, headers: { Accept: 'application/x-ndjson' } });
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: `audit-${ctx.me.workspace_id}-${new Date().toISOString().slice(0, 10)}.jsonl`, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (err) {
      showError(error, err);
    } finally {
      exportBtn.disabled = false;
    }
  });

  async function checkChain() {
    try {
      const r = await get('/api/audit/verify');
      if (stopped) return;
      verify.className = r.valid ? 'ok-text' : 'bad-text';
      if (r.valid) {
        verify.textContent = `Hash chain intact: ${r.entries} entries, each chained to the one before.`;
      } else {
        const at = r.first_bad_seq ?? r.broken_at_seq ?? r.seq;
        verify.textContent = `Hash chain broken${at !== undefined ? ' at seq ' + at : ''}` +
          (r.problem || r.reason ? ': ' + (r.problem || r.reason) : '') + '.';
      }
    } catch (err) {
      verify.className = 'bad-text';
      verify.textContent = 'The hash chain could not be checked: ' + err.message;
    }
  }

  (async () => {
    [names, tokenNames] = await Promise.all([
      memberEmails().catch(() => new Map()),
      get('/api/tokens').then((r) => new Map(r.tokens.map((t) => [t.id, t.name]))).catch(() => new Map()),
    ]);
    if (stopped) return;
    clear(actors).append(...[...names].map(([id, email]) => h('option', { value: id }, email)),
      ...ACTOR_KINDS.map(([kind, label]) => h('option', { value: kind }, label)));
    await load(null);
  })();
  checkChain();
  return () => {
    stopped = true;
  };
}
