// A remote MCP server for tests, built on the official TypeScript SDK (@modelcontextprotocol/sdk)
// and served over its Streamable HTTP transport (stateless: a transport per request) at /mcp on a
// free loopback port. Started by org.openpincery.testkit.RemoteMcpServer.
//
// argv[2]: {"tools": [{name, description?, inputSchema?, annotations?}]}
// Prints {"url": "http://127.0.0.1:<port>/mcp"} on its first stdout line once it listens.
// Test hooks (not MCP): GET /__test/requests → the headers of every /mcp request so far;
// PUT /__test/tools {"tools": [...]} replaces the tool list. tools/call echoes its arguments.
import http from "node:http";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const settings = JSON.parse(process.argv[2] ?? "{}");
let tools = settings.tools ?? [];
const requests = [];

function mcpServer() {
  const server = new Server({ name: "test-tools", version: "1.0.0" }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: tools.map((t) => ({
      name: t.name,
      description: t.description,
      inputSchema: t.inputSchema ?? { type: "object", properties: {} },
      ...(t.annotations ? { annotations: t.annotations } : {}),
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => ({
    content: [{ type: "text", text: JSON.stringify({ tool: request.params.name, arguments: request.params.arguments ?? {} }) }],
  }));
  return server;
}

async function body(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : undefined;
}

const httpServer = http.createServer(async (req, res) => {
  try {
    const path = new URL(req.url, "http://localhost").pathname;
    if (path === "/__test/requests") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ requests }));
      return;
    }
    if (path === "/__test/tools" && req.method === "PUT") {
      tools = (await body(req)).tools;
      res.writeHead(204).end();
      return;
    }
    if (path !== "/mcp") {
      res.writeHead(404).end();
      return;
    }
    requests.push({ method: req.method, headers: req.headers });
    if (req.method !== "POST") {
      res.writeHead(405, { allow: "POST" }).end();
      return;
    }
    const server = mcpServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on("close", () => {
      transport.close();
      server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, await body(req));
  } catch (e) {
    if (!res.headersSent) res.writeHead(500).end(String(e));
  }
});

httpServer.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${httpServer.address().port}/mcp` }) + "\n");
});
// The test's JVM holds our stdin: when it goes, so do we.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
