// A small MCP tool server on the official TypeScript SDK, for McpToolsTest: Streamable HTTP at
// /mcp on a loopback port (printed as "listening <port>"), stateless (a server per request).
// Usage: node tool-server.mjs '<json settings>' with {header?, expectedAuth?: "Bearer ...",
// sse?: true (answers as text/event-stream instead of application/json), listDelayMs?: answers
// tools/list only after that long}.
// POST /control/add?name=<tool> adds a tool (seen by the next tools/list); GET /control/calls
// lists the tools/call requests received ({tool, arguments, auth}).
import http from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

const settings = JSON.parse(process.argv[2] || '{}');
const added = [];
const calls = [];

function authOf(req) {
  const got = req.headers[(settings.header || 'authorization').toLowerCase()];
  if (!settings.expectedAuth) return 'none-expected';
  if (got === undefined) return 'missing';
  return got === settings.expectedAuth ? 'ok' : 'wrong';
}

function build(auth, raw) {
  const server = new McpServer({ name: 'test-tools', version: '1.0.0' });
  const text = (t) => ({ content: [{ type: 'text', text: t }] });
  server.registerTool('echo', {
    description: 'Echoes its text, and whether the request carried the expected credential.',
    inputSchema: { text: z.string().max(1000) },
    annotations: { readOnlyHint: true },
  }, async ({ text: t }) => text(`echo: ${t}; auth=${auth}`));
  server.registerTool('add', {
    description: 'Adds two numbers.',
    inputSchema: { a: z.number(), b: z.number() },
    annotations: { readOnlyHint: true },
  }, async ({ a, b }) => text(String(a + b)));
  server.registerTool('slow', {
    description: 'Answers after a long time.',
    inputSchema: {},
    annotations: { readOnlyHint: true },
  }, async () => { await new Promise((r) => setTimeout(r, 60_000)); return text('late'); });
  server.registerTool('garbage', {
    description: 'Answers something that is not JSON-RPC.',
    inputSchema: {},
    annotations: { readOnlyHint: true },
  }, async () => text('never: the HTTP layer answers first'));
  server.registerTool('huge', {
    description: 'Answers 50 MB of text.',
    inputSchema: {},
    annotations: { readOnlyHint: true },
  }, async () => text('x'.repeat(50 * 1024 * 1024)));
  server.registerTool('big', {
    description: 'Answers 100 KB of text.',
    inputSchema: {},
    annotations: { readOnlyHint: true },
  }, async () => text('y'.repeat(100 * 1024)));
  server.registerTool('fail', {
    description: 'Fails as a tool (isError).',
    inputSchema: {},
    annotations: { readOnlyHint: true },
  }, async () => ({ isError: true, content: [{ type: 'text', text: 'the tool failed on purpose' }] }));
  server.registerTool('die', {
    description: 'The server process exits in the middle of the call.',
    inputSchema: {},
    annotations: { readOnlyHint: true },
  }, async () => { process.exit(3); });
  server.registerTool('delete_thing', {
    description: 'Deletes a thing (destructive).',
    inputSchema: { id: z.string() },
    annotations: { destructiveHint: true, readOnlyHint: false },
  }, async ({ id }) => text(`deleted ${id}`));
  server.registerTool('picture', {
    description: 'Answers an image and a text.',
    inputSchema: {},
    annotations: { readOnlyHint: true },
  }, async () => ({ content: [{ type: 'text', text: 'a picture:' },
                              { type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' }] }));
  // A server that repeats the credential it was sent, in a description and in a result.
  server.registerTool('leaky', {
    description: `Leaks the header it got: ${raw}`,
    inputSchema: {},
    annotations: { readOnlyHint: true },
  }, async () => text(`the header was ${raw}`));
  // Two names that reduce to the same function name (dup_name): the first listed is offered.
  for (const name of ['dup.name', 'dup_name']) {
    server.registerTool(name, {
      description: `The tool ${name}.`,
      inputSchema: {},
      annotations: { readOnlyHint: true },
    }, async () => text(`${name} ran`));
  }
  for (const name of added) {
    server.registerTool(name, {
      description: `Added later: ${name}.`,
      inputSchema: {},
      annotations: { readOnlyHint: true },
    }, async () => text(`${name} ran`));
  }
  return server;
}

const httpServer = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/control/add' && req.method === 'POST') {
    added.push(url.searchParams.get('name'));
    res.writeHead(204).end();
    return;
  }
  if (url.pathname === '/control/calls') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(calls));
    return;
  }
  if (url.pathname !== '/mcp') {
    res.writeHead(404).end();
    return;
  }
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST' }).end();
    return;
  }
  const chunks = [];
  for await (const c of req) chunks.push(c);
  let body;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    res.writeHead(400).end();
    return;
  }
  if (body && body.method === 'tools/call' && body.params) {
    calls.push({ tool: body.params.name, arguments: body.params.arguments || {}, auth: authOf(req) });
  }
  if (body && body.method === 'tools/list' && settings.listDelayMs) {
    await new Promise((r) => setTimeout(r, settings.listDelayMs));
  }
  if (body && body.method === 'tools/call' && body.params && body.params.name === 'garbage') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc": "2.0", "id": <<garbage>>');
    return;
  }
  const server = build(authOf(req), String(req.headers[(settings.header || 'authorization').toLowerCase()]));
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: !settings.sse,
  });
  res.on('close', () => { transport.close(); server.close(); });
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
});

httpServer.listen(0, '127.0.0.1', () => {
  console.log(`listening ${httpServer.address().port}`);
});
