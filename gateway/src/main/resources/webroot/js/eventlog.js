// The event log, grouped by wake: input events stand alone, everything a wake wrote (its model's
// answers, tool calls folded together with their results, its end and its maintenance) sits in
// one block per wake. Each item carries its kind as a class, so a filter is one class on the list.
import { h, clear, fmtClock, fmtTime, fmtDuration, shortId } from './dom.js';

export const KINDS = [
  ['input', 'Input'],
  ['message', 'Answers'],
  ['tool', 'Tools'],
  ['lifecycle', 'Wakes'],
  ['maintenance', 'Maintenance'],
  ['operator', 'Operator'],
];

export function kindOf(type) {
  switch (type) {
    case 'message_received': case 'webhook_received': case 'agent_message_received': case 'timer_fired':
    case 'approval_decided':
      return 'input';
    case 'assistant_message': case 'message_sent':
      return 'message';
    case 'tool_call': case 'tool_result': case 'credential_unresolved':
    case 'approval_requested': case 'tool_capability_denied':
      return 'tool';
    case 'wake_start': case 'wake_end': case 'wake_abandoned':
      return 'lifecycle';
    case 'maintenance_completed': case 'maintenance_failed': case 'maintenance_requeued':
      return 'maintenance';
    default:
      return 'operator';
  }
}

// A person's "stop" / "carry on" (payload.control, semantic stop) is labelled as what it did.
const CONTROL = { stop: ' · stops the agent', carry_on: ' · lets it carry on' };

const INPUT_LABEL = {
  message_received: (e) => (e.source === 'person' ? 'message from a person' : `message (${e.source})`) +
    ((e.payload && CONTROL[e.payload.control]) || ''),
  webhook_received: (e) => `webhook from ${e.source || 'unknown'}`,
  agent_message_received: (e) => `message from agent ${e.source || ''}`,
  timer_fired: () => 'timer fired',
};

function pretty(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2);
}

export class EventLog {
  /** @param onModelCalls(wakeId) opens a wake's model calls */
  constructor(onModelCalls) {
    this.onModelCalls = onModelCalls;
    this.seen = new Set();
    this.events = [];
    this.wakes = new Map();
    this.el = h('div', { class: 'log', id: 'event-log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions',
      tabindex: '0', 'aria-label': 'Event log, newest at the bottom' });
    this.empty = h('p', { class: 'muted' }, 'No events yet.');
    this.el.append(this.empty);
  }

  get lastSeq() {
    return this.events.length ? this.events[this.events.length - 1].seq : 0;
  }

  get firstSeq() {
    return this.events.length ? this.events[0].seq : 0;
  }

  /**
   * Older events (seq below the first shown): the log is drawn again from all of them, so a wake
   * that straddles the old first event is one block again.
   */
  addOlder(older) {
    const all = [...older.filter((e) => !this.seen.has(e.seq)), ...this.events].sort((a, b) => a.seq - b.seq);
    this.reset();
    all.forEach((e) => this.add(e));
    this.el.scrollTop = 0;
  }

  add(e) {
    if (this.seen.has(e.seq)) return;
    this.seen.add(e.seq);
    this.events.push(e);
    if (this.empty) {
      this.empty.remove();
      this.empty = null;
    }
    const nearBottom = this.el.scrollHeight - this.el.scrollTop - this.el.clientHeight < 80;
    if (e.wake_id) {
      let block = this.wakes.get(e.wake_id);
      if (!block) {
        block = this.wakeBlock(e.wake_id);
        this.wakes.set(e.wake_id, block);
        this.el.append(block.el);
      }
      this.addToWake(block, e);
    } else {
      this.el.append(h('div', { class: `ev standalone kind-${kindOf(e.event_type)} type-${e.event_type}`, dataset: { seq: e.seq } },
        this.item(e)));
    }
    if (nearBottom) this.el.scrollTop = this.el.scrollHeight;
  }

  wakeBlock(wakeId) {
    const status = h('span', { class: 'wake-status' }, 'running');
    const calls = h('button', { type: 'button', class: 'small ghost open-model-calls', dataset: { wakeId },
      'aria-label': `Model calls of wake ${shortId(wakeId)}` }, 'Model calls');
    calls.addEventListener('click', () => this.onModelCalls(wakeId));
    const list = h('ol', { class: 'wake-events' });
    const el = h('section', { class: 'wake-block running', dataset: { wakeId }, 'aria-label': `Wake ${shortId(wakeId)}` },
      h('header', { class: 'wake-head' },
        h('span', { class: 'wake-title' }, 'Wake ', h('code', {}, shortId(wakeId))),
        h('span', { class: 'wake-time' }), status, calls),
      list);
    return { el, list, status, time: el.querySelector('.wake-time'), tools: new Map(), started: null };
  }

  addToWake(block, e) {
    const kind = kindOf(e.event_type);
    if (e.event_type === 'wake_start') {
      block.started = e.created_at;
      block.time.textContent = fmtClock(e.created_at);
      block.time.title = fmtTime(e.created_at);
    }
    if (e.event_type === 'wake_end' || e.event_type === 'wake_abandoned') {
      const ms = block.started ? new Date(e.created_at) - new Date(block.started) : null;
      block.status.textContent = `${e.termination_reason || 'ended'}${ms !== null ? ' · ' + fmtDuration(ms) : ''}`;
      block.el.classList.remove('running');
      block.el.classList.add('ended', 'reason-' + (e.termination_reason || 'unknown'));
    }
    const callId = e.payload && e.payload.call_id;
    if (e.event_type === 'tool_result' && callId && block.tools.has(callId)) {
      const fold = block.tools.get(callId);
      const ok = e.payload.ok !== false;
      fold.summary.append(h('span', { class: 'tool-outcome ' + (ok ? 'ok' : 'bad') }, ok ? ' → ok' : ' → error'));
      fold.body.append(h('div', { class: 'small muted' }, 'Result'), h('pre', { class: 'tool-output' }, pretty(e.tool_output ?? e.content)));
      fold.li.dataset.resultSeq = e.seq;
      return;
    }
    if (e.event_type === 'tool_call') {
      const summary = h('summary', {}, h('span', { class: 'ev-time' }, fmtClock(e.created_at)), ' ',
        h('span', { class: 'ev-type' }, 'tool'), ' ', h('code', {}, e.tool_name || '?'));
      const body = h('div', { class: 'fold-body' }, h('div', { class: 'small muted' }, 'Input'), h('pre', {}, pretty(e.tool_input)));
      const li = h('li', { class: `ev kind-tool type-tool_call`, dataset: { seq: e.seq } }, h('details', { class: 'tool' }, summary, body));
      if (callId) block.tools.set(callId, { summary, body, li });
      block.list.append(li);
      return;
    }
    block.list.append(h('li', { class: `ev kind-${kind} type-${e.event_type}`, dataset: { seq: e.seq } }, this.item(e)));
  }

  item(e) {
    const head = [h('span', { class: 'ev-time', title: fmtTime(e.created_at) }, fmtClock(e.created_at)), ' '];
    const type = e.event_type;
    if (INPUT_LABEL[type]) {
      return [...head, h('span', { class: 'ev-type' }, INPUT_LABEL[type](e)),
        h('div', { class: 'bubble in' }, e.content || '')];
    }
    switch (type) {
      case 'assistant_message':
        return [...head, h('span', { class: 'ev-type' }, 'answer'), h('div', { class: 'bubble out assistant-message' }, e.content || '')];
      case 'message_sent':
        return [...head, h('span', { class: 'ev-type' }, `sent to ${(e.payload && e.payload.to_agent_name) || 'an agent'}`),
          h('div', { class: 'bubble out' }, e.content || '')];
      case 'wake_start':
        return [...head, h('span', { class: 'ev-type' }, 'wake started'),
          e.payload && e.payload.owner ? h('span', { class: 'muted small' }, ` by ${e.payload.owner}`) : null];
      case 'wake_end':
      case 'wake_abandoned':
        return [...head, h('span', { class: 'ev-type' }, type === 'wake_end' ? 'wake ended' : 'wake abandoned'), ' ',
          h('span', { class: 'reason' }, e.termination_reason || ''),
          e.payload && e.payload.phase ? h('span', { class: 'muted small' }, ` (during ${e.payload.phase})`) : null];
      case 'maintenance_completed':
      case 'maintenance_failed':
      case 'maintenance_requeued':
        return [...head, h('span', { class: 'ev-type' }, type.replace('_', ' ')),
          e.payload && e.payload.projection_version ? h('span', { class: 'muted small' }, ` → version ${e.payload.projection_version}`) : null,
          e.payload && e.payload.reason ? h('span', { class: 'reason' }, ' ' + e.payload.reason) : null,
          e.content ? h('div', { class: 'summary-text' }, e.content) : null];
      // Supervision: a gated call waiting for a person, a person's decision, a refused class.
      case 'approval_requested':
        return [...head, h('span', { class: 'ev-type' }, 'approval requested'), ' ', h('code', {}, (e.payload || {}).tool || ''),
          h('span', { class: 'muted small' }, ` (${(e.payload || {}).capability || ''}, expires ${fmtTime((e.payload || {}).expires_at)}) `),
          h('a', { href: '#/approvals', class: 'small' }, 'Approvals →'),
          h('pre', {}, pretty((e.payload || {}).arguments))];
      case 'approval_decided':
        return [...head, h('span', { class: 'ev-type' }, `approval ${(e.payload || {}).decision || 'decided'}`),
          h('span', { class: 'muted small' }, ` (${shortId((e.payload || {}).approval_id)}${e.source === 'runtime' ? ', by the runtime' : ''})`),
          e.content ? h('div', { class: 'bubble in' }, e.content) : null];
      case 'tool_capability_denied':
        return [...head, h('span', { class: 'ev-type' }, 'tool refused'), ' ', h('code', {}, (e.payload || {}).tool || ''),
          h('span', { class: 'muted small' }, ` (${(e.payload || {}).capability || ''} is not allowed in ${(e.payload || {}).permission_mode || 'this'} mode)`)];
      case 'tool_result':
      case 'credential_unresolved':
        return [...head, h('span', { class: 'ev-type' }, type.replace('_', ' ')), ' ', h('code', {}, e.tool_name || ''),
          h('pre', {}, pretty(e.tool_output ?? e.content))];
      default:
        return [...head, h('span', { class: 'ev-type' }, type.replace(/_/g, ' ')),
          e.content ? h('div', { class: 'small' }, e.content) : null,
          e.payload && Object.keys(e.payload).length ? h('code', { class: 'small muted payload' }, JSON.stringify(e.payload)) : null];
    }
  }

  /** Shows only the kinds whose box is ticked. */
  filter(hidden) {
    for (const [kind] of KINDS) this.el.classList.toggle('hide-' + kind, hidden.has(kind));
  }

  reset() {
    clear(this.el);
    this.seen.clear();
    this.events = [];
    this.wakes.clear();
    this.empty = null;
  }
}
