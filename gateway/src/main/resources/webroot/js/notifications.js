// Outbound notifications: the workspace's subscriptions (admins: add one with the kinds it wants,
// its signing secret shown once; enable, disable, send a test, rotate the secret, delete) and the
// recent deliveries with each attempt, a failed one retried (operators and up).
import { h, clear, showError, fmtTime, fmtAgo, confirmButton, copyButton, shortId } from './dom.js';
import { get, post, patch, del, ApiError } from './api.js';
import { atLeast } from './me.js';

const KINDS = [
  ['approval.requested', 'an approval is requested'],
  ['wake.failed', 'a wake failed'],
  ['budget.exhausted', 'a budget ran out'],
  ['agent.stopped', 'an agent was told to stop'],
  ['chain.broken', 'an event or audit chain is broken'],
];

function secretCard(id, title, secret) {
  return h('section', { class: 'secret card', id, 'aria-label': title },
    h('h3', {}, title),
    h('p', { class: 'muted small' },
      'Shown this once. The receiver verifies each request with it (Standard Webhooks: webhook-id, ' +
      'webhook-timestamp, webhook-signature). Copy it now; rotate it if it is lost.'),
    h('div', { class: 'copyline' }, h('code', { id: id + '-value' }, secret), copyButton(() => secret, 'Copy the secret')));
}

function lastAttempt(d) {
  const a = d.attempts[d.attempts.length - 1];
  if (!a) return '';
  if (a.http_status != null) return 'HTTP ' + a.http_status;
  return a.error || (a.finished_at ? '' : 'in flight');
}

export function renderNotifications(root, ctx) {
  const me = ctx.me;
  const admin = atLeast(me.role, 'admin');
  const operator = atLeast(me.role, 'operator');
  const error = h('div', { class: 'error', role: 'alert', id: 'notifications-error', hidden: true });
  const formError = h('div', { class: 'error', role: 'alert', id: 'subscription-error', hidden: true });
  const created = h('div', { id: 'subscription-created' });
  const subsBody = h('tbody', { id: 'subscriptions-body' });
  const deliveriesBody = h('tbody', { id: 'deliveries-body' });
  let stopped = false;
  let timer = null;

  const url = h('input', { id: 'subscription-url', type: 'url', required: true, autocomplete: 'off',
    placeholder: 'https://hooks.example.com/pincery' });
  const description = h('input', { id: 'subscription-description', maxlength: 500, autocomplete: 'off',
    placeholder: 'on-call pager' });
  const boxes = KINDS.map(([kind, label]) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', value: kind, name: 'kinds', id: 'kind-' + kind.replace('.', '-') }),
    ' ', h('code', {}, kind), h('span', { class: 'muted small' }, ' ' + label)));
  const form = h('form', { class: 'card create', id: 'subscription-form', novalidate: true },
    h('h2', {}, 'New subscription'),
    h('div', { class: 'row wrap' },
      h('div', { class: 'field grow' }, h('label', { for: 'subscription-url' }, 'URL'), url),
      h('div', { class: 'field grow' }, h('label', { for: 'subscription-description' }, 'Description'), description)),
    h('fieldset', { class: 'choice kinds' }, h('legend', {}, 'Notify about'), ...boxes),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', id: 'subscription-submit' }, 'Subscribe')),
    h('p', { class: 'muted small' },
      'Each notification is POSTed as JSON, signed, retried with back-off until the URL answers 2xx ' +
      '(about a day), one at a time per subscription, oldest first. https only (http to a loopback address).'),
    formError, created);
  form.hidden = !admin;

  const subsSection = h('section', { id: 'subscriptions', hidden: !admin },
    h('h2', {}, 'Subscriptions'),
    h('div', { class: 'table-wrap' },
      h('table', { id: 'subscriptions-table' },
        h('caption', { class: 'sr-only' }, 'Notification subscriptions of this workspace'),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, 'URL'), h('th', { scope: 'col' }, 'Kinds'), h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col' }, 'Created'), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
        subsBody)));

  const deliveriesSection = h('section', { id: 'deliveries', hidden: !operator },
    h('h2', {}, 'Recent deliveries'),
    h('div', { class: 'table-wrap' },
      h('table', { id: 'deliveries-table' },
        h('caption', { class: 'sr-only' }, 'Recent notification deliveries with their attempts'),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, 'Kind'), h('th', { scope: 'col' }, 'Subscription'), h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col' }, 'Attempts'), h('th', { scope: 'col' }, 'Last'), h('th', { scope: 'col' }, 'Created'))),
        deliveriesBody)));

  root.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Notifications'),
      h('span', { class: 'muted' }, 'signed webhooks to the URLs you subscribe')),
    ...(operator ? [] : [h('p', { class: 'muted', id: 'notifications-role' },
      'Deliveries are shown to operators, subscriptions to admins.')]),
    form, error, subsSection, deliveriesSection);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    showError(formError, null);
    clear(created);
    const kinds = boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
    if (!url.value.trim()) {
      url.focus();
      return showError(formError, new ApiError(0, 'invalid', 'give the URL to notify'));
    }
    if (!kinds.length) {
      return showError(formError, new ApiError(0, 'invalid', 'choose at least one kind of notification'));
    }
    const body = { url: url.value.trim(), kinds };
    if (description.value.trim()) body.description = description.value.trim();
    try {
      const s = await post('/api/notifications/subscriptions', body);
      url.value = '';
      description.value = '';
      boxes.forEach((b) => { b.querySelector('input').checked = false; });
      created.append(secretCard('new-subscription-secret', `Signing secret for ${s.url}`, s.secret));
      load();
    } catch (err) {
      showError(formError, err);
    }
  });

  async function act(fn) {
    showError(error, null);
    try {
      await fn();
    } catch (err) {
      showError(error, err);
    }
    load();
  }

  function subscriptionRow(s) {
    const path = '/api/notifications/subscriptions/' + encodeURIComponent(s.id);
    const toggle = h('button', { type: 'button', class: 'small', 'aria-label': (s.enabled ? 'Disable ' : 'Enable ') + s.url },
      s.enabled ? 'Disable' : 'Enable');
    toggle.addEventListener('click', () => act(() => patch(path, { enabled: !s.enabled })));
    const test = h('button', { type: 'button', class: 'small', 'aria-label': 'Send a test to ' + s.url }, 'Send test');
    test.addEventListener('click', () => act(() => post(path + '/test')));
    const rotate = confirmButton('Rotate secret', 'Confirm rotate', { class: 'small', 'aria-label': 'Rotate the secret of ' + s.url },
      () => act(async () => {
        const r = await post(path + '/rotate-secret');
        clear(created).append(secretCard('rotated-subscription-secret', `New signing secret for ${s.url}`, r.secret));
      }));
    const remove = confirmButton('Delete', 'Confirm delete', { class: 'small danger', 'aria-label': 'Delete the subscription of ' + s.url },
      () => act(() => del(path)));
    return h('tr', { dataset: { subscriptionId: s.id, enabled: String(s.enabled) } },
      h('th', { scope: 'row' }, h('code', {}, s.url), s.description ? h('div', { class: 'muted small' }, s.description) : null),
      h('td', {}, s.kinds.map((k) => h('code', { class: 'kind' }, k + ' '))),
      h('td', {}, h('span', { class: 'badge ' + (s.enabled ? 'status-accepted' : 'status-revoked') }, s.enabled ? 'enabled' : 'disabled')),
      h('td', {}, fmtTime(s.created_at)),
      h('td', { class: 'actions-cell' }, toggle, test, rotate, remove));
  }

  function deliveryRow(d, urls) {
    const attempts = h('details', {},
      h('summary', {}, String(d.attempt_count)),
      h('ol', { class: 'attempts small' }, d.attempts.map((a) => h('li', {},
        fmtTime(a.started_at), ' — ',
        a.http_status != null ? 'HTTP ' + a.http_status : (a.error || 'in flight'),
        a.duration_ms != null ? h('span', { class: 'muted' }, ` (${a.duration_ms} ms)`) : null))));
    const status = d.status === 'pending' && d.next_attempt_at
      ? h('span', { title: 'next attempt ' + fmtTime(d.next_attempt_at) }, h('span', { class: 'badge status-pending' }, 'pending'))
      : h('span', { class: 'badge status-' + d.status }, d.status);
    let retry = null;
    if (d.status === 'failed') {
      retry = h('button', { type: 'button', class: 'small', 'aria-label': 'Retry delivery ' + d.id }, 'Retry');
      retry.addEventListener('click', () => act(() => post('/api/notifications/deliveries/' + encodeURIComponent(d.id) + '/retry')));
    }
    return h('tr', { dataset: { deliveryId: d.id, status: d.status } },
      h('th', { scope: 'row' }, h('code', {}, d.kind)),
      h('td', { title: d.subscription_id }, urls.get(d.subscription_id) || shortId(d.subscription_id)),
      h('td', {}, status, retry ? ' ' : null, retry),
      h('td', {}, attempts),
      h('td', {}, lastAttempt(d)),
      h('td', { title: fmtTime(d.created_at) }, fmtAgo(d.created_at)));
  }

  async function load() {
    try {
      const [subs, deliveries] = await Promise.all([
        admin ? get('/api/notifications/subscriptions') : { subscriptions: [] },
        operator ? get('/api/notifications/deliveries?limit=50') : { deliveries: [] },
      ]);
      if (stopped) return;
      const urls = new Map(subs.subscriptions.map((s) => [s.id, s.url]));
      clear(subsBody);
      if (!subs.subscriptions.length) {
        subsBody.append(h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No subscriptions yet.')));
      }
      subs.subscriptions.forEach((s) => subsBody.append(subscriptionRow(s)));
      // Expanded attempt lists stay open across refreshes.
      const open = new Set([...deliveriesBody.querySelectorAll('tr')]
        .filter((tr) => tr.querySelector('details[open]')).map((tr) => tr.dataset.deliveryId));
      clear(deliveriesBody);
      if (!deliveries.deliveries.length) {
        deliveriesBody.append(h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'Nothing delivered yet.')));
      }
      deliveries.deliveries.forEach((d) => {
        const row = deliveryRow(d, urls);
        if (open.has(d.id)) row.querySelector('details').open = true;
        deliveriesBody.append(row);
      });
    } catch (err) {
      showError(error, err);
    }
  }

  load();
  // Deliveries move on their own (retries, back-off): follow them while the page is open.
  timer = setInterval(() => { if (!document.hidden) load(); }, 5000);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
