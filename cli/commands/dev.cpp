// `slab5 dev` (cli.md §2, api.md §9.1): the controls a test suite uses on a development
// server — the server clock, snapshots of the whole state, reset, and the dev mailbox. The
// development routes take no token.
#include "command_table.hpp"
#include "exit_codes.hpp"
#include "slab5/http_client.hpp"
#include "slab5/time.hpp"

namespace slab5cli {

namespace {

const RequestOptions kDev{.auth = false, .workspace = false};

int show_clock(Context& ctx, const Json& clock) {
  return ctx.emit(clock, [&] {
    ctx.out.print_fields({{"Now", "now"}, {"Offset (ms)", "offset_ms"}, {"Frozen", "frozen"}}, clock);
  });
}

int clock(Context& ctx, const std::vector<std::string>& args) {
  std::string verb = args.empty() ? "show" : args[0];
  auto need = [&](std::size_t n) { return args.size() == n; };
  tl::expected<Json, ApiError> d;
  if (verb == "show" && need(args.empty() ? 0 : 1)) {
    d = ctx.client().data("GET", "dev/clock", nullptr, kDev);
  } else if (verb == "advance" && need(2)) {
    std::string by = args[1];
    std::string_view amount = by;
    if (!amount.empty() && amount.front() == '-') amount.remove_prefix(1);
    if (!slab5::parse_duration(amount))
      return ctx.usage_error("advance takes a duration such as 90s, 15m, 1h, 7d or 2w ('-1h' moves back)");
    d = ctx.client().data("POST", "dev/clock", Json{{"advance", by}}, kDev);
  } else if (verb == "set" && need(2)) {
    if (!slab5::parse_rfc3339(args[1]))
      return ctx.usage_error("set takes an RFC 3339 time such as 2030-01-01T09:00:00Z");
    d = ctx.client().data("POST", "dev/clock", Json{{"set", args[1]}}, kDev);
  } else if ((verb == "freeze" || verb == "unfreeze") && need(1)) {
    d = ctx.client().data("POST", "dev/clock", Json{{"freeze", verb == "freeze"}}, kDev);
  } else if (verb == "reset" && need(1)) {
    d = ctx.client().data("DELETE", "dev/clock", nullptr, kDev);
  } else {
    return ctx.usage_error("use: slab5 dev clock [show | advance 90m | set TIME | freeze | unfreeze | reset]");
  }
  if (!d) return ctx.fail(d.error());
  return show_clock(ctx, *d);
}

const std::vector<Column>& snapshot_columns() {
  static const std::vector<Column> cols{{"Name", "name"}, {"Saved", "created_at", true}, {"Bytes", "size_bytes"}};
  return cols;
}

int snapshot(Context& ctx, const std::vector<std::string>& args) {
  std::string verb = args.empty() ? "" : args[0];
  if (verb == "list" && args.size() == 1) {
    auto d = ctx.client().data("GET", "dev/snapshots", nullptr, kDev);
    if (!d) return ctx.fail(d.error());
    return ctx.emit(*d, [&] { ctx.out.print_table(snapshot_columns(), *d); });
  }
  if ((verb == "save" || verb == "restore" || verb == "delete" || verb == "show") && args.size() == 2) {
    const std::string& name = args[1];
    std::string path = "dev/snapshots/" + slab5::url_encode(name);
    tl::expected<Json, ApiError> d;
    if (verb == "save")
      d = ctx.client().data("POST", "dev/snapshots", Json{{"name", name}}, kDev);
    else if (verb == "restore")
      d = ctx.client().data("POST", path + "/restore", Json::object(), kDev);
    else if (verb == "delete")
      d = ctx.client().data("DELETE", path, nullptr, kDev);
    else
      d = ctx.client().data("GET", path, nullptr, kDev);
    if (!d) return ctx.fail(d.error());
    if (verb == "delete") {
      ctx.out.info("Deleted snapshot " + name + ".");
      return kOk;
    }
    return ctx.emit(*d, [&] {
      if (verb == "show") return ctx.out.print_fields(snapshot_columns(), *d);
      ctx.out.info((verb == "save" ? "Saved snapshot " : "Restored snapshot ") + name + ".");
    });
  }
  return ctx.usage_error("use: slab5 dev snapshot save|restore|delete|show NAME, or slab5 dev snapshot list");
}

int reset(Context& ctx) {
  auto d = ctx.client().data("POST", "dev/reset", Json::object(), kDev);
  if (!d) return ctx.fail(d.error());
  ctx.out.info("Reset to the first-start state (the same owner, workspace and first-start key).");
  return kOk;
}

int mail(Context& ctx, const std::string& to) {
  std::string path = "dev/mail" + (to.empty() ? std::string() : "?to=" + slab5::url_encode(to));
  auto d = ctx.client().data("GET", path, nullptr, kDev);
  if (!d) return ctx.fail(d.error());
  return ctx.emit(*d, [&] {
    ctx.out.print_table(
        {{"Time", "created_at", true}, {"To", "to"}, {"Kind", "kind"}, {"Subject", "subject"}, {"Token", "token"}}, *d);
  });
}

}  // namespace

void add_dev_commands(CLI::App& app, Context& ctx) {
  auto* dev = app.add_subcommand("dev", "Control a development server: clock, snapshots, reset, mailbox");
  dev->require_subcommand(1);
  dev->footer(
      "Development routes only (slab5d serves them unless --no-dev-routes); they take no token.\n"
      "Examples:\n  slab5 dev clock advance 90m\n  slab5 dev snapshot save base\n  slab5 dev snapshot restore base\n"
      "  slab5 dev reset\n  slab5 dev mail --to ann@example.com");

  auto clock_args = std::make_shared<std::vector<std::string>>();
  auto* c = dev->add_subcommand("clock",
                                "Show or move the server clock: show | advance 90m | set TIME | freeze | "
                                "unfreeze | reset");
  c->add_option("args", *clock_args, "show (default), advance DURATION, set TIME, freeze, unfreeze or reset");
  c->footer(
      "Examples:\n  slab5 dev clock advance 7d\n  slab5 dev clock set 2030-01-01T09:00:00Z\n"
      "  slab5 dev clock freeze\n  slab5 dev clock reset");
  on_run(c, ctx, [&ctx, clock_args] { return clock(ctx, *clock_args); });

  auto snap_args = std::make_shared<std::vector<std::string>>();
  auto* s = dev->add_subcommand("snapshot", "Save, restore, delete or list snapshots of the whole state");
  s->add_option("args", *snap_args, "save NAME | restore NAME | delete NAME | show NAME | list");
  s->footer(
      "Examples:\n  slab5 dev snapshot save base\n  slab5 dev snapshot restore base\n"
      "  slab5 dev snapshot list --json");
  on_run(s, ctx, [&ctx, snap_args] { return snapshot(ctx, *snap_args); });

  auto* r = dev->add_subcommand("reset", "Return the server to its first-start state (same owner, workspace, key)");
  on_run(r, ctx, [&ctx] { return reset(ctx); });

  auto to = std::make_shared<std::string>();
  auto* m = dev->add_subcommand("mail", "List the mail the server would have sent, newest first");
  m->add_option("--to", *to, "Only mail to this address");
  on_run(m, ctx, [&ctx, to] { return mail(ctx, *to); });
}

}  // namespace slab5cli
