// Invitations (api.md §4): list, create and revoke; accepting is POST /v1/auth/accept-invite.
#include "api/mail_settings.hpp"
#include "api/page_params.hpp"
#include "app.hpp"
#include "domain/identity.hpp"
#include "domain/identity_invitations.hpp"
#include "slab5/access.hpp"

namespace slab5d {

using slab5::Json;
using slab5::Result;

namespace {

Result<Reply> list_invitations_route(Ctx& ctx) {
  std::string status = ctx.query("status").value_or("pending");
  auto filter = invitation_filter(status);
  if (!filter) return slab5::fail("invalid_request", "status must be pending, accepted, revoked, expired or all.");
  std::string filters = "status=" + status;
  auto page = read_page_request(ctx, filters);
  if (!page) return tl::unexpected(page.error());
  auto rows = list_invitations(ctx.db, ctx.actor(), *filter, page->after, page->limit + 1);
  if (!rows) return tl::unexpected(rows.error());
  auto now = slab5::now_millis();
  Reply r;
  r.data = Json::array();
  for (std::size_t i = 0; i < rows->size() && int(i) < page->limit; ++i)
    r.data.push_back(invitation_json((*rows)[i], now));
  if (int(rows->size()) > page->limit)
    r.next_cursor = make_cursor(ctx, filters, (*rows)[std::size_t(page->limit) - 1].id);
  return r;
}

Result<Reply> create_invitation_route(Ctx& ctx) {
  auto email = slab5::req_string(ctx.body, "email");
  auto role = slab5::req_string(ctx.body, "role");
  std::vector<slab5::FieldError> errors;
  if (!email)
    errors.push_back({"email", email.error().extra["field_errors"][0]["message"]});
  else if (auto e = check_email("email", *email); !e)
    errors.push_back({"email", "must be an email address"});
  if (!role)
    errors.push_back({"role", role.error().extra["field_errors"][0]["message"]});
  else if (!slab5::find_role(*role))
    errors.push_back({"role", "must be owner, admin, member, agent or readonly"});
  if (!errors.empty()) return tl::unexpected(slab5::validation_error(std::move(errors)));
  auto out =
      create_invitation(ctx.db, mail_settings(ctx.app), ctx.actor(), ctx.meta(), {.email = *email, .role = *role});
  if (!out) return tl::unexpected(out.error());
  return Reply::created(std::move(*out));
}

Result<Reply> revoke_invitation_route(Ctx& ctx) {
  auto s = revoke_invitation(ctx.db, ctx.actor(), ctx.meta(), ctx.param("id"));
  if (!s) return tl::unexpected(s.error());
  return Reply::no_content();
}

}  // namespace

void register_invitation_routes(App& app) {
  Router& r = app.router();
  r.bind("invitations.list", list_invitations_route);
  r.bind("invitations.create", create_invitation_route);
  r.bind("invitations.revoke", revoke_invitation_route);
}

}  // namespace slab5d
