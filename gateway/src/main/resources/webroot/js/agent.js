// One agent: who it is now and how that changed, what it is doing live, and its controls.
import { h, clear, showError, fmtTime, fmtUsd, fmtDuration, copyButton, shortId } from './dom.js';
import { get, post, patch, del, agentPath, session, ApiError, retryKeys } from './api.js';
import { openStream } from './sse.js';
import { diffLines } from './diff.js';
import { wakeTimeline, spendChart, budgetMeter } from './charts.js';
import { EventLog, KINDS } from './eventlog.js';
import { statusBadge, secretPanel, modeBadge } from './agents.js';
import { modelCallsDialog } from './modelcalls.js';
import { approvalCard, refreshApprovalCount, retime } from './approvals.js';
// Remote MCP tools the agent may use (issue 15).
import { mcpGrantsCard } from './mcpgrants.js';
// Searching everything the agent has lived through (issue 16).
import { memorySearchCard } from './memorysearch.js';

// message_received: a "stop" or "carry on" (semantic stop) changes the agent's state;
// approval_*: the agent's pending approvals change.
const REFRESH_TYPES = new Set(['wake_start', 'wake_end', 'wake_abandoned', 'maintenance_completed',
  'maintenance_failed', 'maintenance_requeued', 'agent_updated', 'message_received',
  'approval_requested', 'approval_decided']);
const MODES = ['locked', 'supervised', 'autonomous'];

// Events per page of the log: the newest page first, older ones on request.
const PAGE = 300;

function card(title, id, ...children) {
  return h('section', { class: 'card', id, 'aria-labelledby': id + '-title' }, h('h2', { id: id + '-title' }, title), ...children);
}

export function renderAgent(root, id) {
  let agent = null;
  let stream = null;
  let stopped = false;
  let refreshTimer = null;
  const pageError = h('div', { class: 'error', role: 'alert', id: 'agent-error', hidden: true });
  const title = h('h1', { id: 'agent-name' }, '…');
  const badges = h('span', { id: 'agent-status' });
  const headActions = h('div', { class: 'head-actions' });
  const facts = h('dl', { class: 'facts', id: 'agent-facts' });
  const dialog = modelCallsDialog(id);
  // Supervision: this agent's pending approvals, decided here as in the inbox.
  const approvals = h('div', { id: 'agent-approvals', class: 'approvals' });
  const approvalsError = h('div', { class: 'error', role: 'alert', id: 'agent-approvals-error', hidden: true });
  const approvalNotes = new Map();
  let approvalsSig = null;
  let modeChoice = null;
  const mcpGrants = mcpGrantsCard(id);
  const memorySearch = memorySearchCard(id);

  // Message box.
  const msg = h('textarea', { id: 'message-text', rows: 3, required: true, 'aria-describedby': 'message-help' });
  const msgStatus = h('div', { class: 'small muted', id: 'message-status', role: 'status' });
  const msgError = h('div', { class: 'error', role: 'alert', id: 'message-error', hidden: true });
  const msgForm = h('form', { id: 'message-form', class: 'needs-operator' },
    h('label', { for: 'message-text' }, 'Message'), msg,
    h('p', { id: 'message-help', class: 'muted small' }, 'The agent wakes and reads it as a message from a person. Ctrl+Enter sends.'),
    msgError,
    h('div', { class: 'actions' }, msgStatus, h('button', { type: 'submit', class: 'primary', id: 'message-send' }, 'Send')));
  msg.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) msgForm.requestSubmit();
  });
  // One key per message: sending the same text again after a failure (the answer was lost, the
  // server was away) cannot deliver it twice. A new text gets a new key.
  const messageKeys = retryKeys();
  msgForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    showError(msgError, null);
    const content = msg.value;
    if (!content.trim()) return;
    try {
      const r = await post(agentPath(id, '/messages'), { content }, messageKeys.for({ content }));
      msg.value = '';
      messageKeys.done();
      msgStatus.textContent = `Sent (seq ${r.seq}). The answer appears in the log below.`;
    } catch (err) {
      showError(msgError, err);
    }
  });

  // Event log with filters and the stream's state.
  const log = new EventLog((wakeId) => dialog.open(wakeId));
  const hidden = new Set();
  const streamState = h('span', { class: 'stream-state', id: 'stream-state', role: 'status' }, 'connecting…');
  const filters = h('fieldset', { class: 'filters' }, h('legend', { class: 'sr-only' }, 'Show event kinds'),
    KINDS.map(([kind, label]) => {
      const box = h('input', { type: 'checkbox', id: 'filter-' + kind, checked: true });
      box.addEventListener('change', () => {
        if (box.checked) hidden.delete(kind);
        else hidden.add(kind);
        log.filter(hidden);
      });
      return h('label', { for: 'filter-' + kind, class: 'chip' }, box, ' ', label);
    }));
  const logError = h('div', { class: 'error', role: 'alert', id: 'log-error', hidden: true });
  const earlier = h('button', { type: 'button', class: 'small ghost', id: 'load-earlier', hidden: true }, 'Load earlier events');
  earlier.addEventListener('click', async () => {
    // seq is gapless per agent, so the page before the first shown is exactly after_seq = first - 1 - n.
    const first = log.firstSeq;
    const n = Math.min(PAGE, first - 1);
    if (n <= 0) return;
    try {
      const r = await get(agentPath(id, `/events?after_seq=${first - 1 - n}&limit=${n}`));
      log.addOlder(r.events);
      earlier.hidden = log.firstSeq <= 1;
      showError(logError, null);
    } catch (err) {
      showError(logError, err);
    }
  });

  // Memory: projections and their history.
  const memory = h('div', { id: 'memory' }, h('p', { class: 'muted' }, 'Loading…'));
  const memoryError = h('div', { class: 'error', role: 'alert', hidden: true });
  // Pictures.
  const timeline = h('div', { id: 'wake-timeline', class: 'chart-box' });
  const spend = h('div', { id: 'spend-chart', class: 'chart-box' });
  const wakeList = h('p', { class: 'small muted', id: 'wake-caption' });
  const chartsError = h('div', { class: 'error', role: 'alert', hidden: true });
  // Timers and schedules.
  const timers = h('ul', { class: 'plain', id: 'timers' });
  const timersError = h('div', { class: 'error', role: 'alert', id: 'timer-error', hidden: true });
  const timerIn = h('input', { id: 'timer-in', required: true, inputmode: 'numeric', placeholder: '60', autocomplete: 'off' });
  const timerNote = h('input', { id: 'timer-note', maxlength: 1000, placeholder: 'check the build', autocomplete: 'off' });
  const timerForm = h('form', { id: 'timer-form', class: 'row wrap needs-operator' },
    h('div', { class: 'field' }, h('label', { for: 'timer-in' }, 'Fire in (minutes)'), timerIn),
    h('div', { class: 'field grow' }, h('label', { for: 'timer-note' }, 'Note (the agent sees it)'), timerNote),
    h('button', { type: 'submit', class: 'primary', id: 'timer-add' }, 'Set'));
  // A timer sent again after a failure is set once (Idempotency-Key).
  const timerKeys = retryKeys();
  timerForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    showError(timersError, null);
    const v = timerIn.value.trim();
    if (!/^\d+$/.test(v) || Number(v) < 1) {
      return showError(timersError, new ApiError(0, 'invalid', 'the minutes must be a whole number of at least 1'));
    }
    const body = { in_seconds: Number(v) * 60, note: timerNote.value };
    try {
      await post(agentPath(id, '/timers'), body, timerKeys.for(body));
      timerKeys.done();
      timerIn.value = '';
      timerNote.value = '';
      loadTimers();
    } catch (err) {
      showError(timersError, err);
    }
  });
  const schedules = h('ul', { class: 'plain', id: 'schedules' });
  const schedError = h('div', { class: 'error', role: 'alert', id: 'schedule-error', hidden: true });
  const schedKind = h('select', { id: 'schedule-kind' },
    h('option', { value: 'every' }, 'every N seconds'), h('option', { value: 'cron' }, 'cron (UTC)'));
  const schedValue = h('input', { id: 'schedule-value', required: true, placeholder: '3600', autocomplete: 'off' });
  const schedNote = h('input', { id: 'schedule-note', maxlength: 500, placeholder: 'hourly check', autocomplete: 'off' });
  const schedForm = h('form', { id: 'schedule-form', class: 'row wrap needs-operator' },
    h('div', { class: 'field' }, h('label', { for: 'schedule-kind' }, 'Repeat'), schedKind),
    h('div', { class: 'field' }, h('label', { for: 'schedule-value' }, 'Seconds or cron'), schedValue),
    h('div', { class: 'field grow' }, h('label', { for: 'schedule-note' }, 'Note (the agent sees it)'), schedNote),
    h('button', { type: 'submit', class: 'primary', id: 'schedule-add' }, 'Add'));
  schedKind.addEventListener('change', () => {
    schedValue.placeholder = schedKind.value === 'cron' ? '0 9 * * 1-5' : '3600';
  });
  // A schedule sent again after a failure is created once (Idempotency-Key).
  const scheduleKeys = retryKeys();
  schedForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    showError(schedError, null);
    const body = { note: schedNote.value };
    const v = schedValue.value.trim();
    if (schedKind.value === 'cron') body.cron = v;
    else if (/^\d+$/.test(v)) body.every_seconds = Number(v);
    else return showError(schedError, new ApiError(0, 'invalid', 'the number of seconds must be a whole number'));
    try {
      await post(agentPath(id, '/schedules'), body, scheduleKeys.for(body));
      scheduleKeys.done();
      schedValue.value = '';
      schedNote.value = '';
      loadSchedules();
    } catch (err) {
      showError(schedError, err);
    }
  });

  // Webhook.
  const webhookUrl = h('code', { id: 'agent-webhook-url' });
  const rotateOut = h('div', { id: 'rotate-out' });
  const rotateError = h('div', { class: 'error', role: 'alert', id: 'rotate-error', hidden: true });
  const rotateBtn = h('button', { type: 'button', id: 'rotate-secret', class: 'needs-operator' }, 'Rotate secret');
  rotateBtn.addEventListener('click', async () => {
    if (!rotateBtn.dataset.armed) {
      rotateBtn.dataset.armed = '1';
      rotateBtn.textContent = 'Confirm: rotate now';
      return;
    }
    delete rotateBtn.dataset.armed;
    rotateBtn.textContent = 'Rotate secret';
    showError(rotateError, null);
    clear(rotateOut);
    try {
      const r = await post(agentPath(id, '/webhook/rotate'), {});
      const url = new URL(agent.webhook_url, location.origin).href;
      const curl = signedCurl(url, r.webhook_secret);
      rotateOut.append(secretPanel('New webhook secret', r.webhook_secret, agent.webhook_url,
        [h('p', { class: 'small muted' }, `The previous secret keeps verifying until ${fmtTime(r.previous_secret_valid_until)}.`),
          h('p', { class: 'small' }, 'A signed test delivery:'),
          h('div', { class: 'copyline' }, h('pre', { id: 'curl-example' }, curl), copyButton(() => curl, 'Copy the curl example'))]));
    } catch (err) {
      showError(rotateError, err);
    }
  });

  // Hash chain.
  const verifyOut = h('p', { id: 'verify-result', role: 'status' });
  const verifyBtn = h('button', { type: 'button', id: 'verify-chain' }, 'Verify the hash chain');
  verifyBtn.addEventListener('click', async () => {
    verifyOut.textContent = 'Checking…';
    verifyOut.className = '';
    try {
      const r = await get(agentPath(id, '/events/verify'));
      verifyOut.className = r.valid ? 'ok-text' : 'bad-text';
      verifyOut.textContent = r.valid
        ? `Intact: ${r.events_checked} events, each hash chained to the one before.`
        : `Broken at seq ${r.first_bad_seq}: ${r.problem} (${r.events_checked} checked).`;
    } catch (err) {
      verifyOut.className = 'bad-text';
      verifyOut.textContent = err.message;
    }
  });

  root.append(
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/agents', id: 'back-to-agents' }, '← Agents')),
    h('div', { class: 'page-head' }, h('div', {}, title, badges), headActions),
    pageError,
    facts,
    h('div', { class: 'agent-grid' },
      h('div', { class: 'col-main' },
        card('Pending approvals', 'approvals-card', approvalsError, approvals),
        card('Message', 'message-card', msgForm),
        card('Event log', 'log-card',
          h('div', { class: 'log-tools' }, filters, streamState), logError, earlier, log.el),
        card('Search memory', 'memory-search-card', memorySearch.el),
        card('Schedules', 'schedules-card', schedules, schedForm, schedError),
        card('Timers', 'timers-card', timersError, timers, timerForm)),
      h('div', { class: 'col-side' },
        card('Memory', 'memory-card', memoryError, memory),
        card('Wakes', 'wakes-card', chartsError, timeline, wakeList),
        card('Spend', 'spend-card', spend),
        card('MCP tools', 'mcp-grants-card', mcpGrants.el),
        card('Webhook', 'webhook-card', h('div', { class: 'copyline' }, webhookUrl, copyButton(() => webhookUrl.textContent, 'Copy the webhook URL')),
          h('p', { class: 'small muted needs-operator' }, 'Rotating shows the new secret once; the old one keeps working for a grace period.'),
          rotateBtn, rotateError, rotateOut),
        card('Integrity', 'verify-card', verifyBtn, verifyOut))),
    dialog.el);

  function renderHead() {
    document.title = `${agent.name} · Open Pincery`;
    title.textContent = agent.name;
    clear(badges).append(statusBadge(agent));
    webhookUrl.textContent = new URL(agent.webhook_url, location.origin).href;
    clear(facts).append(...[
      h('div', {}, h('dt', {}, 'Mode'), h('dd', { id: 'agent-mode' }, modeBadge(agent.permission_mode), ' ', modeEditor())),
      h('div', {}, h('dt', {}, 'Spend'), h('dd', {}, budgetMeter(agent.budget_spent_usd, agent.budget_limit_usd))),
      h('div', {}, h('dt', {}, 'Events'), h('dd', {}, String(agent.event_seq))),
      h('div', {}, h('dt', {}, 'Created'), h('dd', {}, fmtTime(agent.created_at))),
      h('div', {}, h('dt', {}, 'Last change'), h('dd', {}, fmtTime(agent.updated_at))),
      agent.disabled_reason && !agent.stopped ? h('div', {}, h('dt', {}, 'Disabled'), h('dd', {}, agent.disabled_reason)) : null,
      h('div', {}, h('dt', {}, 'Id'), h('dd', {}, h('code', {}, agent.id)))].filter(Boolean));
    clear(headActions);
    if (agent.deleted) {
      headActions.append(h('span', { class: 'muted' }, `Deleted ${fmtTime(agent.deleted_at)}: its history stays readable.`));
      return;
    }
    const rename = h('button', { type: 'button', id: 'rename-agent', class: 'ghost needs-operator' }, 'Rename');
    const toggle = h('button', { type: 'button', id: 'toggle-enabled', class: 'ghost needs-operator' }, agent.is_enabled ? 'Disable' : 'Enable');
    const remove = h('button', { type: 'button', id: 'delete-agent', class: 'danger needs-operator' }, 'Delete');
    rename.addEventListener('click', () => {
      const input = h('input', { id: 'rename-input', value: agent.name, maxlength: 64, 'aria-label': 'New name' });
      const f = h('form', { class: 'inline-form' }, input, h('button', { type: 'submit', class: 'small primary' }, 'Save'),
        h('button', { type: 'button', class: 'small ghost', onclick: renderHead }, 'Cancel'));
      f.addEventListener('submit', (e) => {
        e.preventDefault();
        change(() => patch(agentPath(id), { name: input.value.trim() }));
      });
      clear(headActions).append(f);
      input.focus();
    });
    toggle.addEventListener('click', () => change(() => patch(agentPath(id), { is_enabled: !agent.is_enabled })));
    remove.addEventListener('click', async () => {
      if (!remove.dataset.armed) {
        remove.dataset.armed = '1';
        remove.textContent = 'Confirm delete';
        return;
      }
      try {
        await del(agentPath(id));
        location.hash = '#/agents';
      } catch (err) {
        showError(pageError, err);
      }
    });
    // Semantic stop: the buttons send the messages a person would type.
    const control = agent.stopped
      ? h('button', { type: 'button', id: 'carry-on-agent', class: 'primary needs-operator', title: 'Sends the message “carry on”' }, 'Carry on')
      : h('button', { type: 'button', id: 'stop-agent', class: 'ghost needs-operator', title: 'Sends the message “stop”: it finishes its step and sleeps; timers and webhooks wait' }, 'Stop');
    control.addEventListener('click', () => change(async () => {
      await post(agentPath(id, '/messages'), { content: agent.stopped ? 'carry on' : 'stop' });
      return get(agentPath(id));
    }));
    // A stopped agent is resumed by "carry on", not by enabling it.
    headActions.append(...[control, rename, agent.stopped ? null : toggle, remove].filter(Boolean));
  }

  /**
   * The mode selector (admins; the server decides): PATCH permission_mode. A choice not yet set
   * survives the head being drawn again (after any event that changes the agent).
   */
  function modeEditor() {
    const chosen = modeChoice || agent.permission_mode;
    const select = h('select', { id: 'mode-select', class: 'mode-select', 'aria-label': 'Permission mode' },
      MODES.map((m) => h('option', { value: m, selected: m === chosen }, m)));
    select.addEventListener('change', () => {
      modeChoice = select.value;
    });
    const set = h('button', { type: 'button', id: 'mode-set', class: 'small' }, 'Set mode');
    set.addEventListener('click', () => change(async () => {
      const r = await patch(agentPath(id), { permission_mode: select.value });
      modeChoice = null;
      return r;
    }));
    return agent.deleted ? null : h('span', { class: 'mode-edit needs-admin' }, select, set);
  }

  async function loadApprovals() {
    try {
      const r = await get(agentPath(id, '/approvals?status=pending&limit=200'));
      const sig = JSON.stringify(r.approvals);
      const typing = approvals.contains(document.activeElement) && document.activeElement.tagName === 'INPUT';
      if (sig !== approvalsSig && !typing) {
        approvalsSig = sig;
        clear(approvals);
        if (!r.approvals.length) approvals.append(h('p', { class: 'muted small', id: 'no-approvals' }, 'Nothing waits for a decision.'));
        // Pending requests: nobody decided them yet, so no member names are needed.
        r.approvals.forEach((a) => approvals.append(approvalCard(a, {
          notes: approvalNotes,
          showAgent: false,
          onDecided: () => {
            refreshApprovalCount();
            loadApprovals();
          },
        })));
      } else {
        retime(approvals);
      }
      showError(approvalsError, null);
    } catch (err) {
      showError(approvalsError, err);
    }
  }

  async function change(fn) {
    showError(pageError, null);
    try {
      agent = { ...agent, ...(await fn()) };
    } catch (err) {
      showError(pageError, err);
    }
    renderHead();
  }

  async function loadAgent() {
    agent = await get(agentPath(id));
    renderHead();
  }

  async function loadMemory() {
    try {
      const r = await get(agentPath(id, '/projections?limit=50'));
      renderMemory(r.projections);
      showError(memoryError, null);
    } catch (err) {
      showError(memoryError, err);
    }
  }

  function renderMemory(versions) {
    clear(memory);
    if (!versions.length) {
      memory.append(h('p', { class: 'muted' }, 'No projection yet: the first maintenance pass writes version 1.'));
      return;
    }
    const select = h('select', { id: 'projection-version' },
      versions.map((v) => h('option', { value: v.version }, `version ${v.version} · ${fmtTime(v.created_at)}`)));
    const showDiff = h('input', { type: 'checkbox', id: 'projection-diff', checked: true });
    const body = h('div', { id: 'projection-body' });
    const draw = () => {
      const i = versions.findIndex((v) => String(v.version) === select.value);
      const cur = versions[i];
      const prev = versions[i + 1] && versions[i + 1].version === cur.version - 1 ? versions[i + 1] : null;
      clear(body);
      for (const [field, label] of [['identity', 'Identity'], ['work_list', 'Work list'], ['summary', 'Latest summary']]) {
        body.append(h('h3', {}, label));
        if (showDiff.checked && prev) {
          const lines = diffLines(prev[field] || '', cur[field] || '');
          const changed = lines.some((l) => l.op !== '=');
          body.append(h('pre', { class: 'diff', 'data-field': field, 'aria-label': `${label}: changes from version ${prev.version}` },
            changed ? lines.map((l) => h('span', { class: 'd' + (l.op === '+' ? 'add' : l.op === '-' ? 'del' : 'eq') },
              (l.op === '=' ? '  ' : l.op + ' ') + l.text + '\n')) : h('span', { class: 'muted' }, 'unchanged\n' + (cur[field] || ''))));
        } else {
          body.append(h('pre', { class: 'prose', 'data-field': field }, cur[field] || '—'));
        }
      }
      body.append(h('p', { class: 'small muted' }, prev || cur.version === 1
        ? (cur.version === 1 ? 'Version 1: the first.' : `Changes from version ${prev.version}.`)
        : 'The version before is not loaded.'));
    };
    select.addEventListener('change', draw);
    showDiff.addEventListener('change', draw);
    memory.append(h('div', { class: 'row wrap' },
      h('div', { class: 'field' }, h('label', { for: 'projection-version' }, 'Version'), select),
      h('label', { class: 'inline', for: 'projection-diff' }, showDiff, ' show changes from the version before')), body);
    draw();
  }

  async function loadWakes() {
    try {
      const r = await get(agentPath(id, '/wakes?limit=100'));
      clear(timeline).append(wakeTimeline(r.wakes));
      clear(spend).append(spendChart(r.wakes, agent && agent.budget_limit_usd, agent && agent.budget_spent_usd));
      const last = r.wakes[0];
      wakeList.textContent = r.wakes.length
        ? `${r.wakes.length} most recent wakes. Last: ${fmtTime(last.started_at)}, ${fmtDuration(last.duration_ms)}, ` +
          `${last.termination_reason || 'running'}, ${fmtUsd(last.cost_usd)}.`
        : '';
      showError(chartsError, null);
    } catch (err) {
      showError(chartsError, err);
    }
  }

  async function loadTimers() {
    try {
      const r = await get(agentPath(id, '/timers'));
      clear(timers);
      if (!r.timers.length) timers.append(h('li', { class: 'muted' }, 'No pending timers.'));
      r.timers.forEach((t) => {
        const rm = h('button', { type: 'button', class: 'small ghost needs-operator', 'aria-label': `Cancel timer ${t.note || t.id}` }, 'Cancel');
        rm.addEventListener('click', async () => {
          try {
            await del(agentPath(id, '/timers/' + t.id));
            loadTimers();
          } catch (err) {
            showError(timersError, err);
          }
        });
        timers.append(h('li', { class: 'timer', dataset: { timerId: t.id } },
          h('span', {}, h('strong', {}, fmtTime(t.fire_at || t.due_at)), ' ', h('span', { class: 'timer-note' }, t.note || ''),
            h('span', { class: 'small muted' }, t.wake_id ? ' · set by the agent' : ' · set by an operator')), rm));
      });
      showError(timersError, null);
    } catch (err) {
      if (err.status === 404 && /no route/.test(err.message)) {
        clear(timers).append(h('li', { class: 'muted' }, 'This server does not list timers.'));
      } else {
        showError(timersError, err);
      }
    }
  }

  async function loadSchedules() {
    try {
      const r = await get(agentPath(id, '/schedules'));
      clear(schedules);
      if (!r.schedules.length) schedules.append(h('li', { class: 'muted' }, 'No schedules.'));
      r.schedules.forEach((s) => {
        const rm = h('button', { type: 'button', class: 'small ghost needs-operator', 'aria-label': `Remove schedule ${s.note || s.id}` }, 'Remove');
        rm.addEventListener('click', async () => {
          try {
            await del(agentPath(id, '/schedules/' + s.id));
            loadSchedules();
          } catch (err) {
            showError(schedError, err);
          }
        });
        schedules.append(h('li', { class: 'schedule', dataset: { scheduleId: s.id } },
          h('span', {}, s.cron ? h('code', {}, s.cron) : `every ${s.every_seconds} s`, ' ',
            h('span', { class: 'schedule-note' }, s.note || ''),
            h('span', { class: 'small muted' }, ` · next ${fmtTime(s.next_fire_at)}`)), rm));
      });
      showError(schedError, null);
    } catch (err) {
      showError(schedError, err);
    }
  }

  function scheduleRefresh(types) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(async () => {
      if (stopped) return;
      try {
        await loadAgent();
      } catch (err) {
        showError(pageError, err);
      }
      loadWakes();
      loadTimers();
      loadApprovals();
      if ([...types].some((t) => t.startsWith('maintenance'))) loadMemory();
      types.clear();
    }, 600);
  }

  const pendingTypes = new Set();
  async function start() {
    try {
      await loadAgent();
    } catch (err) {
      showError(pageError, err);
      title.textContent = err.status === 404 ? 'No such agent' : 'Agent';
      return;
    }
    loadMemory();
    loadWakes();
    loadTimers();
    loadSchedules();
    loadApprovals();
    mcpGrants.load();
    let after = 0;
    try {
      const r = await get(agentPath(id, `/events?limit=${PAGE}`));
      r.events.forEach((e) => log.add(e));
      after = r.events.length ? log.lastSeq : agent.event_seq;
      earlier.hidden = log.firstSeq <= 1;
    } catch (err) {
      showError(logError, err);
      after = agent.event_seq;
    }
    if (stopped) return;
    stream = openStream(agentPath(id, '/events/stream'), {
      token: () => session.token,
      lastEventId: after,
      onEvent: (type, data) => {
        if (typeof data !== 'object' || data === null) return;
        log.add(data);
        if (REFRESH_TYPES.has(data.event_type)) {
          pendingTypes.add(data.event_type);
          scheduleRefresh(pendingTypes);
        }
      },
      onState: (state, detail) => {
        streamState.dataset.state = state;
        streamState.textContent = state === 'open' ? '● live' : state === 'reconnecting' ? `○ ${detail}` : state;
        if (state === 'open') showError(logError, null);
        if (state === 'reconnecting') showError(logError, new ApiError(0, 'unreachable', `live updates paused: ${detail}`));
        if (state === 'unauthorized') session.ended(new ApiError(401, 'unauthorized', 'the event stream was refused'));
      },
    });
  }

  start();
  return () => {
    stopped = true;
    clearTimeout(refreshTimer);
    if (stream) stream.close();
    dialog.close();
  };
}

/** A ready-to-paste signed delivery: HMAC-SHA256 of the body, as X-Webhook-Signature. */
export function signedCurl(url, secret) {
  const q = (s) => "'" + s.replace(/'/g, "'\\''") + "'";
  return [
    `SECRET=${q(secret)}`,
    `BODY='{"source":"ci","status":"failed"}'`,
    `SIG=$(printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.* //')`,
    `curl -s -X POST ${q(url)} -H 'Content-Type: application/json' \\`,
    `  -H "X-Webhook-Signature: sha256=$SIG" -d "$BODY"`,
  ].join('\n');
}
