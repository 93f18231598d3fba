// Checks real slab5d responses against its OpenAPI document: each recorded response (one JSON
// line per response, written by tests/support/harness.cpp when SLAB5_RECORD_RESPONSES is set)
// is matched to its operation by method and path, its status must be one the operation
// documents, and its body must validate (ajv, JSON Schema 2020-12) against that status's
// schema. A path no operation has must be a 404 resource_not_found, a known path with another
// method a 405 method_not_allowed, both in the error envelope.
// Usage: node validate-responses.mjs <openapi.json> <responses.jsonl>
// Exit 0 when every response matches, 1 when one does not, 2 on bad usage or no responses.
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const [docFile, responsesFile] = process.argv.slice(2);
if (!docFile || !responsesFile) {
  console.error("usage: node validate-responses.mjs <openapi.json> <responses.jsonl>");
  process.exit(2);
}
const BASE = "https://slab5.invalid/openapi.json";
// Local refs (#/components/schemas/X) become absolute ($defs of one schema), so any schema of the document compiles alone.
const absolute = (node) => {
  if (Array.isArray(node)) return node.map(absolute);
  if (node === null || typeof node !== "object") return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === "$ref" && typeof v === "string" ? v.replace(/^#\/components\/schemas\//, `${BASE}#/$defs/`) : absolute(v);
  return out;
};
const doc = absolute(JSON.parse(readFileSync(docFile, "utf8")));
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addSchema({ $id: BASE, $defs: doc.components.schemas });

const operations = [];
for (const [path, item] of Object.entries(doc.paths)) {
  const segments = path.split("/").filter(Boolean);
  for (const [method, op] of Object.entries(item)) operations.push({ path, segments, method: method.toUpperCase(), op });
}
// slab5d's own rule (lib/slab5/routes.cpp): the pattern whose literal segments match most.
const matchPath = (segments) => {
  let best = null;
  let bestScore = -1;
  for (const o of operations) {
    if (o.segments.length !== segments.length) continue;
    let score = 0;
    let fits = true;
    o.segments.forEach((s, i) => {
      if (s.startsWith("{")) return;
      if (s === segments[i]) score++;
      else fits = false;
    });
    if (fits && score > bestScore) {
      bestScore = score;
      best = o.path;
    }
  }
  return best;
};

const compiled = new Map();
const validatorFor = (key, schema) => {
  if (!compiled.has(key)) compiled.set(key, ajv.compile(schema));
  return compiled.get(key);
};
const errorEnvelope = (code) => ({
  type: "object",
  allOf: [{ $ref: `${BASE}#/$defs/ErrorEnvelope` }],
  properties: { error: { type: "object", properties: { code: { const: code } } } },
});

const lines = readFileSync(responsesFile, "utf8").split("\n").filter(Boolean);
const failures = [];
const seen = new Set();
let checked = 0;
for (const line of lines) {
  const r = JSON.parse(line);
  const url = new URL(r.url);
  const segments = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const where = `${r.method} ${url.pathname} → ${r.status}`;
  const path = matchPath(segments);
  const op = path && operations.find((o) => o.path === path && o.method === r.method);
  let schema;
  let key;
  let contentType = "application/json";
  if (!path || !op) {
    const code = !path ? "resource_not_found" : "method_not_allowed";
    const status = !path ? 404 : 405;
    if (r.status !== status) {
      failures.push(`${where}: ${path ? `no ${r.method} operation on ${path}` : "no operation has this path"}, so the answer must be ${status} ${code}`);
      continue;
    }
    schema = errorEnvelope(code);
    key = code;
  } else {
    const response = op.op.responses[String(r.status)];
    if (!response) {
      failures.push(`${where}: ${op.op.operationId} documents no ${r.status} response (documented: ${Object.keys(op.op.responses).join(", ")}); body ${JSON.stringify(r.body).slice(0, 300)}`);
      continue;
    }
    seen.add(`${op.op.operationId} ${r.status}`);
    if (!response.content) {
      if (r.body !== "") failures.push(`${where}: ${op.op.operationId} documents no body for ${r.status} but one came: ${String(r.body).slice(0, 200)}`);
      checked++;
      continue;
    }
    [contentType] = Object.keys(response.content);
    schema = response.content[contentType].schema;
    key = `${op.op.operationId} ${r.status}`;
  }
  const got = (r.content_type || "").split(";")[0].trim().toLowerCase();
  if (contentType === "*/*") {
    // Bytes of any media type (an asset's download): a type must be sent; the body is not JSON.
    if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(got)) failures.push(`${where}: Content-Type ${got || "(none)"} is not a media type`);
    else checked++;
    continue;
  }
  if (got !== contentType) failures.push(`${where}: Content-Type ${got || "(none)"}, documented ${contentType}`);
  if (!r.json) {
    failures.push(`${where}: the body is not JSON: ${String(r.body).slice(0, 200)}`);
    continue;
  }
  const validate = validatorFor(key, schema);
  if (!validate(r.body)) {
    failures.push(`${where} (${op ? op.op.operationId : key}): ${ajv.errorsText(validate.errors, { separator: "; " })}\n    body: ${JSON.stringify(r.body).slice(0, 600)}`);
    continue;
  }
  checked++;
}

if (lines.length === 0) {
  console.error(`responses: no responses recorded in ${responsesFile}`);
  process.exit(2);
}
for (const f of failures) console.error(`responses: ${f}`);
const opsSeen = new Set([...seen].map((s) => s.split(" ")[0]));
console.log(`responses: ${checked} of ${lines.length} responses match the document; ${opsSeen.size} of ${operations.length} operations and ${seen.size} operation/status pairs seen`);
if (process.env.SLAB5_OPENAPI_COVERAGE)
  for (const o of operations) if (!opsSeen.has(o.op.operationId)) console.log(`responses: not exercised: ${o.op.operationId}`);
process.exit(failures.length ? 1 : 0);
