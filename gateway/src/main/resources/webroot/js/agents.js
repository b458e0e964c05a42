import { h, clear, showError, fmtAgo, fmtTime, copyButton } from './dom.js';
import { get, post, patch, del, agentPath, retryKeys } from './api.js';
import { budgetMeter } from './charts.js';

const POLL_MS = 5000;

export function statusBadge(a) {
  if (a.deleted) return h('span', { class: 'badge deleted' }, 'deleted');
  const badges = [h('span', { class: 'badge ' + a.status, 'data-status': a.status }, a.status)];
  // Semantic stop: a person said "stop"; quiet (timers and webhooks wait) until "carry on".
  if (a.stopped) badges.push(h('span', { class: 'badge stopped', 'data-stopped': 'true', title: 'Stopped by a person: quiet until someone says “carry on”' }, 'stopped'));
  else if (!a.is_enabled) badges.push(h('span', { class: 'badge disabled', title: a.disabled_reason || '' }, 'disabled'));
  if (a.pending_work && a.status === 'asleep' && a.is_enabled) badges.push(h('span', { class: 'badge pending' }, 'pending'));
  return h('span', { class: 'badges' }, badges);
}

/** The permission mode (locked, supervised, autonomous) as a badge. */
export function modeBadge(mode) {
  const titles = {
    locked: 'Locked: only read-only tools run',
    supervised: 'Supervised: external and destructive calls wait for an approval',
    autonomous: 'Autonomous: every tool runs',
  };
  return h('span', { class: 'badge mode mode-' + mode, 'data-mode': mode || '', title: titles[mode] || '' }, mode || '—');
}

/** Shows a webhook secret once, with its URL, a copy button and a reminder that it is not kept. */
export function secretPanel(title, secret, webhookUrl, extra) {
  const url = new URL(webhookUrl, location.origin).href;
  return h('section', { class: 'secret card', 'aria-label': title, id: 'secret-panel' },
    h('h3', {}, title),
    h('p', { class: 'muted small' }, 'Shown this once: it is not stored where it can be shown again. Copy it now.'),
    h('div', { class: 'copyline' }, h('code', { id: 'secret-value' }, secret), copyButton(() => secret, 'Copy the webhook secret')),
    h('p', { class: 'small' }, 'Webhook URL'),
    h('div', { class: 'copyline' }, h('code', { id: 'webhook-url' }, url), copyButton(() => url, 'Copy the webhook URL')),
    extra || null);
}

export function renderAgents(root) {
  let timer = null;
  let stopped = false;
  const error = h('div', { class: 'error', role: 'alert', id: 'agents-error', hidden: true });
  const formError = h('div', { class: 'error', role: 'alert', id: 'create-error', hidden: true });
  const created = h('div', { id: 'created' });
  const tbody = h('tbody', { id: 'agents-body' });
  const showDeleted = h('input', { type: 'checkbox', id: 'show-deleted' });
  const name = h('input', { id: 'new-agent-name', name: 'name', required: true, maxlength: 64, autocomplete: 'off',
    pattern: '[A-Za-z0-9][A-Za-z0-9 ._\\-]{0,63}' });
  const budget = h('input', { id: 'new-agent-budget', name: 'budget', inputmode: 'decimal', placeholder: 'server default',
    autocomplete: 'off' });
  const createForm = h('form', { class: 'card create needs-operator', id: 'create-agent' },
    h('h2', {}, 'New agent'),
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'new-agent-name' }, 'Name'), name),
      h('div', { class: 'field' }, h('label', { for: 'new-agent-budget' }, 'Budget (USD)'), budget),
      h('button', { type: 'submit', class: 'primary', id: 'create-submit' }, 'Create')),
    formError, created);

  root.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Agents'),
      h('label', { class: 'inline', for: 'show-deleted' }, showDeleted, ' show deleted')),
    error,
    h('div', { class: 'table-wrap' },
      h('table', { class: 'agents', id: 'agents-table' },
        h('caption', { class: 'sr-only' }, 'Agents of this workspace, refreshed every few seconds'),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Mode'),
          h('th', { scope: 'col' }, 'Spend / budget'), h('th', { scope: 'col' }, 'Last activity'),
          h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
        tbody)),
    createForm);

  const createKeys = retryKeys();
  createForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    showError(formError, null);
    clear(created);
    const body = { name: name.value.trim() };
    if (budget.value.trim() !== '') body.budget_limit_usd = budget.value.trim();
    try {
      // Sent again after a failure, the same agent is created once and its secret shown again.
      const a = await post('/api/agents', body, createKeys.for(body));
      createKeys.done();
      name.value = '';
      budget.value = '';
      created.append(secretPanel(`Agent “${a.name}” created: its webhook secret`, a.webhook_secret, a.webhook_url,
        h('p', {}, h('a', { href: '#/agents/' + a.id, id: 'open-created' }, `Open ${a.name} →`))));
      load();
    } catch (err) {
      showError(formError, err);
      name.focus();
    }
  });
  showDeleted.addEventListener('change', () => load());

  function row(a) {
    const actions = h('td', { class: 'actions-cell' });
    const tr = h('tr', { dataset: { agentId: a.id, agentName: a.name } },
      h('th', { scope: 'row' }, h('a', { href: '#/agents/' + a.id, class: 'agent-link' }, a.name)),
      h('td', {}, statusBadge(a)),
      h('td', { class: 'agent-mode' }, modeBadge(a.permission_mode)),
      h('td', {}, budgetMeter(a.budget_spent_usd, a.budget_limit_usd)),
      h('td', { title: fmtTime(a.updated_at) }, fmtAgo(a.updated_at)),
      actions);
    if (!a.deleted) actions.append(rowActions(a, tr));
    return tr;
  }

  function rowActions(a, tr) {
    const rename = h('button', { type: 'button', class: 'small ghost', 'aria-label': `Rename ${a.name}` }, 'Rename');
    // A stopped agent (semantic stop) is resumed as a person would: the message "carry on".
    const verb = a.stopped ? 'Carry on' : a.is_enabled ? 'Disable' : 'Enable';
    const toggle = h('button', { type: 'button', class: 'small ghost', 'aria-label': `${verb} ${a.name}` }, verb);
    const remove = h('button', { type: 'button', class: 'small danger', 'aria-label': `Delete ${a.name}` }, 'Delete');
    rename.addEventListener('click', () => {
      pause();
      const input = h('input', { value: a.name, 'aria-label': `New name for ${a.name}`, maxlength: 64 });
      const f = h('form', { class: 'inline-form' }, input,
        h('button', { type: 'submit', class: 'small primary' }, 'Save'),
        h('button', { type: 'button', class: 'small ghost', onclick: () => load() }, 'Cancel'));
      f.addEventListener('submit', (e) => {
        e.preventDefault();
        act(() => patch(agentPath(a.id), { name: input.value.trim() }));
      });
      clear(tr.cells[0]).append(f);
      input.focus();
    });
    toggle.addEventListener('click', () => act(() => (a.stopped
      ? post(agentPath(a.id, '/messages'), { content: 'carry on' })
      : patch(agentPath(a.id), { is_enabled: !a.is_enabled }))));
    remove.addEventListener('click', () => {
      if (remove.dataset.armed) {
        act(() => del(agentPath(a.id)));
      } else {
        pause();
        remove.dataset.armed = '1';
        remove.textContent = 'Confirm delete';
        remove.focus();
      }
    });
    return h('span', { class: 'row-actions needs-operator' }, rename, toggle, remove);
  }

  async function act(fn) {
    showError(error, null);
    try {
      await fn();
    } catch (err) {
      showError(error, err);
    }
    load();
  }

  function pause() {
    clearTimeout(timer);
    timer = null;
  }

  let lastSig = null;
  async function load(force = true) {
    pause();
    try {
      const res = await get('/api/agents' + (showDeleted.checked ? '?include_deleted=true' : ''));
      const sig = JSON.stringify(res.agents);
      if (sig === lastSig && !force) {
        showError(error, null);
        return;
      }
      lastSig = sig;
      // Keep keyboard focus where it was across a refresh.
      const focused = document.activeElement;
      const focusRow = tbody.contains(focused) ? focused.closest('tr')?.dataset.agentId : null;
      const focusIndex = focusRow ? [...focused.closest('tr').querySelectorAll('a,button')].indexOf(focused) : -1;
      clear(tbody);
      if (!res.agents.length) {
        tbody.append(h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No agents yet',
          h('span', { class: 'needs-operator' }, ': create one below'), '.')));
      }
      res.agents.forEach((a) => tbody.append(row(a)));
      if (focusRow) {
        const tr = tbody.querySelector(`tr[data-agent-id="${focusRow}"]`);
        const target = tr && tr.querySelectorAll('a,button')[focusIndex];
        if (target) target.focus();
      }
      showError(error, null);
    } catch (err) {
      showError(error, err);
    } finally {
      if (!stopped) timer = setTimeout(() => load(false), POLL_MS);
    }
  }

  load();
  return () => {
    stopped = true;
    pause();
  };
}
