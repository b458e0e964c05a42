// Remote MCP servers: the workspace's servers (admins: add one with its credential, header and
// scheme; enable, disable, delete), each with its tools as last listed — their descriptions and
// capability classes — and a Refresh that lists them live (operators). Everyone can read.
import { h, clear, showError, fmtTime, fmtAgo, confirmButton } from './dom.js';
import { get, post, patch, del, ApiError } from './api.js';
import { atLeast } from './me.js';

export const CLASSES = ['read_local', 'write_local', 'external', 'destructive'];

/** The tools of a server as a table: name (as agents call it), class, description. */
export function toolsTable(server, id) {
  if (!server.tools) {
    return h('p', { class: 'muted small', id }, 'Not listed yet: Refresh asks the server for its tools.');
  }
  if (!server.tools.length) return h('p', { class: 'muted small', id }, 'The server lists no tools.');
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'mcp-tools', id },
      h('caption', { class: 'sr-only' }, `Tools of the MCP server ${server.name}`),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Tool'), h('th', { scope: 'col' }, 'Class'), h('th', { scope: 'col' }, 'Description'))),
      h('tbody', {}, server.tools.map((t) => h('tr', { dataset: { tool: t.name } },
        h('th', { scope: 'row' }, h('code', {}, t.name), h('div', { class: 'muted small' }, t.namespaced)),
        h('td', {}, h('span', { class: 'badge class-' + t.capability, title: 'its class unless a grant overrides it' }, t.capability)),
        h('td', { class: 'small' }, t.description || ''))))));
}

export function renderMcp(root, ctx) {
  const me = ctx.me;
  const admin = atLeast(me.role, 'admin');
  const operator = atLeast(me.role, 'operator');
  const error = h('div', { class: 'error', role: 'alert', id: 'mcp-error', hidden: true });
  const formError = h('div', { class: 'error', role: 'alert', id: 'mcp-server-error', hidden: true });
  const list = h('div', { id: 'mcp-servers' });
  // Tool lists the person opened stay open across reloads.
  const open = new Set();
  let stopped = false;

  const name = h('input', { id: 'mcp-name', required: true, maxlength: 32, autocomplete: 'off',
    pattern: '[a-z][a-z0-9_]{0,31}', placeholder: 'github', 'aria-describedby': 'mcp-name-help' });
  const url = h('input', { id: 'mcp-url', type: 'url', required: true, autocomplete: 'off',
    placeholder: 'https://mcp.example.com/mcp' });
  const credential = h('select', { id: 'mcp-credential' }, h('option', { value: '' }, '(none)'));
  const header = h('input', { id: 'mcp-header', value: 'Authorization', maxlength: 64, autocomplete: 'off' });
  const scheme = h('input', { id: 'mcp-scheme', value: 'Bearer', maxlength: 32, autocomplete: 'off',
    'aria-describedby': 'mcp-scheme-help' });
  const description = h('input', { id: 'mcp-description', maxlength: 500, autocomplete: 'off' });
  const form = h('form', { class: 'card create', id: 'mcp-form', novalidate: true, hidden: !admin },
    h('h2', {}, 'Add a server'),
    h('div', { class: 'row wrap' },
      h('div', { class: 'field' }, h('label', { for: 'mcp-name' }, 'Name'), name,
        h('div', { class: 'muted small', id: 'mcp-name-help' }, 'a-z, 0-9, _: its tools are named name__tool')),
      h('div', { class: 'field grow' }, h('label', { for: 'mcp-url' }, 'URL (Streamable HTTP)'), url)),
    h('div', { class: 'row wrap' },
      h('div', { class: 'field' }, h('label', { for: 'mcp-credential' }, 'Credential'), credential),
      h('div', { class: 'field' }, h('label', { for: 'mcp-header' }, 'Header'), header),
      h('div', { class: 'field' }, h('label', { for: 'mcp-scheme' }, 'Scheme'), scheme,
        h('div', { class: 'muted small', id: 'mcp-scheme-help' }, 'empty: the raw value')),
      h('div', { class: 'field grow' }, h('label', { for: 'mcp-description' }, 'Description'), description)),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', id: 'mcp-submit' }, 'Add server')),
    h('p', { class: 'muted small' },
      'The credential is a workspace credential (pcy credential add): its value is sent as the header, ' +
      'never shown, and the model never sees it. https only (http to a loopback address).'),
    formError);

  root.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'MCP servers'),
      h('span', { class: 'muted' }, 'remote tools your agents may use')),
    h('p', { class: 'muted small', id: 'mcp-role' },
      admin ? 'Grant tools to an agent on its page (MCP tools).'
        : operator ? 'Operators refresh tool lists; admins add servers and grant tools.'
          : 'Admins add servers and grant tools; operators refresh their tool lists.'),
    form, error, list);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    showError(formError, null);
    if (!name.value.trim() || !url.value.trim()) {
      (name.value.trim() ? url : name).focus();
      return showError(formError, new ApiError(0, 'invalid', 'give the server a name and its URL'));
    }
    const body = { name: name.value.trim(), url: url.value.trim(), auth_header: header.value.trim() || 'Authorization',
      auth_scheme: scheme.value.trim() };
    if (credential.value) body.credential_name = credential.value;
    if (description.value.trim()) body.description = description.value.trim();
    try {
      await post('/api/mcp/servers', body);
      name.value = '';
      url.value = '';
      description.value = '';
      credential.value = '';
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

  function serverCard(s) {
    const path = '/api/mcp/servers/' + encodeURIComponent(s.id);
    const refresh = h('button', { type: 'button', class: 'small needs-operator', 'aria-label': 'Refresh the tools of ' + s.name }, 'Refresh');
    refresh.addEventListener('click', () => act(async () => {
      refresh.disabled = true;
      open.add(s.id);
      await post(path + '/refresh');
    }));
    const toggle = h('button', { type: 'button', class: 'small needs-admin', 'aria-label': (s.enabled ? 'Disable ' : 'Enable ') + s.name },
      s.enabled ? 'Disable' : 'Enable');
    toggle.addEventListener('click', () => act(() => patch(path, { enabled: !s.enabled })));
    const remove = confirmButton('Delete', 'Confirm delete', { class: 'small danger needs-admin', 'aria-label': 'Delete ' + s.name },
      () => act(() => del(path)));
    const tools = h('details', { class: 'mcp-tools-box', open: open.has(s.id) },
      h('summary', {}, s.tools ? `${s.tools.length} tool${s.tools.length === 1 ? '' : 's'}` : 'Tools'),
      toolsTable(s, 'mcp-tools-' + s.name));
    tools.addEventListener('toggle', () => (tools.open ? open.add(s.id) : open.delete(s.id)));
    const auth = s.credential_name
      ? [h('code', {}, s.credential_name), ` as ${s.auth_header}${s.auth_scheme ? ': ' + s.auth_scheme + ' …' : ''}`]
      : ['no credential'];
    return h('section', { class: 'card mcp-server', dataset: { serverId: s.id, serverName: s.name, enabled: String(s.enabled) },
      'aria-label': 'MCP server ' + s.name },
    h('div', { class: 'row wrap' },
      h('h2', {}, s.name),
      h('span', { class: 'badge ' + (s.enabled ? 'status-accepted' : 'status-revoked') }, s.enabled ? 'enabled' : 'disabled'),
      h('span', { class: 'actions-cell' }, refresh, toggle, remove)),
    h('div', {}, h('code', {}, s.url)),
    s.description ? h('p', { class: 'muted small' }, s.description) : null,
    h('div', { class: 'small muted' }, ...auth),
    h('div', { class: 'small', dataset: { listed: s.tools_listed_at || '' } },
      s.tools_listed_at ? h('span', { title: fmtTime(s.tools_listed_at) }, 'listed ' + fmtAgo(s.tools_listed_at)) : 'never listed'),
    s.last_error ? h('div', { class: 'error small mcp-last-error', role: 'note' }, 'Last listing failed: ' + s.last_error) : null,
    tools);
  }

  async function load() {
    try {
      const [servers, credentials] = await Promise.all([
        get('/api/mcp/servers'),
        admin ? get('/api/credentials') : { credentials: [] },
      ]);
      if (stopped) return;
      const chosen = credential.value;
      clear(credential).append(h('option', { value: '' }, '(none)'),
        ...credentials.credentials.map((c) => h('option', { value: c.name }, c.name)));
      credential.value = chosen;
      clear(list);
      if (!servers.servers.length) list.append(h('p', { class: 'muted', id: 'mcp-empty' }, 'No MCP servers yet.'));
      servers.servers.forEach((s) => list.append(serverCard(s)));
    } catch (err) {
      showError(error, err);
    }
  }

  load();
  return () => {
    stopped = true;
  };
}
