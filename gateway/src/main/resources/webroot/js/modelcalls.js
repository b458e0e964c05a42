// A wake's model calls in a dialog: the list, then one call opened with its prompt, answer,
// tokens, cost (reported or estimated) and latency, as stored (every call is kept).
import { h, clear, showError, fmtClock, fmtUsd, shortId } from './dom.js';
import { get, agentPath } from './api.js';

function text(content) {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (p && p.text) || JSON.stringify(p)).join('\n');
  return JSON.stringify(content, null, 2);
}

function facts(c) {
  return h('dl', { class: 'facts call-facts' },
    h('div', {}, h('dt', {}, 'Model'), h('dd', {}, c.model)),
    h('div', {}, h('dt', {}, 'Purpose'), h('dd', {}, c.purpose)),
    h('div', {}, h('dt', {}, 'Outcome'), h('dd', {}, `${c.outcome}${c.http_status ? ' · HTTP ' + c.http_status : ''}`)),
    h('div', {}, h('dt', {}, 'Tokens'), h('dd', { class: 'call-tokens' }, `${c.input_tokens ?? '—'} in · ${c.output_tokens ?? '—'} out`)),
    h('div', {}, h('dt', {}, 'Cost'), h('dd', { class: 'call-cost' }, fmtUsd(c.cost_usd) + (c.estimated ? ' (estimated from sizes)' : ' (reported)'))),
    h('div', {}, h('dt', {}, 'Latency'), h('dd', { class: 'call-latency' }, c.latency_ms === null ? '—' : `${c.latency_ms} ms`)));
}

export function modelCallsDialog(agentId) {
  const body = h('div', { class: 'dialog-body' });
  const heading = h('h2', { id: 'model-calls-title' }, 'Model calls');
  const error = h('div', { class: 'error', role: 'alert', hidden: true });
  const closeBtn = h('button', { type: 'button', class: 'ghost', id: 'model-calls-close', 'aria-label': 'Close' }, 'Close');
  const el = h('dialog', { id: 'model-calls', 'aria-labelledby': 'model-calls-title' },
    h('div', { class: 'dialog-head' }, heading, closeBtn), error, body);
  closeBtn.addEventListener('click', () => el.close());

  async function open(wakeId) {
    clear(body);
    showError(error, null);
    heading.textContent = `Model calls of wake ${shortId(wakeId)}`;
    if (!el.open) el.showModal();
    body.append(h('p', { class: 'muted' }, 'Loading…'));
    try {
      const r = await get(agentPath(agentId, '/model-calls?limit=100&wake_id=' + encodeURIComponent(wakeId)));
      clear(body);
      if (!r.model_calls.length) {
        body.append(h('p', { class: 'muted' }, 'This wake made no model call (yet).'));
        return;
      }
      const list = h('ol', { class: 'calls' });
      [...r.model_calls].reverse().forEach((c) => {
        const btn = h('button', { type: 'button', class: 'call-open', dataset: { callId: c.id } },
          `${fmtClock(c.created_at)} · ${c.purpose} · ${c.model} · ${c.input_tokens ?? '—'}/${c.output_tokens ?? '—'} tokens · ` +
          `${fmtUsd(c.cost_usd)}${c.estimated ? ' (est.)' : ''} · ${c.latency_ms ?? '—'} ms`);
        btn.addEventListener('click', () => openCall(wakeId, c.id));
        list.append(h('li', {}, btn));
      });
      body.append(list);
      list.querySelector('button').focus();
    } catch (err) {
      clear(body);
      showError(error, err);
    }
  }

  async function openCall(wakeId, callId) {
    showError(error, null);
    try {
      const c = await get(agentPath(agentId, '/model-calls/' + encodeURIComponent(callId)));
      clear(body);
      const back = h('button', { type: 'button', class: 'small ghost', id: 'model-call-back' }, '← All calls of this wake');
      back.addEventListener('click', () => open(wakeId));
      const messages = (c.request && c.request.messages) || [];
      const choice = c.response && c.response.choices && c.response.choices[0];
      const answer = choice && choice.message;
      body.append(back, h('div', { id: 'model-call-detail' }, facts(c),
        h('h3', {}, `Prompt (${messages.length} messages)`),
        h('ol', { class: 'prompt' }, messages.map((m) => h('li', { class: 'msg role-' + m.role },
          h('div', { class: 'small muted' }, m.role + (m.name ? ` (${m.name})` : '') + (m.tool_call_id ? ` · ${m.tool_call_id}` : '')),
          h('pre', {}, text(m.content) || (m.tool_calls ? JSON.stringify(m.tool_calls, null, 2) : ''))))),
        c.request && c.request.tools ? h('p', { class: 'small muted' },
          'Tools offered: ' + c.request.tools.map((t) => (t.function && t.function.name) || '?').join(', ')) : null,
        h('h3', {}, 'Answer'),
        answer
          ? h('div', { class: 'answer' },
              h('pre', { id: 'model-call-answer' }, text(answer.content) || '(no text)'),
              answer.tool_calls ? h('pre', { class: 'small' }, JSON.stringify(answer.tool_calls, null, 2)) : null,
              choice.finish_reason ? h('p', { class: 'small muted' }, `finish reason: ${choice.finish_reason}`) : null)
          : h('p', { class: 'muted', id: 'model-call-answer' }, c.response ? h('pre', {}, JSON.stringify(c.response, null, 2)) : 'No answer was received.')));
      back.focus();
    } catch (err) {
      showError(error, err);
    }
  }

  return { el, open, close: () => el.open && el.close() };
}
