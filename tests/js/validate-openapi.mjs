// Validates slab5d's OpenAPI document with independent tools — @seriousme/openapi-schema-validator
// (the OpenAPI 3.1 JSON Schema, $refs resolved), Redocly's linter (recommended rules), ajv
// (every schema compiles as JSON Schema 2020-12 in strict mode) — then lints what they do not say: unique operationIds, declared path parameters, declared
// tags, resolvable $refs and security schemes, an error response on every operation.
// Usage: node validate-openapi.mjs <openapi.json>   Exit 0 valid, 1 invalid, 2 usage.
import { readFileSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";
import { createConfig, lintFromString } from "@redocly/openapi-core";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const file = process.argv[2];
if (!file) {
  console.error("usage: node validate-openapi.mjs <openapi.json>");
  process.exit(2);
}
const doc = JSON.parse(readFileSync(file, "utf8"));
const problems = [];

const validator = new Validator();
const result = await validator.validate(structuredClone(doc));
if (validator.version !== "3.1") problems.push(`the document is OpenAPI ${validator.version}, not 3.1`);
if (!result.valid) problems.push(`not a valid OpenAPI document: ${JSON.stringify(result.errors, null, 2)}`);

// Redocly's linter with its "recommended" rules: an error fails, warnings are shown.
{
  const config = await createConfig({ extends: ["recommended"] });
  const found = await lintFromString({ source: JSON.stringify(doc), absoluteRef: file, config });
  for (const p of found) {
    const where = p.location?.[0]?.pointer ?? "";
    if (p.severity === "error") problems.push(`redocly ${p.ruleId}: ${p.message} at ${where}`);
    else console.log(`openapi: redocly ${p.severity} ${p.ruleId}: ${p.message} at ${where}`);
  }
}

// Every schema of the document must compile as JSON Schema 2020-12 under ajv's strict mode
// (unknown keywords or formats, impossible constraints and bad types are errors).
const BASE = "https://slab5.invalid/openapi.json";
const absolute = (node) => {
  if (Array.isArray(node)) return node.map(absolute);
  if (node === null || typeof node !== "object") return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === "$ref" && typeof v === "string" ? v.replace(/^#\/components\/schemas\//, `${BASE}#/$defs/`) : absolute(v);
  return out;
};
{
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
  addFormats(ajv);
  const abs = absolute(doc);
  try {
    ajv.addSchema({ $id: BASE, $defs: abs.components?.schemas ?? {} });
    for (const name of Object.keys(abs.components?.schemas ?? {}))
      try {
        ajv.compile({ $ref: `${BASE}#/$defs/${name}` });
      } catch (e) {
        problems.push(`components.schemas.${name}: ${e.message}`);
      }
  } catch (e) {
    problems.push(`components: ${e.message}`);
  }
  for (const [path, item] of Object.entries(abs.paths ?? {}))
    for (const [method, op] of Object.entries(item)) {
      const schemas = [];
      for (const p of op.parameters ?? []) schemas.push([`parameter ${p.name}`, p.schema]);
      for (const [ct, media] of Object.entries(op.requestBody?.content ?? {})) schemas.push([`request ${ct}`, media.schema]);
      for (const [status, resp] of Object.entries(op.responses ?? {}))
        for (const [ct, media] of Object.entries(resp.content ?? {})) schemas.push([`${status} ${ct}`, media.schema]);
      for (const [what, schema] of schemas)
        try {
          ajv.compile(schema);
        } catch (e) {
          problems.push(`${method.toUpperCase()} ${path} ${what}: ${e.message}`);
        }
    }
}

// Lint.
const resolve = (ref) => {
  if (!ref.startsWith("#/")) return undefined;
  return ref
    .slice(2)
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((node, key) => (node === undefined ? undefined : node[key]), doc);
};
const walk = (node, where) => {
  if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${where}/${i}`));
  if (node === null || typeof node !== "object") return;
  if (typeof node.$ref === "string" && resolve(node.$ref) === undefined)
    problems.push(`${where}: $ref ${node.$ref} does not resolve`);
  for (const [k, v] of Object.entries(node)) walk(v, `${where}/${k}`);
};
walk(doc, "#");

const operationIds = new Map();
const declaredTags = new Set((doc.tags ?? []).map((t) => t.name));
const schemes = Object.keys(doc.components?.securitySchemes ?? {});
const methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
for (const [path, item] of Object.entries(doc.paths ?? {})) {
  const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
  for (const method of methods) {
    const op = item[method];
    if (!op) continue;
    const where = `${method.toUpperCase()} ${path}`;
    if (!op.operationId) problems.push(`${where}: no operationId`);
    else if (operationIds.has(op.operationId))
      problems.push(`${where}: operationId ${op.operationId} also used by ${operationIds.get(op.operationId)}`);
    else operationIds.set(op.operationId, where);
    if (!op.summary) problems.push(`${where}: no summary`);
    for (const t of op.tags ?? []) if (!declaredTags.has(t)) problems.push(`${where}: tag ${t} is not declared`);
    const pathParams = (op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name).sort();
    if (JSON.stringify(pathParams) !== JSON.stringify(templated))
      problems.push(`${where}: path parameters ${pathParams} do not match the template's ${templated}`);
    for (const p of op.parameters ?? []) if (p.in === "path" && p.required !== true) problems.push(`${where}: path parameter ${p.name} not required`);
    for (const req of op.security ?? [])
      for (const name of Object.keys(req)) if (!schemes.includes(name)) problems.push(`${where}: unknown security scheme ${name}`);
    const statuses = Object.keys(op.responses ?? {});
    if (!statuses.some((s) => s.startsWith("2"))) problems.push(`${where}: no success response`);
    if (!statuses.some((s) => s.startsWith("4") || s.startsWith("5"))) problems.push(`${where}: no error response`);
  }
}

if (problems.length) {
  for (const p of problems) console.error(`openapi: ${p}`);
  console.error(`openapi: ${problems.length} problem(s) in ${file}`);
  process.exit(1);
}
console.log(`openapi: ${file} is a valid OpenAPI ${doc.openapi} document: ${operationIds.size} operations, ${Object.keys(doc.paths).length} paths`);
