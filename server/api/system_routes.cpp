// Routes that belong to no workspace: health.
#include "app.hpp"
#include "slab5/time.hpp"
#include "store/migrations.hpp"
#include "version.hpp"

namespace slab5d {

void register_system_routes(App& app) {
  app.router().bind({.id = "health", .handler = [](Ctx& ctx) -> slab5::Result<Reply> {
    // A cheap read proves the database answers.
    auto q = ctx.db.query("PRAGMA user_version");
    q.next();
    Reply r;
    r.raw_body = slab5::Json{{"status", "ok"},
                             {"version", server_version()},
                             {"schema_version", q.integer(0)},
                             {"time", slab5::format_rfc3339(slab5::now_millis())}}
                     .dump();
    return r;
  }});
}

}  // namespace slab5d
