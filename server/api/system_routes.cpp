// Routes that belong to no workspace: health.
#include "app.hpp"
#include "slab5/time.hpp"
#include "store/sqlite/meta_store.hpp"
#include "version.hpp"

namespace slab5d {

void register_system_routes(App& app) {
  app.router().bind({.id = "health", .handler = [](Ctx& ctx) -> slab5::Result<Reply> {
                       auto version = SqliteMetaStore(ctx.db).schema_version();  // proves the database answers
                       if (!version) return tl::unexpected(version.error());
                       Reply r;
                       r.raw_body = slab5::Json{{"status", "ok"},
                                                {"version", server_version()},
                                                {"schema_version", *version},
                                                {"time", slab5::format_rfc3339(slab5::now_millis())}}
                                        .dump();
                       return r;
                     }});
}

}  // namespace slab5d
