// `slab5 api PATH`: authenticated requests like `gh api` (cli.md §2).
#include <iostream>

#include "base_url_hints.hpp"
#include "body_fields.hpp"
#include "command_table.hpp"
#include "exit_codes.hpp"
#include "slab5/http_client.hpp"

namespace slab5cli {
namespace {

struct ApiOptions {
  std::string path;
  std::string method;
  std::vector<std::string> headers;
  std::vector<std::string> raw_fields;    // -f key=value
  std::vector<std::string> typed_fields;  // -F key=typed
  std::string input;
  bool paginate = false;
  bool include = false;
};

std::string query_from(const Json& fields) {
  std::string q;
  for (const auto& item : fields.items()) {
    // Named, not a structured binding: clang 14 cannot capture a binding in a lambda.
    const std::string& k = item.key();
    const Json& v = item.value();
    auto add = [&](const Json& x) {
      q += (q.empty() ? "" : "&") + slab5::url_encode(k) + "=" +
           slab5::url_encode(x.is_string() ? x.get<std::string>() : x.dump());
    };
    if (v.is_array())
      for (auto& x : v) add(x);
    else
      add(v);
  }
  return q;
}

// The body unchanged, ending in a newline so that the next line of a log starts on its own.
void print_body(const std::string& body) {
  std::cout << body;
  if (!body.empty() && body.back() != '\n') std::cout << '\n';
  std::cout.flush();
}

// A non-2xx answer: the body went to stdout; the error line (cli.md §3) and hints to stderr.
int report_refusal(Context& ctx, const ApiResponse& r, const std::string& path) {
  auto e = api_error_from(r);
  std::string msg = e.message.empty() ? "HTTP " + std::to_string(r.status) : e.message;
  msg += " (HTTP " + std::to_string(r.status);
  if (!e.code.empty()) msg += ", code: " + e.code;
  if (!e.request_id.empty()) msg += ", request_id: " + e.request_id;
  ctx.out.error(ctx.redact(msg + ")"));
  if (!e.hint.empty()) ctx.out.hint(ctx.redact(e.hint));
  if (r.status == 404) {
    std::string base = ctx.base_url().value;
    if (auto h = doubled_v1_hint(base, path); !h.empty())
      ctx.out.hint(h);
    else if (auto b = base_url_v1_hint(base); !b.empty())
      ctx.out.hint(b);
  }
  return e.exit_code;
}

int run_jq_on(Context& ctx, const Json& j) {
  return jq_runner() ? jq_runner()(ctx, j, ctx.g.jq) : ctx.usage_error("--jq is not available in this build");
}

// --paginate, as gh does it: follows next_cursor; a list's pages are merged into one array;
// an answer that is not a list is printed as it came; --jq runs on each page's whole body.
int run_paginated(Context& ctx, const std::string& path, const RequestOptions& ro) {
  Json merged = Json::array();
  std::string next = path;
  std::size_t pages = 0, items = 0;
  for (;;) {
    auto r = ctx.client().send("GET", next, "", ro);
    if (!r) {
      ctx.out.progress("");
      return ctx.fail(r.error());
    }
    if (r->status < 200 || r->status >= 300) {
      ctx.out.progress("");
      print_body(r->body);
      return report_refusal(ctx, *r, next);
    }
    ++pages;
    bool is_list = r->json.is_object() && r->json.contains("data") && r->json["data"].is_array();
    if (is_list) items += r->json["data"].size();
    if (!ctx.g.jq.empty()) {
      if (r->json.is_null()) {
        print_body(r->body);
      } else if (int rc = run_jq_on(ctx, r->json); rc != kOk) {
        return rc;
      }
    } else if (!is_list) {
      if (pages == 1) {
        print_body(r->body);
        return kOk;
      }
    } else {
      for (auto& v : r->json["data"]) merged.push_back(v);
    }
    if (!r->json.is_object() || !r->json.contains("next_cursor") || !r->json["next_cursor"].is_string()) break;
    ctx.out.progress("fetched " + std::to_string(items) + " items…");
    next = path + (path.find('?') == std::string::npos ? "?" : "&") +
           "cursor=" + slab5::url_encode(r->json["next_cursor"].get<std::string>());
  }
  ctx.out.progress("");
  if (ctx.g.jq.empty()) ctx.out.print_json(merged);
  return kOk;
}

int run_api(Context& ctx, ApiOptions& o) {
  Json fields = Json::object();
  for (auto& f : o.raw_fields)
    if (auto r = add_field(fields, f, false); !r) return ctx.usage_error(r.error());
  for (auto& f : o.typed_fields)
    if (auto r = add_field(fields, f, true); !r) return ctx.usage_error(r.error());
  bool has_fields = !fields.empty();
  std::string method = o.method;
  for (auto& c : method) c = char(std::toupper((unsigned char)c));
  if (method.empty()) method = (has_fields || !o.input.empty()) ? "POST" : "GET";

  RequestOptions ro;
  for (auto& h : o.headers) {
    auto colon = h.find(':');
    if (colon == std::string::npos || colon == 0) return ctx.usage_error("header '" + h + "' must be 'Name: value'");
    std::string value = h.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(value.begin());
    ro.headers.emplace_back(h.substr(0, colon), value);
  }
  std::string path = o.path;
  std::string body;
  if (!o.input.empty()) {
    auto in = read_input(o.input);
    if (!in) return ctx.usage_error(in.error());
    body = *in;
    if (has_fields) path += (path.find('?') == std::string::npos ? "?" : "&") + query_from(fields);
  } else if (has_fields) {
    if (method == "GET" || method == "HEAD" || method == "DELETE")
      path += (path.find('?') == std::string::npos ? "?" : "&") + query_from(fields);
    else
      body = fields.dump();
  }

  if (o.paginate) {
    if (method != "GET") return ctx.usage_error("--paginate works with GET only");
    return run_paginated(ctx, path, ro);
  }

  auto r = ctx.client().send(method, path, body, ro);
  if (!r) return ctx.fail(r.error());
  if (o.include) {
    std::cout << r->status_line << "\n";
    for (auto& [k, v] : r->headers) std::cout << k << ": " << v << "\n";
    std::cout << "\n";
  }
  bool ok = r->status >= 200 && r->status < 300;
  if (ok && !ctx.g.jq.empty() && !r->json.is_null()) return run_jq_on(ctx, r->json);
  print_body(r->body);
  if (!ok) return report_refusal(ctx, *r, path);
  return kOk;
}

}  // namespace

void add_api_command(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<ApiOptions>();
  auto* cmd = app.add_subcommand("api", "Make an authenticated request to the API (like 'gh api')");
  cmd->add_option("path", o->path,
                  "Path relative to the base URL, e.g. /workspace or workspace/members; an absolute URL to "
                  "another host is sent without the token")
      ->required();
  cmd->add_option("-X,--method", o->method, "HTTP method (default GET, or POST when fields or --input are given)");
  cmd->add_option("-H,--header", o->headers, "Extra header 'Name: value' (repeatable)");
  cmd->add_option("-f,--raw-field", o->raw_fields, "String field key=value; key[]=value appends to an array");
  cmd->add_option("-F,--field", o->typed_fields, "Typed field key=value: true, false, null, numbers, @file");
  cmd->add_option("--input", o->input, "Request body from FILE, or - for stdin");
  cmd->add_flag("--paginate", o->paginate,
                "Follow next_cursor: a list's pages as one JSON array (--jq runs on each page's whole body)");
  cmd->add_flag("-i,--include", o->include, "Print the status line and response headers");
  cmd->footer(
      "Examples:\n  slab5 api /workspace\n  slab5 api workspace/api-keys -f name=ci -f 'scopes[]=crm:read'\n"
      "  slab5 api -X PATCH /workspace -f name='Acme'\n  slab5 api /workspace/audit-events --paginate\n"
      "  slab5 api /workspace/audit-events --paginate --jq '.data[].action'");
  on_run(cmd, ctx, [&ctx, o] { return run_api(ctx, *o); });
}

}  // namespace slab5cli
