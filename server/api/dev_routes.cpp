// Development routes (api.md §9): the dev mailbox and the mock OAuth provider.
#include "app.hpp"
#include "domain/mail.hpp"

namespace slab5d {

void register_dev_routes(App& app) {
  Router& r = app.router();
  r.add({.method = "GET", .pattern = "/v1/dev/mail", .access = Access::Public,
         .handler = [](Ctx& ctx) -> slab5::Result<Reply> {
           return Reply::ok(list_mail(ctx.db, ctx.query("to").value_or("")));
         }});
  r.add({.method = "DELETE", .pattern = "/v1/dev/mail", .access = Access::Public,
         .handler = [](Ctx& ctx) -> slab5::Result<Reply> {
           clear_mail(ctx.db);
           return Reply::no_content();
         }});
}

}  // namespace slab5d
