// The "Search memory" card of an agent's page (issue 16): what the agent has lived through that
// matches a query, best first (GET /api/agents/:id/memory/search). Each hit shows its seq, event
// type, time and snippet. Snippets are untrusted (what people, webhooks, tools or the model wrote):
// they go in as text, never as HTML.
import { h, clear, showError, fmtTime } from './dom.js';
import { get, agentPath } from './api.js';

const MODES = [['hybrid', 'words and meaning'], ['text', 'words'], ['semantic', 'meaning']];
const MAX_QUERY = 500;

export function memorySearchCard(agentId) {
  const query = h('input', { type: 'search', id: 'memory-query', maxlength: MAX_QUERY, required: true,
    autocomplete: 'off', placeholder: 'invoice INV-20931, "staging cluster", what did finance say…' });
  const mode = h('select', { id: 'memory-mode' }, MODES.map(([m, label]) => h('option', { value: m }, label)));
  const form = h('form', { id: 'memory-search-form', class: 'row wrap', role: 'search' },
    h('div', { class: 'field grow' }, h('label', { for: 'memory-query' }, 'Look for'), query),
    h('div', { class: 'field' }, h('label', { for: 'memory-mode' }, 'Match by'), mode),
    h('button', { type: 'submit', class: 'primary', id: 'memory-search-submit' }, 'Search'));
  const status = h('p', { class: 'small muted', id: 'memory-search-status', role: 'status' });
  const error = h('div', { class: 'error', role: 'alert', id: 'memory-search-error', hidden: true });
  const results = h('ol', { class: 'memory-hits', id: 'memory-results' });
  const el = h('div', { id: 'memory-search' }, form, error, status, results);
  // Answers can arrive out of order (a slow semantic query, then a fast one): draw only the last.
  let asked = 0;

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const q = query.value.trim();
    if (!q) return;
    const mine = ++asked;
    showError(error, null);
    status.textContent = 'Searching…';
    try {
      const r = await get(agentPath(agentId, `/memory/search?q=${encodeURIComponent(q)}&mode=${mode.value}&limit=20`));
      if (mine !== asked) return;
      draw(r);
    } catch (err) {
      if (mine !== asked) return;
      status.textContent = '';
      clear(results);
      showError(error, err);
    }
  });

  function draw(r) {
    clear(results);
    const n = r.hits.length;
    let how = 'ranked by words';
    if (r.degraded) how = `ranked by words only: ${r.degraded}`;
    else if (r.semantic) how = r.mode === 'semantic' ? 'ranked by meaning' : 'ranked by words and meaning';
    if (n) status.textContent = `${n} ${n === 1 ? 'match' : 'matches'}, best first, ${how}.`;
    else status.textContent = r.degraded ? `Nothing found (${how}).` : 'Nothing found.';
    for (const hit of r.hits) {
      const whole = h('div', { class: 'memory-event', hidden: true });
      const show = h('button', { type: 'button', class: 'small ghost memory-show', 'aria-expanded': 'false',
        'aria-label': `Show event #${hit.seq} whole` }, 'Whole event');
      show.addEventListener('click', () => toggle(hit.seq, show, whole));
      results.append(h('li', { class: 'memory-hit', dataset: { seq: hit.seq } },
        h('div', { class: 'memory-hit-head small' },
          h('strong', { class: 'memory-seq' }, '#' + hit.seq), ' ',
          h('span', { class: 'chip memory-type' }, hit.event_type), ' ',
          h('time', { class: 'muted', datetime: hit.created_at }, fmtTime(hit.created_at)), ' ', show),
        h('p', { class: 'memory-snippet' }, hit.snippet), whole));
    }
  }

  // A snippet is at most 300 characters: the whole event is one read of the log away (seq is
  // gapless, so after_seq = seq - 1 with limit 1 is exactly that event).
  async function toggle(seq, button, box) {
    if (!box.hidden) {
      box.hidden = true;
      button.setAttribute('aria-expanded', 'false');
      return;
    }
    clear(box);
    box.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    try {
      const r = await get(agentPath(agentId, `/events?after_seq=${seq - 1}&limit=1`));
      const e = r.events[0];
      const text = e ? (e.tool_name ? `${e.tool_name}: ${e.tool_output ?? e.content ?? ''}` : e.content ?? '') : '';
      box.append(h('pre', { class: 'prose' }, text));
    } catch (err) {
      const shown = h('div', { class: 'error', role: 'alert' });
      showError(shown, err);
      box.append(shown);
    }
  }

  return { el };
}
