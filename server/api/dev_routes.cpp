// Development routes (api.md §9): the dev mailbox and the mock OAuth provider.
#include <memory>

#include "app.hpp"
#include "domain/kek.hpp"
#include "domain/mail.hpp"
#include "domain/oauth_mock.hpp"

namespace slab5d {

using slab5::Json;
using slab5::Result;

namespace {
bool known_provider(const std::string& p) { return p == "google" || p == "microsoft"; }

Result<Reply> mint(Ctx& ctx, MockOAuthProvider& mock) {
  const std::string& provider = ctx.param("provider");
  if (!known_provider(provider)) return slab5::fail("resource_not_found", "The mock provider is google or microsoft.");
  auto email = slab5::req_string(ctx.body, "email");
  if (!email) return tl::unexpected(email.error());
  MockIdTokenRequest req;
  req.email = *email;
  auto verified = slab5::opt_bool(ctx.body, "email_verified");
  if (!verified) return tl::unexpected(verified.error());
  req.email_verified = verified->value_or(true);
  auto name = slab5::opt_string(ctx.body, "name");
  if (!name) return tl::unexpected(name.error());
  req.name = name->value_or("");
  auto aud = slab5::opt_string(ctx.body, "aud");
  if (!aud) return tl::unexpected(aud.error());
  req.aud = *aud;
  auto tid = slab5::opt_string(ctx.body, "tid");
  if (!tid) return tl::unexpected(tid.error());
  req.tid = *tid;
  return Reply::ok({{"idToken", mock.mint(ctx.app.config(), provider, req)}});
}
}  // namespace

void register_dev_routes(App& app) {
  Router& r = app.router();
  r.bind({.id = "dev.mail.list", .handler = [](Ctx& ctx) -> Result<Reply> {
            auto mail = dev_mailbox(ctx.db, ctx.query("to").value_or(""), key_encryption_key(ctx.app.kek_file()));
            if (!mail) return tl::unexpected(mail.error());
            return Reply::ok(std::move(*mail));
          }});
  r.bind({.id = "dev.mail.clear", .handler = [](Ctx& ctx) -> Result<Reply> {
            if (auto s = clear_dev_mailbox(ctx.db, ctx.actor(), ctx.meta()); !s) return tl::unexpected(s.error());
            return Reply::no_content();
          }});
  auto mock = std::make_shared<MockOAuthProvider>();
  r.bind("dev.oauth.id_token", [mock](Ctx& ctx) { return mint(ctx, *mock); });
  r.bind({.id = "dev.oauth.jwks", .handler = [mock](Ctx& ctx) -> Result<Reply> {
            if (!known_provider(ctx.param("provider")))
              return slab5::fail("resource_not_found", "The mock provider is google or microsoft.");
            Reply rep;
            rep.raw_body = mock->jwks(ctx.param("provider")).dump();
            rep.headers.emplace_back("Cache-Control", "public, max-age=3600");
            return rep;
          }});
  register_dev_state_routes(app);
}

}  // namespace slab5d
