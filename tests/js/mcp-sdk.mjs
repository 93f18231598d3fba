// Drives slab5d's MCP gateway (api.md §8.5) with the official MCP TypeScript SDK's Client and
// Streamable HTTP transport: connects, lists every tool (all pages), checks each tool's
// inputSchema and outputSchema with a JSON Schema 2020-12 validator (ajv's 2020 build, strict),
// calls reads and writes, and gets refusals; every structuredContent is validated against its
// tool's outputSchema here as well as by the SDK. Run by tests/integration/test_mcp.cpp.
//
//   node mcp-sdk.mjs GATEWAY_URL WRITER_TOKEN READER_TOKEN
// WRITER_TOKEN holds every module scope; READER_TOKEN only crm:read. Exit 0 when every check
// passes, 1 with the failures on stderr.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const [url, writerToken, readerToken] = process.argv.slice(2);
if (!url || !writerToken || !readerToken) {
  console.error("usage: node mcp-sdk.mjs GATEWAY_URL WRITER_TOKEN READER_TOKEN");
  process.exit(2);
}

const failures = [];
function check(ok, what) {
  if (!ok) failures.push(what);
}

async function connect(token) {
  const client = new Client({ name: "slab5-tests", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return client;
}

const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
addFormats(ajv);
const validators = new Map();

function compileTool(tool) {
  for (const key of ["inputSchema", "outputSchema"]) {
    const schema = tool[key];
    check(schema && schema.type === "object", `${tool.name}: ${key} root is not type object`);
    try {
      check(ajv.validateSchema(schema), `${tool.name}: ${key} is not a valid 2020-12 schema: ${ajv.errorsText()}`);
      const v = ajv.compile(schema);
      if (key === "outputSchema") validators.set(tool.name, v);
    } catch (e) {
      failures.push(`${tool.name}: ${key} does not compile: ${e.message}`);
    }
  }
}

function checkStructured(name, result) {
  const v = validators.get(name);
  check(result.structuredContent && typeof result.structuredContent === "object", `${name}: no structuredContent`);
  if (!v || !result.structuredContent) return;
  check(v(result.structuredContent), `${name}: structuredContent does not match outputSchema: ${ajv.errorsText(v.errors)}`);
  const text = (result.content || []).find((c) => c.type === "text");
  check(text && JSON.stringify(JSON.parse(text.text)) === JSON.stringify(result.structuredContent),
        `${name}: the text content is not the structuredContent`);
}

async function call(client, name, args = {}) {
  const result = await client.callTool({ name, arguments: args });
  checkStructured(name, result);
  return result;
}

function refused(result, code, what) {
  check(result.isError === true, `${what}: not isError`);
  check(result.structuredContent?.error?.code === code,
        `${what}: expected ${code}, got ${JSON.stringify(result.structuredContent)}`);
}

const writer = await connect(writerToken);
check(writer.getServerVersion()?.name === "slab5d", "serverInfo.name is not slab5d");
check(writer.getServerCapabilities()?.tools !== undefined, "no tools capability");

// Every tool, page by page.
const tools = [];
let cursor;
let pages = 0;
do {
  const page = await writer.listTools(cursor ? { cursor } : {});
  tools.push(...page.tools);
  cursor = page.nextCursor;
  pages++;
} while (cursor && pages < 20);
check(pages > 1, "tools/list was not paginated");
const names = new Set(tools.map((t) => t.name));
check(names.size === tools.length, "a tool is listed twice");
for (const n of ["search_contacts", "get_contact", "create_contact", "update_contact", "delete_contact",
                 "convert_lead", "add_ticket_message", "add_ticket_comment", "complete_task", "get_workspace",
                 "get_workspace_assistant_summary"])
  check(names.has(n), `tool ${n} is missing`);
for (const t of tools) {
  compileTool(t);
  check(typeof t.description === "string" && t.description.length > 20, `${t.name}: no description`);
  check(typeof t.annotations?.readOnlyHint === "boolean", `${t.name}: no readOnlyHint`);
}

// Writes and reads.
const made = await call(writer, "create_contact", { name: "Grace Hopper", email: "grace@example.com" });
check(!made.isError, `create_contact failed: ${JSON.stringify(made.structuredContent)}`);
const id = made.structuredContent?.id;
check(made.structuredContent?.source === "mcp", "create_contact: source is not mcp");
const got = await call(writer, "get_contact", { id });
check(got.structuredContent?.email === "grace@example.com", "get_contact did not read the contact");
const dry = await call(writer, "update_contact", { id, title: "Rear admiral", dry_run: true });
check(dry.structuredContent?.title === "Rear admiral", "update_contact dry_run did not answer the change");
const after = await call(writer, "get_contact", { id });
check(after.structuredContent?.title === null, "update_contact dry_run wrote");
const upd = await call(writer, "update_contact", { id, title: "Rear admiral" });
check(upd.structuredContent?.version === 2, "update_contact did not make version 2");
const found = await call(writer, "search_contacts", { query: "grace" });
check(found.structuredContent?.data?.length === 1, "search_contacts did not find the contact");
const lead = await call(writer, "create_lead", { name: "Sam Lee", company_name: "Lee Ltd" });
const conv = await call(writer, "convert_lead", { id: lead.structuredContent?.id, create_deal: true });
check(!conv.isError && conv.structuredContent?.deal?.id, "convert_lead did not make a deal");
const ticket = await call(writer, "create_support_ticket", { subject: "Cannot sign in" });
const msg = await call(writer, "add_ticket_message", { ticket_id: ticket.structuredContent?.id, body: "Looking." });
check(!msg.isError, "add_ticket_message failed");
const task = await call(writer, "create_task", { title: "Follow up" });
const done = await call(writer, "complete_task", { id: task.structuredContent?.id });
check(done.structuredContent?.status === "completed", "complete_task did not complete");

// Every tool that needs no arguments, and every get_ with an id that does not exist.
for (const t of tools) {
  const required = t.inputSchema.required || [];
  if (required.length === 0 && t.annotations?.readOnlyHint) {
    const r = await call(writer, t.name, {});
    check(!r.isError, `${t.name} failed: ${JSON.stringify(r.structuredContent)}`);
  }
  if (t.name.startsWith("get_") && required.length === 1 && required[0] === "id") {
    const prefix = t.inputSchema.properties.id.pattern.slice(1).split("_")[0];
    const r = await call(writer, t.name, { id: `${prefix}_00000000000000000000000000` });
    refused(r, "resource_not_found", t.name);
  }
}

// Refusals: a validation failure, a missing scope, a delete.
const invalid = await call(writer, "create_contact", { email: "nope" });
refused(invalid, "validation_failed", "create_contact without a name");
check(invalid.structuredContent?.error?.field_errors?.some((f) => f.field === "name"), "no field error for name");
const reader = await connect(readerToken);
const denied = await call(reader, "create_contact", { name: "X" });
refused(denied, "missing_required_scope", "create_contact with crm:read");
check(denied.structuredContent?.error?.required_scope === "crm:write", "required_scope is not crm:write");
const readerGet = await call(reader, "get_contact", { id });
check(!readerGet.isError, "get_contact with crm:read failed");
const del = await call(writer, "delete_contact", { id });
check(del.structuredContent?.deleted === true, "delete_contact did not delete");
refused(await call(writer, "get_contact", { id }), "resource_not_found", "get_contact after delete");

await writer.close();
await reader.close();
if (failures.length) {
  console.error(failures.join("\n"));
  process.exit(1);
}
console.log(`ok: ${tools.length} tools in ${pages} pages`);
