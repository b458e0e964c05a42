// The "MCP tools" card of an agent's page: which remote MCP tools the agent may use (everyone),
// and, for admins, granting more (a server; all its tools or some; an optional class overriding
// the tools' own) or taking them back. Every change PUTs the agent's whole list; the server checks.
import { h, clear, showError } from './dom.js';
import { get, api, agentPath, ApiError } from './api.js';
import { CLASSES } from './mcp.js';

export function mcpGrantsCard(agentId) {
  const error = h('div', { class: 'error', role: 'alert', id: 'mcp-grants-error', hidden: true });
  const body = h('tbody', { id: 'mcp-grants-body' });
  const table = h('div', { class: 'table-wrap' },
    h('table', { id: 'mcp-grants-table' },
      h('caption', { class: 'sr-only' }, 'MCP tools this agent may use'),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Tool'), h('th', { scope: 'col' }, 'Class'),
        h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
      body));
  const server = h('select', { id: 'mcp-grant-server', 'aria-label': 'MCP server' });
  const all = h('input', { type: 'checkbox', id: 'mcp-grant-all', checked: true });
  const picks = h('div', { id: 'mcp-grant-tools', class: 'choice' });
  const cls = h('select', { id: 'mcp-grant-class', 'aria-label': 'Class' },
    h('option', { value: '' }, "the tools' own class"), CLASSES.map((c) => h('option', { value: c }, c)));
  const form = h('form', { id: 'mcp-grant-form', class: 'needs-admin', novalidate: true },
    h('div', { class: 'row wrap' }, server, h('label', { class: 'check' }, all, ' all tools')),
    picks,
    h('div', { class: 'row wrap' }, cls,
      h('button', { type: 'submit', class: 'small primary', id: 'mcp-grant-submit' }, 'Grant')),
    h('p', { class: 'muted small' }, 'All tools includes the ones the server adds later. Servers are added on the MCP page.'));
  const el = h('div', { id: 'mcp-grants' }, error, table, form);
  let grants = [];
  let servers = [];

  const put = (list) => api('PUT', agentPath(agentId, '/mcp-grants'), {
    grants: list.map((g) => (g.capability ? { server: g.server, tool: g.tool, capability: g.capability } : { server: g.server, tool: g.tool })),
  });

  function drawPicks() {
    clear(picks);
    const s = servers.find((x) => x.id === server.value);
    picks.hidden = all.checked || !s;
    if (!s || all.checked) return;
    if (!s.tools) {
      picks.append(h('label', { for: 'mcp-grant-tool-name' }, 'Tool name '),
        h('input', { id: 'mcp-grant-tool-name', autocomplete: 'off', placeholder: 'not listed yet: its name' }));
      return;
    }
    picks.append(...s.tools.map((t) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', name: 'mcp-tool', value: t.name }), ' ', h('code', {}, t.name),
      h('span', { class: 'muted small' }, ' ' + t.capability))));
  }
  server.addEventListener('change', drawPicks);
  all.addEventListener('change', drawPicks);

  async function change(list) {
    showError(error, null);
    try {
      const r = await put(list);
      draw(r.grants);
      return true;
    } catch (err) {
      showError(error, err);
      return false;
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const s = servers.find((x) => x.id === server.value);
    if (!s) return showError(error, new ApiError(0, 'invalid', 'add an MCP server first (the MCP page)'));
    let tools;
    if (all.checked) tools = ['*'];
    else if (!s.tools) tools = [(picks.querySelector('input')?.value || '').trim()].filter(Boolean);
    else tools = [...picks.querySelectorAll('input:checked')].map((i) => i.value);
    if (!tools.length) return showError(error, new ApiError(0, 'invalid', 'choose the tools to grant, or all tools'));
    const kept = grants.filter((g) => !(g.server === s.name && tools.includes(g.tool)));
    change([...kept, ...tools.map((t) => ({ server: s.name, tool: t, capability: cls.value || null }))]).then((done) => {
      if (!done) return;
      all.checked = true;
      cls.value = '';
      drawPicks();
    });
  });

  function draw(list) {
    grants = list;
    clear(body);
    if (!list.length) body.append(h('tr', {}, h('td', { colspan: 3, class: 'muted' }, 'No MCP tools granted.')));
    for (const g of list) {
      const remove = h('button', { type: 'button', class: 'small ghost needs-admin', 'aria-label': 'Revoke ' + g.namespaced }, 'Revoke');
      remove.addEventListener('click', () => change(grants.filter((x) => x !== g)));
      body.append(h('tr', { dataset: { namespaced: g.namespaced } },
        h('th', { scope: 'row' }, h('code', {}, g.namespaced), g.tool === '*' ? h('span', { class: 'muted small' }, ' every tool') : null),
        h('td', {}, g.capability ? h('span', { class: 'badge class-' + g.capability }, g.capability) : h('span', { class: 'muted small' }, "the tool's own")),
        h('td', { class: 'actions-cell' }, remove)));
    }
  }

  async function load() {
    try {
      const [g, s] = await Promise.all([get(agentPath(agentId, '/mcp-grants')), get('/api/mcp/servers')]);
      servers = s.servers;
      const chosen = server.value;
      clear(server).append(...servers.map((x) => h('option', { value: x.id }, x.name + (x.enabled ? '' : ' (disabled)'))));
      if (servers.some((x) => x.id === chosen)) server.value = chosen;
      drawPicks();
      draw(g.grants);
    } catch (err) {
      showError(error, err);
    }
  }

  return { el, load };
}
