// Approvals: the gated tool calls of supervised agents waiting for a person (docs/ui.md), and the
// ones decided. Operators approve or deny each with an optional note; viewers read (the buttons are
// .needs-operator, and the server decides anyway: a refusal, or a request someone else decided or
// that expired meanwhile (409/410), is shown on the request itself).
import { h, clear, showError, fmtTime, fmtAgo, shortId } from './dom.js';
import { get, post } from './api.js';
import { memberEmails } from './me.js';

const POLL_MS = 5000;
const COUNT_POLL_MS = 10000;
const STATUSES = [['pending', 'Pending'], ['approved', 'Approved'], ['denied', 'Denied'],
  ['expired', 'Expired'], ['all', 'All']];

/** "in 55 min" / "3 min ago" for an instant. */
export function fmtRelative(iso, now = Date.now()) {
  if (!iso) return '—';
  const s = Math.round((new Date(iso).getTime() - now) / 1000);
  if (s <= 0) return fmtAgo(iso, now);
  if (s < 60) return `in ${s} s`;
  if (s < 3600) return `in ${Math.round(s / 60)} min`;
  if (s < 86400) return `in ${Math.round(s / 3600)} h`;
  return `in ${Math.round(s / 86400)} d`;
}

function when(iso) {
  return h('time', { datetime: iso || '', title: fmtTime(iso), class: 'relative' }, fmtRelative(iso));
}

/** Brings the relative times under `el` up to date (a list not redrawn still counts down). */
export function retime(el) {
  const now = Date.now();
  el.querySelectorAll('time.relative').forEach((t) => {
    const text = fmtRelative(t.getAttribute('datetime'), now);
    if (t.textContent !== text) t.textContent = text;
  });
}

/** What became of an approved call: running, executed (ok / failed), interrupted, answered. */
function execution(a) {
  if (!a.execution) return a.status === 'approved' ? 'waiting for the agent to run it' : null;
  if (a.execution === 'executed' && a.result_ok !== null && a.result_ok !== undefined) {
    return a.result_ok ? 'executed: ok' : 'executed: the tool failed';
  }
  return a.execution;
}

function args(a) {
  let text;
  try {
    text = JSON.stringify(a.arguments, null, 2);
  } catch {
    text = String(a.arguments);
  }
  return h('pre', { class: 'approval-args', 'aria-label': `Arguments of ${a.tool}` }, text);
}

/**
 * One approval as a card: the call, and for a pending one a note with Approve / Deny (operators);
 * for a decided one the decision, who, when, the note and the execution. `notes` keeps typed notes
 * across redraws (by id); `onDecided(approval)` runs after a decision the server took;
 * `onRefused(approval, err)` after a 409/410 (decided by someone else, or expired meanwhile);
 * `refusal` is such an error to show on the card.
 */
export function approvalCard(a, { emails = new Map(), notes = new Map(), onDecided = () => {}, onRefused = null,
  showAgent = true, refusal = null } = {}) {
  const error = h('div', { class: 'error approval-error', role: 'alert', hidden: true });
  showError(error, refusal);
  const card = h('article', { class: 'card approval status-' + a.status, dataset: { approvalId: a.id, status: a.status },
    'aria-label': `${a.tool} for ${a.agent_name}, ${a.status}` });
  const head = h('div', { class: 'approval-head' },
    h('strong', { class: 'approval-tool' }, a.tool), ' ',
    h('span', { class: 'badge capability capability-' + a.capability }, a.capability), ' ',
    h('span', { class: 'badge status-' + a.status, 'data-status': a.status }, a.status),
    showAgent ? [' for ', h('a', { href: '#/agents/' + a.agent_id, class: 'approval-agent' }, a.agent_name)] : null,
    h('span', { class: 'small muted' }, ' · ', h('code', { title: a.id }, shortId(a.id))));
  const times = h('p', { class: 'small muted' }, 'Requested ', when(a.requested_at),
    a.status === 'pending' ? [' · expires ', h('span', { class: 'approval-expires' }, when(a.expires_at))] : null);
  card.append(head, times, args(a));
  if (a.status === 'pending') {
    const noteId = 'note-' + a.id;
    const note = h('input', { id: noteId, class: 'approval-note', maxlength: 2000, autocomplete: 'off',
      placeholder: 'optional: the agent reads it', value: notes.get(a.id) || '' });
    note.addEventListener('input', () => notes.set(a.id, note.value));
    const approve = h('button', { type: 'button', class: 'primary small approve', 'aria-label': `Approve ${a.tool} for ${a.agent_name}` }, 'Approve');
    const deny = h('button', { type: 'button', class: 'danger small deny', 'aria-label': `Deny ${a.tool} for ${a.agent_name}` }, 'Deny');
    const decide = async (verb) => {
      showError(error, null);
      approve.disabled = true;
      deny.disabled = true;
      const body = note.value.trim() ? { note: note.value.trim() } : {};
      try {
        const decided = await post(`/api/approvals/${encodeURIComponent(a.id)}/${verb}`, body);
        notes.delete(a.id);
        onDecided(decided);
      } catch (err) {
        // 409 approval_decided / 410 approval_expired: someone (or the clock) was first; the
        // message says who and when. The list shows the request as it is now on the next load.
        showError(error, err);
        approve.disabled = false;
        deny.disabled = false;
        if ((err.status === 409 || err.status === 410) && onRefused) onRefused(a, err);
      }
    };
    approve.addEventListener('click', () => decide('approve'));
    deny.addEventListener('click', () => decide('deny'));
    card.append(h('div', { class: 'row wrap approval-decide needs-operator' },
      h('div', { class: 'field grow' }, h('label', { for: noteId }, 'Note'), note), approve, deny));
  } else {
    const by = a.decided_by ? (emails.get(a.decided_by) || a.decided_by) : (a.status === 'expired' ? 'the runtime (expired)' : '—');
    const outcome = execution(a);
    card.append(h('dl', { class: 'facts approval-decision' },
      h('div', {}, h('dt', {}, 'Decision'), h('dd', { class: 'approval-decision-value' }, a.status)),
      h('div', {}, h('dt', {}, 'By'), h('dd', { class: 'approval-by' }, by)),
      h('div', {}, h('dt', {}, 'When'), h('dd', {}, h('time', { datetime: a.decided_at || '' }, fmtTime(a.decided_at)))),
      a.note ? h('div', {}, h('dt', {}, 'Note'), h('dd', { class: 'approval-note-text' }, a.note)) : null,
      outcome ? h('div', {}, h('dt', {}, 'Execution'), h('dd', { class: 'approval-execution' }, outcome)) : null));
  }
  if (refusal) card.dataset.refused = refusal.code || 'refused';
  card.append(error);
  return card;
}

/** The inbox page (#/approvals). */
export function renderApprovals(root) {
  let timer = null;
  let stopped = false;
  let lastSig = null;
  let emails = new Map();
  const notes = new Map();
  // Requests this page tried to decide when someone else (or the clock) was first: shown as they
  // are now, with the server's refusal, until the filter changes or the page is left.
  const refused = new Map();
  let shownList = [];
  const error = h('div', { class: 'error', role: 'alert', id: 'approvals-error', hidden: true });
  const list = h('div', { id: 'approvals-list', class: 'approvals' });
  const status = h('select', { id: 'approvals-status' }, STATUSES.map(([v, label]) => h('option', { value: v }, label)));
  const info = h('p', { class: 'small muted', id: 'approvals-info', role: 'status' });
  status.addEventListener('change', () => {
    refused.clear();
    load(true);
  });

  root.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Approvals'),
      h('div', { class: 'field inline' }, h('label', { for: 'approvals-status' }, 'Show'), status)),
    h('p', { class: 'muted small' },
      'Calls of supervised agents that wait for a person. Approving runs the call once when the agent wakes; ' +
      'denying tells the agent, with your note. Requests expire when nobody decides.'),
    error, info, list);

  async function load(force = false) {
    clearTimeout(timer);
    timer = null;
    try {
      const r = await get('/api/approvals?status=' + encodeURIComponent(status.value) + '&limit=200');
      if (stopped) return;
      const sig = JSON.stringify(r.approvals);
      // Redrawn only when something changed, and not under a note being typed.
      const typing = list.contains(document.activeElement) && document.activeElement.tagName === 'INPUT';
      if (force || (sig !== lastSig && !typing)) {
        lastSig = sig;
        if (r.approvals.some((a) => a.decided_by && !emails.has(a.decided_by))) emails = await memberEmails();
        draw(r.approvals);
      } else {
        retime(list);
      }
      showError(error, null);
    } catch (err) {
      showError(error, err);
    } finally {
      if (!stopped) timer = setTimeout(() => load(false), POLL_MS);
    }
  }

  async function onRefused(a, err) {
    let now = a;
    try {
      now = await get('/api/approvals/' + encodeURIComponent(a.id));
      if (now.decided_by && !emails.has(now.decided_by)) emails = await memberEmails();
    } catch {
      /* shown as it was, with the refusal */
    }
    refused.set(a.id, { approval: now, err });
    refreshApprovalCount();
    draw(shownList);
  }

  function draw(approvals) {
    shownList = approvals;
    clear(list);
    const shown = status.options[status.selectedIndex].textContent.toLowerCase();
    info.textContent = approvals.length
      ? `${approvals.length} ${status.value === 'all' ? '' : shown + ' '}request${approvals.length === 1 ? '' : 's'}.`
      : status.value === 'pending' ? 'Nothing waits for a decision.' : `No ${status.value === 'all' ? '' : shown + ' '}requests.`;
    const ids = new Set(approvals.map((a) => a.id));
    const kept = [...refused.values()].filter((r) => !ids.has(r.approval.id)).map((r) => r.approval);
    [...kept, ...approvals].forEach((a) => list.append(approvalCard(a, {
      emails,
      notes,
      refusal: refused.has(a.id) ? refused.get(a.id).err : null,
      onRefused,
      onDecided: () => {
        refreshApprovalCount();
        load(true);
      },
    })));
  }

  load(true);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

// The pending count on the nav entry, polled while signed in (there is no workspace-wide stream).
let countTimer = null;

/** Reads the pending count now and shows it on the nav entry (#approvals-count). */
export async function refreshApprovalCount() {
  const badge = document.getElementById('approvals-count');
  const link = badge && badge.closest('a');
  if (!badge) return;
  try {
    const r = await get('/api/approvals?status=pending&limit=200');
    const n = r.approvals.length;
    badge.textContent = n >= 200 ? '200+' : String(n);
    badge.hidden = n === 0;
    if (link) link.setAttribute('aria-label', n ? `Approvals, ${badge.textContent} pending` : 'Approvals');
  } catch (err) {
    if (err.status === 401) return; // the session has ended: app.js says so
    badge.hidden = true;
  }
}

/**
 * Starts polling the pending count (reading it at once); returns true when it was polling already
 * (the caller may want it read now). stopApprovalCount() ends it.
 */
export function watchApprovalCount() {
  if (countTimer) return true;
  refreshApprovalCount();
  countTimer = setInterval(refreshApprovalCount, COUNT_POLL_MS);
  return false;
}

export function stopApprovalCount() {
  clearInterval(countTimer);
  countTimer = null;
  const badge = document.getElementById('approvals-count');
  if (badge) badge.hidden = true;
}
