// A real MCP client of Open Pincery's /mcp: the official TypeScript SDK over its Streamable HTTP
// transport. Run by McpClientEndToEndTest as
//   node mcp-client.mjs <base url> <operator token> <agent name> <viewer token> <foreign agent id>
// and prints one JSON object with what each step saw; the test asserts on it.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [base, token, agent, viewerToken, foreignAgent] = process.argv.slice(2);
const url = new URL("/mcp", base);

async function connect(bearer) {
  const client = new Client({ name: "pincery-e2e", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers: { Authorization: `Bearer ${bearer}` } },
  });
  await client.connect(transport);
  return { client, transport };
}

const text = (result) => result.content.map((c) => c.text).join("");
const out = {};

const { client, transport } = await connect(token);
out.server = client.getServerVersion();
out.protocolVersion = transport.protocolVersion ?? null;
out.sessionId = transport.sessionId;
out.tools = (await client.listTools()).tools.map((t) => t.name).sort();
out.agents = JSON.parse(text(await client.callTool({ name: "list_agents", arguments: {} })));
const sent = await client.callTool(
  { name: "send_message", arguments: { agent, content: "hello from mcp", wait_seconds: 60 } },
  undefined,
  { timeout: 90_000 },
);
out.sent = { isError: sent.isError ?? false, body: JSON.parse(text(sent)) };
out.events = JSON.parse(
  text(await client.callTool({ name: "read_events", arguments: { agent, limit: 200 } })),
);
const agentId = out.agents.agents.find((a) => a.name === agent).id;
const resource = await client.readResource({ uri: `pincery://agents/${agentId}/projection` });
out.projection = JSON.parse(resource.contents[0].text);
out.templates = (await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate);
const foreign = await client.callTool({ name: "get_agent", arguments: { agent: foreignAgent } });
out.foreign = { isError: foreign.isError ?? false, text: text(foreign) };
await transport.terminateSession();
await client.close();

const viewer = await connect(viewerToken);
const refused = await viewer.client.callTool({
  name: "send_message",
  arguments: { agent, content: "not allowed" },
});
out.viewer = { isError: refused.isError ?? false, text: text(refused) };
await viewer.client.close();

try {
  await connect("pcy_" + "0".repeat(64));
  out.wrongToken = { connected: true };
} catch (e) {
  out.wrongToken = { connected: false, message: String(e.message ?? e), code: e.code ?? null };
}

process.stdout.write(JSON.stringify(out));
process.exit(0);
