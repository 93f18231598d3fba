// `slab5 mcp` (cli.md §2): what an agent sees through slab5d's MCP gateway (api.md §8.5).
// `tools` lists the tools, `call` runs one with -f/-F arguments, both over the same JSON-RPC
// an MCP client speaks, with an MCP client token; `config` prints the block that connects
// Claude, Cursor or VS Code to the gateway, reading the token from the environment.
#include "body_fields.hpp"
#include "command_table.hpp"
#include "context.hpp"
#include "exit_codes.hpp"
#include "slab5/error.hpp"
#include "slab5/json_util.hpp"

namespace slab5cli {

namespace {

constexpr const char* kTokenVariable = "SLAB5_MCP_TOKEN";
constexpr const char* kProtocolVersion = "2025-11-25";

// The gateway beside the API: "http://127.0.0.1:8787/v1" → "http://127.0.0.1:8787/mcp/v1".
std::string gateway_url(const Context& ctx) {
  std::string base = ctx.base_url().value;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.size() >= 3 && base.compare(base.size() - 3, 3, "/v1") == 0) base.resize(base.size() - 3);
  return base + "/mcp/v1";
}

// SLAB5_MCP_TOKEN, else the usual token when it is an MCP client token.
tl::expected<std::string, ApiError> mcp_token(Context& ctx) {
  if (auto v = ctx.env(kTokenVariable); v && !v->empty()) {
    ctx.add_secret(*v);
    return *v;
  }
  auto setting = ctx.token_setting();
  if (setting.set() && setting.value.rfind("slab5_mcp_", 0) == 0) {
    ctx.add_secret(setting.value);
    return setting.value;
  }
  ApiError e;
  e.exit_code = kUnauthenticated;
  e.message = "the MCP gateway takes an MCP client token (slab5_mcp_…), and none is set";
  e.hint = std::string("create one with 'slab5 mcp-clients create --name NAME --scope crm:read' and export it as ") +
           kTokenVariable;
  return tl::unexpected(e);
}

// One JSON-RPC request; its result, or the failure as slab5 reports API errors.
tl::expected<Json, ApiError> rpc(Context& ctx, const std::string& method, Json params) {
  auto token = mcp_token(ctx);
  if (!token) return tl::unexpected(token.error());
  Json msg{{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", std::move(params)}};
  RequestOptions opts;
  opts.auth = false;
  opts.workspace = false;
  opts.headers = {{"Authorization", "Bearer " + *token},
                  {"Accept", "application/json, text/event-stream"},
                  {"MCP-Protocol-Version", kProtocolVersion}};
  auto r = ctx.client().send("POST", gateway_url(ctx), msg.dump(), opts);
  if (!r) return tl::unexpected(r.error());
  if (r->status < 200 || r->status > 299) {
    if (r->json.is_object() && r->json.contains("error") && r->json["error"].is_object() &&
        r->json["error"].contains("code") && r->json["error"]["code"].is_number()) {
      ApiError e;
      e.exit_code = kFailure;
      e.http_status = r->status;
      e.message = "the gateway refused the message: " + slab5::string_or(r->json["error"], "message");
      return tl::unexpected(e);
    }
    return tl::unexpected(api_error_from(*r));
  }
  if (!r->json.is_object()) {
    ApiError e;
    e.http_status = r->status;
    e.message = "the gateway answered something that is not a JSON-RPC message";
    return tl::unexpected(e);
  }
  if (r->json.contains("error")) {
    ApiError e;
    e.exit_code = kUsage;
    e.http_status = r->status;
    e.message = slab5::string_or(r->json["error"], "message");
    return tl::unexpected(e);
  }
  return r->json["result"];
}

int tools(Context& ctx) {
  Json all = Json::array();
  Json params = Json::object();
  for (int page = 0; page < 100; ++page) {
    auto r = rpc(ctx, "tools/list", params);
    if (!r) return ctx.fail(r.error());
    for (auto& t : (*r)["tools"]) all.push_back(t);
    if (!r->contains("nextCursor")) break;
    params = {{"cursor", (*r)["nextCursor"]}};
  }
  return ctx.emit(all, [&] {
    Json rows = Json::array();
    for (const auto& t : all) {
      std::string d = slab5::string_or(t, "description");
      if (auto dot = d.find(". "); dot != std::string::npos) d.resize(dot + 1);
      Json meta = t.contains("_meta") && t["_meta"].is_object() ? t["_meta"] : Json::object();
      rows.push_back({{"name", t["name"]},
                      {"scope", slab5::string_or(meta, "com.slab5/required_scope", "-")},
                      {"access", t["annotations"].value("readOnlyHint", false) ? "read" : "write"},
                      {"description", d}});
    }
    ctx.out.print_table({{"Tool", "name"}, {"Scope", "scope"}, {"Access", "access"}, {"Description", "description"}},
                        rows);
  });
}

struct CallOptions {
  std::string tool;
  std::vector<std::string> fields, typed_fields;
  bool dry_run = false;
};

int call(Context& ctx, const CallOptions& o) {
  Json args = Json::object();
  for (const auto& f : o.fields)
    if (auto st = add_field(args, f, false); !st) return ctx.usage_error(st.error());
  for (const auto& f : o.typed_fields)
    if (auto st = add_field(args, f, true); !st) return ctx.usage_error(st.error());
  if (o.dry_run) args["dry_run"] = true;
  auto r = rpc(ctx, "tools/call", {{"name", o.tool}, {"arguments", args}});
  if (!r) return ctx.fail(r.error());
  Json content = r->value("structuredContent", Json::object());
  if (r->value("isError", false)) {
    // A refusal carries the REST error object: reported, and exited with, as the API's.
    ApiResponse as_rest;
    as_rest.json = content;
    as_rest.status = content.contains("error") && content["error"].is_object()
                         ? slab5::error_info(slab5::string_or(content["error"], "code")).http_status
                         : 500;
    return ctx.fail(api_error_from(as_rest));
  }
  int rc = ctx.emit(content, [&] { ctx.out.print_json(content); });
  if (o.dry_run && !ctx.out.json()) ctx.out.info("dry run: validated, nothing was written");
  return rc;
}

Json client_config(const std::string& client, const std::string& url) {
  std::string header = "Bearer ${" + std::string(kTokenVariable) + "}";
  if (client == "vscode")
    // VS Code's mcp.json: servers, with ${env:NAME} read from VS Code's environment.
    return Json{{"servers",
                 {{"slab5",
                   {{"type", "http"},
                    {"url", url},
                    {"headers", {{"Authorization", "Bearer ${env:" + std::string(kTokenVariable) + "}"}}}}}}}};
  if (client == "cursor")
    // Cursor's mcp.json: mcpServers, ${env:NAME} interpolation.
    return Json{
        {"mcpServers",
         {{"slab5",
           {{"url", url}, {"headers", {{"Authorization", "Bearer ${env:" + std::string(kTokenVariable) + "}"}}}}}}}};
  // Claude Code's .mcp.json: mcpServers with type http, ${NAME} expanded from the environment.
  return Json{{"mcpServers", {{"slab5", {{"type", "http"}, {"url", url}, {"headers", {{"Authorization", header}}}}}}}};
}

int config(Context& ctx, const std::string& client) {
  Json block = client_config(client, gateway_url(ctx));
  ctx.out.print_json(block);
  if (!ctx.env(kTokenVariable))
    ctx.out.info(std::string("note: ") + kTokenVariable +
                 " is not set here; the client reads it from its environment (an MCP client token, slab5_mcp_…)");
  return kOk;
}

}  // namespace

void add_mcp_commands(CLI::App& app, Context& ctx) {
  auto* mcp = app.add_subcommand("mcp", "See and use what an agent sees through slab5d's MCP gateway");
  mcp->require_subcommand(1);
  mcp->footer(std::string("The gateway takes an MCP client token: ") + kTokenVariable +
              ", else --token / SLAB5_WORKSPACE_TOKEN when it is one (slab5_mcp_…).");

  auto* list = mcp->add_subcommand("tools", "List the tools the token's workspace offers, with the scope each needs");
  list->footer("Examples:\n  slab5 mcp tools\n  slab5 mcp tools --json --jq '.[].name'");
  on_run(list, ctx, [&ctx] { return tools(ctx); });

  auto o = std::make_shared<CallOptions>();
  auto* c = mcp->add_subcommand("call", "Call one tool and print its structured result");
  c->add_option("tool", o->tool, "The tool (see 'slab5 mcp tools')")->required();
  c->add_option("-f,--field", o->fields, "An argument key=value (a string); key[]=v appends to an array");
  c->add_option("-F,--typed-field", o->typed_fields, "An argument key=value typed: true, false, null, a number, @file");
  c->add_flag("--dry-run", o->dry_run, "Validate a write and print what would change, writing nothing");
  c->footer(
      "Examples:\n  slab5 mcp call search_contacts -f query=ada\n"
      "  slab5 mcp call create_contact -f name='Ada Lovelace' -f email=ada@example.com --dry-run");
  on_run(c, ctx, [&ctx, o] { return call(ctx, *o); });

  auto client = std::make_shared<std::string>("claude");
  auto* cfg = mcp->add_subcommand("config", "Print the config block that connects an MCP client to this gateway");
  with_choices(cfg->add_option("--client", *client, "claude (default), cursor or vscode"),
               {"claude", "cursor", "vscode"});
  cfg->footer(
      "The block names the token only as ${SLAB5_MCP_TOKEN} (${env:SLAB5_MCP_TOKEN} for Cursor and VS Code):\n"
      "the client reads it from its environment, and the token itself is never printed.\n"
      "Examples:\n  slab5 mcp config > .mcp.json\n  slab5 mcp config --client vscode > .vscode/mcp.json");
  on_run(cfg, ctx, [&ctx, client] { return config(ctx, *client); });
}

}  // namespace slab5cli
