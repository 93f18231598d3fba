// Routes that belong to no workspace: health and the OpenAPI document.
#include <mutex>

#include "app.hpp"
#include "slab5/api/openapi.hpp"
#include "slab5/time.hpp"
#include "store/meta_store.hpp"
#include "version.hpp"

namespace slab5d {

void register_system_routes(App& app) {
  app.router().bind({.id = "health", .handler = [](Ctx& ctx) -> slab5::Result<Reply> {
                       auto version = ctx.db.meta().schema_version();  // proves the database answers
                       if (!version) return tl::unexpected(version.error());
                       Reply r;
                       r.raw_body = slab5::Json{{"status", "ok"},
                                                {"version", server_version()},
                                                {"schema_version", *version},
                                                {"time", slab5::format_rfc3339(slab5::now_millis())}}
                                        .dump();
                       return r;
                     }});
  // The document is static for the life of the process; it is built on first request, when
  // the base URL (known once slab5d listens) can name the server.
  auto cache = std::make_shared<std::pair<std::once_flag, std::string>>();
  app.router().bind({.id = "openapi", .handler = [cache](Ctx& ctx) -> slab5::Result<Reply> {
                       std::call_once(cache->first, [&] {
                         cache->second = slab5::api::openapi_document({.version = server_version(),
                                                                       .server_url = ctx.app.base_url(),
                                                                       .dev_routes = ctx.app.config().dev_routes})
                                             .dump();
                       });
                       Reply r;
                       r.raw_body = cache->second;
                       r.headers.emplace_back("Cache-Control", "public, max-age=300");
                       return r;
                     }});
}

}  // namespace slab5d
