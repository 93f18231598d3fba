// The MCP gateway (api.md §8.5): MCP's Streamable HTTP transport as a stateless server at
// POST /mcp/v1 — one JSON-RPC 2.0 message per POST, protocol versions negotiated in
// `initialize` and checked in MCP-Protocol-Version, JSON or SSE answers by Accept, Origin
// checking — and the RFC 9728 metadata its 401 points at. Authentication, the workspace and
// the rate limit are App's check order like every route's (MCP client tokens only); each
// tools/call then runs first_refusal for its tool's REST route and the same web-to-domain
// function the REST handler calls (api/record_web.hpp), answering refusals as tool results
// that carry the REST error object.
#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

#include "api/record_web.hpp"
#include "app.hpp"
#include "credential_cache.hpp"
#include "domain/workspace_summary.hpp"
#include "logger.hpp"
#include "mcp/tools.hpp"
#include "slab5/access.hpp"
#include "slab5/encoding.hpp"
#include "slab5/json_writer.hpp"
#include "version.hpp"

namespace slab5d {

using mcp::Tool;
using slab5::Error;
using slab5::Json;
using slab5::Result;

namespace {

// Oldest first; the last is the newest, offered when a client asks for one we do not know.
constexpr std::string_view kVersions[] = {"2025-06-18", "2025-11-25", "2026-07-28"};
// What a request without MCP-Protocol-Version is read as (the stateless server cannot know
// what was negotiated).
constexpr std::string_view kVersionWithoutHeader = "2025-06-18";
constexpr std::size_t kToolsPerPage = 50;

bool supported_version(std::string_view v) {
  return std::find(std::begin(kVersions), std::end(kVersions), v) != std::end(kVersions);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// scheme://host[:port] whose host is a loopback name or address.
bool loopback_origin(std::string_view origin) {
  auto scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos) return false;
  auto scheme = lower(origin.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return false;
  std::string_view rest = origin.substr(scheme_end + 3);
  if (rest.find_first_of("/?#@") != std::string_view::npos) return false;
  std::string_view host = rest;
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    if (close == std::string_view::npos) return false;
    auto tail = host.substr(close + 1);
    if (!tail.empty() && tail.front() != ':') return false;
    host = host.substr(1, close - 1);
    return lower(host) == "::1";
  }
  if (auto colon = host.rfind(':'); colon != std::string_view::npos) host = host.substr(0, colon);
  auto h = lower(host);
  if (h == "localhost" || (h.size() > 10 && h.substr(h.size() - 10) == ".localhost")) return true;
  // 127.0.0.0/8 in dotted decimal
  if (h.rfind("127.", 0) != 0) return false;
  int dots = 0;
  for (char c : h) {
    if (c == '.')
      ++dots;
    else if (c < '0' || c > '9')
      return false;
  }
  return dots == 3;
}

std::optional<Error> check_origin(Ctx& ctx) {
  if (!ctx.req.has_header("origin")) return std::nullopt;
  std::string_view origin = ctx.req.header("origin");
  if (loopback_origin(origin)) return std::nullopt;
  for (const auto& allowed : ctx.app.config().mcp_allowed_origins)
    if (allowed == "*" || lower(allowed) == lower(origin)) return std::nullopt;
  // The origin is not echoed: it is whatever the page sent.
  return Error{"forbidden",
               "This Origin may not call the MCP gateway; slab5d allows loopback origins and those given with "
               "--mcp-allowed-origin."};
}

std::string resource_metadata_url(const App& app) { return app.base_url() + "/.well-known/oauth-protected-resource"; }

// ---- JSON-RPC answers -------------------------------------------------------------------

struct Wire {
  bool sse = false;  // text/event-stream (the client accepts only that)
};

// application/json unless the client accepts text/event-stream and not JSON.
Wire wire_of(const Ctx& ctx) {
  auto accept = lower(ctx.req.header("accept"));
  bool json = accept.empty() || accept.find("application/json") != std::string::npos ||
              accept.find("application/*") != std::string::npos || accept.find("*/*") != std::string::npos;
  bool sse = accept.find("text/event-stream") != std::string::npos;
  return Wire{.sse = sse && !json};
}

std::string serialise(const Json& j) {
  std::string out;
  slab5::append_json(out, j);
  return out;
}

// `text` as a JSON string literal. Records are serialised valid UTF-8, so bytes from 0x80 up
// pass as they are; only quotes, backslashes and control characters need escapes.
void append_string_literal(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + text.size() + text.size() / 8 + 2);
  out += '"';
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  out += '"';
}

Reply rpc_reply(const Wire& wire, std::string text, int status = 200) {
  Reply r;
  r.status = status;
  if (wire.sse) {
    r.content_type = "text/event-stream";
    r.headers.emplace_back("Cache-Control", "no-cache");
    r.raw_body = "event: message\ndata: " + text + "\n\n";
  } else {
    r.raw_body = std::move(text);
  }
  return r;
}

Json rpc_result(const Json& id, Json result) {
  return Json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

Json rpc_error(const Json& id, int code, std::string message) {
  return Json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", std::move(message)}}}};
}

constexpr int kParseError = -32700, kInvalidRequest = -32600, kMethodNotFound = -32601, kInvalidParams = -32602;

// ---- tools/call -------------------------------------------------------------------------

// A tool result, serialised: `structuredContent` and the same JSON as the first text item.
// Written by hand because this is the gateway's hot path: the record is serialised once and
// its text embedded as a string literal, instead of building and dumping a second tree.
std::string tool_result_text(const std::string& json, bool is_error, bool dry_run) {
  std::string out;
  out.reserve(json.size() * 2 + 128);
  out += "{\"content\":[{\"text\":";
  append_string_literal(out, json);
  out += ",\"type\":\"text\"}";
  if (dry_run) out += ",{\"text\":\"Dry run: validated; nothing was written.\",\"type\":\"text\"}";
  out += "],\"isError\":";
  out += is_error ? "true" : "false";
  out += ",\"structuredContent\":";
  out += json;
  out += '}';
  return out;
}

// The result of a get_* tool, made from the record's text (cached with it, record_web.hpp).
std::string record_tool_result(const std::string& record) { return tool_result_text(record, false, false); }

std::string tool_result(const Json& structured, bool is_error, bool dry_run) {
  return tool_result_text(serialise(structured), is_error, dry_run);
}

// A refusal or failed validation: a tool result (not a JSON-RPC error) whose structured
// content is {"error": the REST error object}, so an agent reads the same code and fields.
std::string tool_refusal(const Error& e, const std::string& request_id) {
  return tool_result(slab5::error_envelope(e, request_id), true, false);
}

Error field_error(const std::string& field, const std::string& message) {
  return slab5::validation_error(field, message);
}

// Arguments that steer the call rather than being the record's input.
Result<std::string> take_id(Json& args, const std::string& name) {
  auto it = args.find(name);
  if (it == args.end() || it->is_null()) return tl::unexpected(field_error(name, "is required"));
  if (!it->is_string()) return tl::unexpected(field_error(name, "must be a string"));
  std::string v = std::move(it->get_ref<std::string&>());
  args.erase(it);
  return v;
}

Result<bool> take_dry_run(Json& args) {
  auto it = args.find("dry_run");
  if (it == args.end() || it->is_null()) {
    if (it != args.end()) args.erase(it);
    return false;
  }
  if (!it->is_boolean()) return tl::unexpected(field_error("dry_run", "must be true or false"));
  bool v = it->get<bool>();
  args.erase(it);
  return v;
}

Result<std::optional<std::int64_t>> take_version(Json& args) {
  auto it = args.find("expected_version");
  if (it == args.end() || it->is_null()) {
    if (it != args.end()) args.erase(it);
    return std::optional<std::int64_t>{};
  }
  if (!it->is_number_integer() || it->get<std::int64_t>() < 1)
    return tl::unexpected(field_error("expected_version", "must be a whole number of at least 1"));
  auto v = it->get<std::int64_t>();
  args.erase(it);
  return std::optional<std::int64_t>{v};
}

// workspace_id / workspace_slug, where given, must name the token's own workspace.
slab5::Status check_workspace_args(Ctx& ctx, Json& args) {
  for (const char* name : {"workspace_id", "workspace_slug"}) {
    auto it = args.find(name);
    if (it == args.end()) continue;
    if (!it->is_string()) return tl::unexpected(field_error(name, "must be a string"));
    std::string v = it->get<std::string>();
    args.erase(it);
    std::string own = ctx.who.workspace_id;
    if (std::string_view(name) == "workspace_slug") {
      const auto* ws = credential_cache::workspace(ctx.app.generation(), ctx.db, ctx.who.workspace_id);
      own = ws ? ws->slug : "";
    }
    if (v != own)
      return tl::unexpected(Error{"workspace_not_found", std::string("The token's workspace is not the one ") + name +
                                                             " names; an MCP "
                                                             "client token acts only in its own workspace."});
  }
  return {};
}

// A list's arguments as the query parameters the REST list takes.
Result<ParamPairs> list_params(const Json& args) {
  ParamPairs out;
  for (auto it = args.begin(); it != args.end(); ++it) {
    const Json& v = it.value();
    if (v.is_null()) continue;
    if (v.is_string())
      out.emplace_back(it.key(), v.get<std::string>());
    else if (v.is_boolean())
      out.emplace_back(it.key(), v.get<bool>() ? "true" : "false");
    else if (v.is_number())
      out.emplace_back(it.key(), v.dump());
    else
      return slab5::fail("invalid_request", it.key() + " must be a string, a number or a boolean.");
  }
  return out;
}

Json list_json(RecordList list) {
  Json out{{"data", Json::array()}};
  for (auto& r : list.records) out["data"].push_back(std::move(r));
  if (list.next_cursor) out["next_cursor"] = *list.next_cursor;
  return out;
}

// The call itself: the same web-to-domain functions as the REST route of the tool.
Result<Json> run_tool(Ctx& ctx, const Tool& tool, Json args, bool& dry_run) {
  if (auto st = check_workspace_args(ctx, args); !st) return tl::unexpected(st.error());
  dry_run = false;
  if (tool.write) {
    auto d = take_dry_run(args);
    if (!d) return tl::unexpected(d.error());
    dry_run = *d;
  }
  RecordWrite opts{.dry_run = dry_run};
  const auto& spec = tool.spec;
  using K = Tool::Kind;
  // What the audit row's input_hash is made from: the call's arguments.
  auto hashed = [&](const Json& input) {
    ctx.body = input;
    (void)ctx.meta();
  };
  switch (tool.kind) {
    case K::Search: {
      auto params = list_params(args);
      if (!params) return tl::unexpected(params.error());
      auto list = list_records(ctx, *spec, "", std::move(*params), "mcp " + tool.name);
      if (!list) return tl::unexpected(list.error());
      return list_json(std::move(*list));
    }
    case K::ChildList: {
      auto parent = take_id(args, std::string(spec->parent_field));
      if (!parent) return tl::unexpected(parent.error());
      if (auto p = read_record(ctx, *tool.parent, *parent); !p) return tl::unexpected(p.error());
      auto params = list_params(args);
      if (!params) return tl::unexpected(params.error());
      auto list = list_records(ctx, *spec, *parent, std::move(*params), "mcp " + tool.name + "\n" + *parent);
      if (!list) return tl::unexpected(list.error());
      return list_json(std::move(*list));
    }
    case K::Get: {
      auto id = take_id(args, "id");
      if (!id) return tl::unexpected(id.error());
      return read_record(ctx, *spec, *id);
    }
    case K::Create:
      hashed(args);
      return create_record(ctx, *spec, args, "", opts);
    case K::ChildCreate: {
      auto parent = take_id(args, std::string(spec->parent_field));
      if (!parent) return tl::unexpected(parent.error());
      hashed(args);
      return create_record(ctx, *spec, args, *parent, opts);
    }
    case K::Update: {
      auto id = take_id(args, "id");
      if (!id) return tl::unexpected(id.error());
      auto version = take_version(args);
      if (!version) return tl::unexpected(version.error());
      hashed(args);
      return update_record(ctx, *spec, *id, args, *version, opts);
    }
    case K::Delete: {
      auto id = take_id(args, "id");
      if (!id) return tl::unexpected(id.error());
      hashed(Json{{"id", *id}});
      if (auto st = delete_record(ctx, *spec, *id, opts); !st) return tl::unexpected(st.error());
      return Json{{"id", *id}, {"deleted", !dry_run}, {"dry_run", dry_run}};
    }
    case K::Action: {
      auto id = take_id(args, "id");
      if (!id) return tl::unexpected(id.error());
      hashed(args);
      return act_on_record(ctx, *spec, *tool.action, *id, args, opts);
    }
    case K::Workspace: {
      const auto* ws = credential_cache::workspace(ctx.app.generation(), ctx.db, ctx.who.workspace_id);
      if (!ws) return slab5::fail("workspace_not_found");
      return ws->to_json();
    }
    case K::Summary:
      return workspace_assistant_summary(ctx.db, ctx.actor());
  }
  return slab5::fail("internal_error");
}

// tools/call: the tool's module and scope by first_refusal (api.md §1's steps 3-5, exactly as
// REST), then the call. Every refusal is a tool result. Returns the serialised result.
std::string call_tool(Ctx& ctx, const Tool& tool, Json args) {
  slab5::Caller caller;
  caller.kind = slab5::Caller::Kind::McpClient;
  caller.authenticated = true;
  caller.credential_workspace = ctx.who.workspace_id;
  caller.scopes = std::span<const std::string>(ctx.who.scopes);
  caller.enabled_modules = std::span<const std::string>(ctx.who.enabled_modules);
  if (auto check = slab5::first_refusal(tool.check, caller); check.refusal)
    return tool_refusal(*check.refusal, ctx.request_id);
  bool dry_run = false;
  std::optional<Result<Json>> out;
  try {
    if (tool.kind == Tool::Kind::Get) {
      // The text REST sends for the record, from the same per-thread read cache, which also
      // keeps the tool result made from it.
      if (auto st = check_workspace_args(ctx, args); !st) return tool_refusal(st.error(), ctx.request_id);
      auto id = take_id(args, "id");
      if (!id) return tool_refusal(id.error(), ctx.request_id);
      auto text = record_text(ctx, *tool.spec, *id, &record_tool_result);
      if (!text) return tool_refusal(text.error(), ctx.request_id);
      return std::move(text->derived);
    }
    out = run_tool(ctx, tool, std::move(args), dry_run);
  } catch (const StoreError& e) {
    logger().log(LogLevel::Error, "database error", {{"request_id", ctx.request_id}, {"error", e.what()}});
    out = Result<Json>(tl::unexpected(Error{e.busy() ? "service_unavailable" : "internal_error",
                                            e.busy() ? "The database is busy; try again." : ""}));
  } catch (const std::exception& e) {
    logger().log(LogLevel::Error, "unexpected error", {{"request_id", ctx.request_id}, {"error", e.what()}});
    out = Result<Json>(tl::unexpected(Error{"internal_error"}));
  }
  if (!*out) return tool_refusal(out->error(), ctx.request_id);
  return tool_result(**out, false, dry_run);
}

// ---- methods ----------------------------------------------------------------------------

bool tool_visible(const Ctx& ctx, const Tool& t) {
  return t.check.module.empty() || ctx.who.module_enabled(t.check.module);
}

Result<Json> tools_list(const Ctx& ctx, const Json& params) {
  std::string after;
  if (params.is_object())
    if (auto it = params.find("cursor"); it != params.end() && !it->is_null()) {
      if (!it->is_string()) return slab5::fail("invalid_request", "cursor must be a string.");
      auto decoded = slab5::base64url_decode(it->get<std::string>());
      if (!decoded || !mcp::find_tool(*decoded)) return slab5::fail("invalid_request", "The cursor is not valid.");
      after = *decoded;
    }
  Json list = Json::array();
  bool started = after.empty(), more = false;
  std::string last;
  for (const auto& t : mcp::tools()) {
    if (!started) {
      started = t.name == after;
      continue;
    }
    if (!tool_visible(ctx, t)) continue;
    if (list.size() == kToolsPerPage) {
      more = true;
      break;
    }
    list.push_back(t.definition);
    last = t.name;
  }
  Json out{{"tools", std::move(list)}};
  if (more) out["nextCursor"] = slab5::base64url_encode(last);
  return out;
}

Json initialize_result(const std::string& requested) {
  std::string version = supported_version(requested) ? requested : std::string(std::end(kVersions)[-1]);
  return Json{{"protocolVersion", version},
              {"capabilities", {{"tools", {{"listChanged", false}}}}},
              {"serverInfo", {{"name", "slab5d"}, {"title", "Slab5 (local slab5d)"}, {"version", server_version()}}},
              {"instructions",
               "Tools act on one Slab5 workspace (the MCP client token's) with the token's scopes: CRM contacts, "
               "companies, leads, deals; tasks; activities; support tickets; CMS entries; assets. Start with "
               "get_workspace_assistant_summary. search_* tools take filters, query, limit and cursor; write tools "
               "take dry_run to validate without writing. A refused call returns isError with "
               "structuredContent.error (code, message, required_scope, field_errors) as the REST API does."}};
}

// One JSON-RPC request (it has an id): its response message, serialised.
std::string answer(Ctx& ctx, Json& msg) {
  const Json& id = msg["id"];
  const std::string& method = msg["method"].get_ref<const std::string&>();
  auto error = [&](int code, std::string message) { return serialise(rpc_error(id, code, std::move(message))); };
  auto result = [&](Json r) { return serialise(rpc_result(id, std::move(r))); };
  Json params;
  if (auto p = msg.find("params"); p != msg.end()) params = std::move(*p);
  if (params.is_null()) params = Json::object();
  if (!params.is_object()) return error(kInvalidParams, "params must be an object.");
  if (method == "initialize") {
    auto it = params.find("protocolVersion");
    if (it == params.end() || !it->is_string())
      return error(kInvalidParams, "initialize needs params.protocolVersion (a string).");
    return result(initialize_result(it->get<std::string>()));
  }
  if (method == "ping") return result(Json::object());
  if (method == "tools/list") {
    auto r = tools_list(ctx, params);
    if (!r) return error(kInvalidParams, r.error().effective_message());
    return result(std::move(*r));
  }
  if (method == "tools/call") {
    auto name = params.find("name");
    if (name == params.end() || !name->is_string())
      return error(kInvalidParams, "tools/call needs params.name (a string).");
    const Tool* tool = mcp::find_tool(name->get_ref<const std::string&>());
    // A tool of a disabled module is known: first_refusal answers it module_not_enabled, as
    // REST answers its route, though tools/list leaves it out.
    if (!tool) return error(kInvalidParams, "Unknown tool: " + name->get<std::string>() + ".");
    Json args;
    if (auto a = params.find("arguments"); a != params.end() && !a->is_null()) {
      if (!a->is_object()) return error(kInvalidParams, "tools/call arguments must be an object.");
      args = std::move(*a);
    }
    if (args.is_null()) args = Json::object();
    std::string called = call_tool(ctx, *tool, std::move(args));
    std::string out;
    out.reserve(called.size() + 64);
    out += "{\"id\":";
    slab5::append_json(out, id);
    out += ",\"jsonrpc\":\"2.0\",\"result\":";
    out += called;
    out += '}';
    return out;
  }
  return error(kMethodNotFound, "Method not found: " + method + ".");
}

Result<Reply> post_mcp(Ctx& ctx) {
  Wire wire = wire_of(ctx);
  auto protocol_error = [&](int code, std::string message) {
    return rpc_reply(wire, serialise(rpc_error(nullptr, code, std::move(message))), 400);
  };
  const std::string& body = ctx.req.body;
  if (body.empty()) return protocol_error(kInvalidRequest, "The body must be one JSON-RPC 2.0 message.");
  if (!json_content_type(ctx.req.header("content-type")))
    return slab5::fail("unsupported_media_type", "Send the body with 'Content-Type: application/json'.");
  if (!slab5::is_valid_utf8(body)) return protocol_error(kParseError, "The body is not valid UTF-8.");
  auto parsed = slab5::parse_json(body);
  if (!parsed) return protocol_error(kParseError, parsed.error().effective_message());
  if (holds_nul_escape(body))
    return protocol_error(kInvalidRequest, "Text in the message may not contain a NUL character (\\u0000).");
  Json& msg = *parsed;

  // Requests after initialize say which version they speak; none is read as 2025-06-18.
  bool is_initialize = msg.is_object() && msg.contains("method") && msg["method"] == "initialize";
  std::string version(kVersionWithoutHeader);
  if (ctx.req.has_header("mcp-protocol-version")) version = std::string(ctx.req.header("mcp-protocol-version"));
  if (!is_initialize && !supported_version(version))
    return protocol_error(kInvalidRequest,
                          "Unsupported MCP-Protocol-Version: this server speaks 2025-06-18, "
                          "2025-11-25 and 2026-07-28.");
  if (msg.is_array())  // JSON-RPC batches were removed from MCP in 2025-06-18
    return protocol_error(kInvalidRequest, "Batches are not part of MCP protocol version " + version +
                                               ": send one JSON-RPC message per POST.");
  if (!msg.is_object()) return protocol_error(kInvalidRequest, "The body must be a JSON-RPC 2.0 message object.");
  auto jsonrpc = msg.find("jsonrpc");
  if (jsonrpc == msg.end() || *jsonrpc != "2.0") return protocol_error(kInvalidRequest, "jsonrpc must be \"2.0\".");
  auto id = msg.find("id");
  bool has_id = id != msg.end();
  if (has_id && !id->is_string() && !id->is_number_integer())
    return protocol_error(kInvalidRequest, "id must be a string or an integer.");
  auto method = msg.find("method");
  if (method != msg.end()) {
    if (!method->is_string()) return protocol_error(kInvalidRequest, "method must be a string.");
    if (!has_id) {  // a notification: accepted, nothing to answer
      Reply r = Reply::no_content();
      r.status = 202;
      return r;
    }
    return rpc_reply(wire, answer(ctx, msg));
  }
  // A response to a server request (this server sends none): accepted, as the transport says.
  if (has_id && (msg.contains("result") || msg.contains("error"))) {
    Reply r = Reply::no_content();
    r.status = 202;
    return r;
  }
  return protocol_error(kInvalidRequest, "The message is neither a request, a notification nor a response.");
}

Result<Reply> protected_resource(Ctx& ctx) {
  Json scopes = Json::array();
  for (const auto& s : slab5::all_scopes()) scopes.push_back(s);
  Json doc{{"resource", ctx.app.base_url() + "/mcp/v1"},
           {"resource_name", "slab5d MCP gateway"},
           {"bearer_methods_supported", {"header"}},
           {"scopes_supported", std::move(scopes)},
           {"resource_documentation", "https://docs.slab5.com/mcp"}};
  Reply r;
  r.raw_body = doc.dump();
  return r;
}

}  // namespace

void register_mcp_routes(App& app) {
  auto& r = app.router();
  r.bind({.id = "mcp",
          .handler = post_mcp,
          .screen = check_origin,
          .on_refused =
              [](Ctx& ctx, const Error& e) {
                if (e.code == "unauthorized")
                  ctx.response_headers.emplace_back(
                      "WWW-Authenticate", "Bearer resource_metadata=\"" + resource_metadata_url(ctx.app) + "\"");
              },
          .reads_own_body = true});
  r.bind("mcp.protected_resource", protected_resource);
}

}  // namespace slab5d
