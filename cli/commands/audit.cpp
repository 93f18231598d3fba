// `slab5 audit` (api.md §6): list audit events with filters, every page with --all, and
// --follow to poll for new events (NDJSON with --json).
#include <chrono>
#include <csignal>
#include <set>
#include <thread>

#include "command_table.hpp"
#include "exit_codes.hpp"
#include "flag_values.hpp"
#include "slab5/http_client.hpp"

namespace slab5cli {

namespace {

struct AuditOptions {
  std::string action;
  std::string actor;
  std::string target;
  std::string since;
  std::string until;
  int limit = 0;  // 0: the server's default page (25), or 100 per page with --all
  bool all = false;
  bool follow = false;
  std::string interval = "2";  // seconds, or a duration: 500ms, 5s, 1m
};

const std::vector<Column>& audit_columns() {
  static const std::vector<Column> cols{{"Time", "created_at", true}, {"Action", "action"}, {"Actor", "actor.id"},
                                        {"Target", "target.id"},      {"Status", "status"}, {"Source", "source"},
                                        {"Request", "request_id"},    {"ID", "id"}};
  return cols;
}

std::string query_for(const AuditOptions& o, const std::string& since_override = "") {
  std::string q;
  auto add = [&](const char* k, const std::string& v) {
    if (!v.empty()) q += (q.empty() ? "?" : "&") + std::string(k) + "=" + slab5::url_encode(v);
  };
  add("action", o.action);
  add("actor_id", o.actor);
  add("target_id", o.target);
  add("since", since_override.empty() ? o.since : since_override);
  add("until", o.until);
  int limit = o.limit > 0 ? o.limit : (o.all || o.follow ? 100 : 0);
  if (limit > 0) add("limit", std::to_string(std::min(limit, 100)));
  return "workspace/audit-events" + q;
}

volatile std::sig_atomic_t g_interrupted = 0;

// Prints new events oldest first; remembers what it printed. Events with ids at or below
// `floor` were already there when following began (ids sort by creation time).
void print_events(Context& ctx, const Json& newest_first, std::set<std::string>& seen, const std::string& floor) {
  Json fresh = Json::array();
  for (auto it = newest_first.rbegin(); it != newest_first.rend(); ++it) {
    std::string id = (*it)["id"];
    if (id > floor && seen.insert(id).second) fresh.push_back(*it);
  }
  if (fresh.empty()) return;
  if (ctx.out.json()) {
    for (const auto& e : fresh) ctx.out.print_json_line(e);
  } else {
    ctx.out.print_table(audit_columns(), fresh);
  }
}

int follow(Context& ctx, const AuditOptions& o) {
  std::signal(SIGINT, [](int) { g_interrupted = 1; });
  std::signal(SIGTERM, [](int) { g_interrupted = 1; });
  std::set<std::string> seen;
  // First the latest page (or the --since window), then only what is newer.
  auto first = ctx.client().data("GET", query_for(o));
  if (!first) return ctx.fail(first.error());
  print_events(ctx, *first, seen, "");
  std::string newest = first->empty() ? "" : (*first)[0]["created_at"].get<std::string>();
  std::string floor = first->empty() ? "" : (*first)[0]["id"].get<std::string>();
  ctx.out.progress("following the audit log; Ctrl-C to stop");
  while (!g_interrupted) {
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(parse_timeout_ms(o.interval).value_or(2000));
    while (!g_interrupted && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (g_interrupted) break;
    // since is inclusive: events of the same millisecond come back and are skipped by id.
    auto page = newest.empty() ? ctx.client().data("GET", query_for(o)) : ctx.client().list_all(query_for(o, newest));
    if (!page) return ctx.fail(page.error());
    print_events(ctx, *page, seen, floor);
    if (!page->empty()) newest = std::max(newest, (*page)[0]["created_at"].get<std::string>());
  }
  return kInterrupted;
}

int list(Context& ctx, const AuditOptions& o) {
  if (o.limit < 0 || o.limit > 100) return ctx.usage_error("--limit must be from 1 to 100");
  if (o.follow) return follow(ctx, o);
  auto data = o.all ? ctx.client().list_all(query_for(o)) : ctx.client().data("GET", query_for(o));
  if (!data) return ctx.fail(data.error());
  return ctx.emit(*data, [&] { ctx.out.print_table(audit_columns(), *data); });
}

}  // namespace

void add_audit_commands(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<AuditOptions>();
  auto* audit = app.add_subcommand("audit", "List the workspace's audit events, newest first (needs audit:read)");
  auto* list_cmd = audit->add_subcommand("list", "List audit events (the default)");
  for (auto* cmd : {audit, list_cmd}) {
    cmd->add_option("--action", o->action, "Action, exact or a prefix like 'api_key.*'");
    cmd->add_option("--actor", o->actor, "Actor id (usr_…, key_…, mcp_…, system)");
    cmd->add_option("--target", o->target, "Target id");
    cmd->add_option("--since", o->since, "From this time: RFC 3339 or a duration like 15m, 24h, 7d")
        ->check(time_or_duration_value());
    cmd->add_option("--until", o->until, "Before this time: RFC 3339 or a duration")->check(time_or_duration_value());
    cmd->add_option("--limit", o->limit, "Events per page, 1-100 (default 25; 100 with --all)");
    cmd->add_flag("--all", o->all, "Follow every page and print all events");
    cmd->add_flag("--follow", o->follow, "Keep polling and print new events as they happen (NDJSON with --json)");
    cmd->add_option("--interval", o->interval,
                    "Time between polls with --follow: seconds or a duration, 100ms-1h (default 2)")
        ->check(CLI::Validator(
            [](std::string& v) -> std::string {
              auto ms = parse_timeout_ms(v);
              if (!ms || *ms < 100 || *ms > 3600000)
                return "'" + v +
                       "' is not an interval: use seconds (2, 0.5) or a duration such as 5s or 1m, 100ms to 1h";
              return "";
            },
            "DURATION"));
  }
  audit->footer(
      "Examples:\n  slab5 audit --since 24h\n  slab5 audit --action 'api_key.*' --all --json\n"
      "  slab5 audit --follow --json | jq .action");
  on_run(list_cmd, ctx, [&ctx, o] { return list(ctx, *o); });
  on_run(audit, ctx, [&ctx, o] { return list(ctx, *o); });
}

}  // namespace slab5cli
