// `slab5 usage` (api.md §7): usage summaries grouped by day, route, credential or kind.
#include "command_table.hpp"
#include "exit_codes.hpp"
#include "flag_values.hpp"
#include "slab5/http_client.hpp"

namespace slab5cli {

namespace {

struct UsageOptions {
  std::string since;
  std::string until;
  std::string group_by = "day";
};

int usage(Context& ctx, const UsageOptions& o) {
  std::string q = "?group_by=" + slab5::url_encode(o.group_by);
  if (!o.since.empty()) q += "&since=" + slab5::url_encode(o.since);
  if (!o.until.empty()) q += "&until=" + slab5::url_encode(o.until);
  auto d = ctx.client().data("GET", "workspace/usage" + q);
  if (!d) return ctx.fail(d.error());
  return ctx.emit(*d, [&] {
    std::string header = o.group_by == "day"          ? "Day"
                         : o.group_by == "route"      ? "Route"
                         : o.group_by == "credential" ? "Credential"
                                                      : "Kind";
    ctx.out.print_table({{header, "key"}, {"Requests", "requests"}, {"Units", "units"}, {"Errors", "errors"}}, *d);
  });
}

}  // namespace

void add_usage_commands(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<UsageOptions>();
  auto* cmd = app.add_subcommand("usage", "Show the workspace's API usage (needs usage:read)");
  cmd->add_option("--since", o->since, "From this time: RFC 3339 or a duration like 24h, 7d (default: all)")
      ->check(time_or_duration_value());
  cmd->add_option("--until", o->until, "Before this time: RFC 3339 or a duration")->check(time_or_duration_value());
  with_choices(cmd->add_option("--group-by", o->group_by, "Group by day (default), route, credential or kind"),
               {"day", "route", "credential", "kind"});
  cmd->footer("Examples:\n  slab5 usage --since 7d\n  slab5 usage --group-by route --json");
  on_run(cmd, ctx, [&ctx, o] { return usage(ctx, *o); });
}

}  // namespace slab5cli
