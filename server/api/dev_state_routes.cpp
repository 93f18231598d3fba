// The test-suite controls of api.md §9.1: the server clock, named snapshots of the whole
// state, and reset to the first-start state. Development routes: unauthenticated, absent with
// --no-dev-routes.
#include "app.hpp"
#include "slab5/json_util.hpp"
#include "slab5/time.hpp"
#include "snapshots.hpp"
#include "usage_recorder.hpp"
#include "webhooks/signal.hpp"

namespace slab5d {

using slab5::Json;
using slab5::Result;

namespace {

// On PostgreSQL several instances share the state, each with its own clock and no file of the
// database to copy: moving one instance's clock or copying "the database" would give answers
// that depend on which instance a request reached. Refused, and said why (docs/postgres.md).
std::optional<slab5::Error> refused_on_postgres(const Ctx& ctx, std::string_view what) {
  if (!ctx.app.postgres()) return std::nullopt;
  return slab5::Error{"conflict", std::string(what) +
                                      " is not available on a PostgreSQL database: several slab5d instances may "
                                      "share it (see docs/postgres.md). Use a SQLite database for test suites "
                                      "that need it."};
}

Json clock_json() {
  auto st = slab5::clock_state();
  return Json{{"now", slab5::format_rfc3339(st.now)}, {"offset_ms", st.offset_ms}, {"frozen", st.frozen}};
}

// {"advance": "90m"} | {"set": "<RFC 3339>"} | {"freeze": true|false}; freeze may come with
// either of the others (the clock is moved, then stopped or let run). All is checked before
// anything moves.
Result<Reply> set_clock(Ctx& ctx) {
  if (auto no = refused_on_postgres(ctx, "The test clock")) return tl::unexpected(*no);
  auto advance = slab5::opt_string(ctx.body, "advance");
  if (!advance) return tl::unexpected(advance.error());
  auto set = slab5::opt_string(ctx.body, "set");
  if (!set) return tl::unexpected(set.error());
  auto freeze = slab5::opt_bool(ctx.body, "freeze");
  if (!freeze) return tl::unexpected(freeze.error());
  if (!*advance && !*set && !*freeze)
    return tl::unexpected(slab5::validation_error(
        "advance", "Give advance (a duration such as 90m), set (an RFC 3339 time) or freeze (true or false)."));
  if (*advance && *set) return tl::unexpected(slab5::validation_error("set", "Give advance or set, not both."));
  std::optional<slab5::Millis> by, at;
  if (*advance) {
    std::string_view text = **advance;
    bool back = !text.empty() && text.front() == '-';
    if (back) text.remove_prefix(1);
    by = slab5::parse_duration(text);
    if (!by)
      return tl::unexpected(slab5::validation_error(
          "advance", "Must be a duration such as 90s, 15m, 1h, 7d or 2w (a leading '-' moves the clock back)."));
    if (back) *by = -*by;
  }
  if (*set) {
    at = slab5::parse_rfc3339(**set);
    if (!at)
      return tl::unexpected(slab5::validation_error("set", "Must be an RFC 3339 time such as 2030-01-01T09:00:00Z."));
  }
  // Stopped first, then moved: {"set": T, "freeze": true} reads exactly T. Moved first, then
  // let run: {"set": T, "freeze": false} runs on from T.
  bool stop = *freeze && **freeze, run = *freeze && !**freeze;
  if (stop) slab5::clock_freeze(true);
  if (by) slab5::clock_advance(*by);
  if (at) slab5::clock_set(*at);
  if (run) slab5::clock_freeze(false);
  delivery_signal().notify();  // webhook retries now due run at once
  return Reply::ok(clock_json());
}

Result<Reply> save_snapshot(Ctx& ctx) {
  if (auto no = refused_on_postgres(ctx, "A state snapshot")) return tl::unexpected(*no);
  auto name = slab5::req_string(ctx.body, "name");
  if (!name) return tl::unexpected(name.error());
  // Usage events wait in memory for up to a second: written first, so the copy holds them.
  ctx.app.usage().flush();
  auto info = ctx.app.snapshots().save(ctx.db, *name);
  if (!info) return tl::unexpected(info.error());
  return Reply::created(info->to_json());
}

Result<Reply> restore_snapshot(Ctx& ctx) {
  if (auto no = refused_on_postgres(ctx, "A state snapshot")) return tl::unexpected(*no);
  // Buffered usage events belong to the state being left: written to it before it goes.
  ctx.app.usage().flush();
  auto info = ctx.app.snapshots().restore(ctx.db, ctx.param("name"));
  if (!info) return tl::unexpected(info.error());
  ctx.app.state_replaced();
  return Reply::ok(info->to_json());
}

Result<Reply> reset(Ctx& ctx) {
  if (auto no = refused_on_postgres(ctx, "Reset to the first-start state")) return tl::unexpected(*no);
  ctx.app.usage().flush();
  if (auto s = ctx.app.snapshots().restore_first_start(ctx.db); !s) return tl::unexpected(s.error());
  ctx.app.state_replaced();
  return Reply::no_content();
}

}  // namespace

void register_dev_state_routes(App& app) {
  Router& r = app.router();
  r.bind({.id = "dev.clock.get", .handler = [](Ctx&) -> Result<Reply> { return Reply::ok(clock_json()); }});
  r.bind("dev.clock.set", set_clock);
  r.bind({.id = "dev.clock.reset", .handler = [](Ctx& ctx) -> Result<Reply> {
            if (auto no = refused_on_postgres(ctx, "The test clock")) return tl::unexpected(*no);
            slab5::clock_reset();
            delivery_signal().notify();
            return Reply::ok(clock_json());
          }});
  r.bind({.id = "dev.snapshots.list", .handler = [](Ctx& ctx) -> Result<Reply> {
            if (auto no = refused_on_postgres(ctx, "A state snapshot")) return tl::unexpected(*no);
            auto all = ctx.app.snapshots().list();
            if (!all) return tl::unexpected(all.error());
            Json out = Json::array();
            for (const auto& s : *all) out.push_back(s.to_json());
            return Reply::ok(std::move(out));
          }});
  r.bind("dev.snapshots.create", save_snapshot);
  r.bind({.id = "dev.snapshots.get", .handler = [](Ctx& ctx) -> Result<Reply> {
            if (auto no = refused_on_postgres(ctx, "A state snapshot")) return tl::unexpected(*no);
            auto info = ctx.app.snapshots().get(ctx.param("name"));
            if (!info) return tl::unexpected(info.error());
            return Reply::ok(info->to_json());
          }});
  r.bind({.id = "dev.snapshots.delete", .handler = [](Ctx& ctx) -> Result<Reply> {
            if (auto no = refused_on_postgres(ctx, "A state snapshot")) return tl::unexpected(*no);
            if (auto s = ctx.app.snapshots().remove(ctx.param("name")); !s) return tl::unexpected(s.error());
            return Reply::no_content();
          }});
  r.bind("dev.snapshots.restore", restore_snapshot);
  r.bind("dev.reset", reset);
}

}  // namespace slab5d
