// GET /v1/openapi.json (api.md §8.6): the document passes an independent OpenAPI 3.1 validator,
// and every response of a broad tour of the API — control plane and app plane, successes and
// refusals — validates against the operation and status it documents (tests/js, ajv).
// The node tools are npm packages pinned in tests/js/package-lock.json, installed by
// scripts/js-deps.sh; without node and npm the cases skip (exit 77), never pass.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <set>

#include "checks.hpp"
#include "harness.hpp"
#include "node_clients.hpp"
#include "slab5/api/resources.hpp"
#include "slab5/crypto.hpp"
#include "slab5/encoding.hpp"
#include "workspace_fixtures.hpp"

using namespace testing;
using fixtures::ws_api;

namespace {

std::string save_document(const Server& s, const TempDir& dir) {
  auto doc = http("GET", s.api_url + "/openapi.json");
  REQUIRE_MESSAGE(doc.status == 200, doc.body);
  std::string path = dir.file("openapi.json");
  std::ofstream(path) << doc.body;
  return path;
}

// Records every response the harness receives while alive (SLAB5_RECORD_RESPONSES).
struct Recording {
  std::string path;
  explicit Recording(const TempDir& dir) : path(dir.file("responses.jsonl")) {
    setenv("SLAB5_RECORD_RESPONSES", path.c_str(), 1);
  }
  ~Recording() { unsetenv("SLAB5_RECORD_RESPONSES"); }
};

std::string unique(const std::string& stem) { return stem + "-" + slab5::hex_encode(slab5::random_bytes(4)); }

// The control plane: auth, sessions, workspaces, modules, members, invitations, credentials,
// audit, usage, the event log and the development routes, with refusals.
void tour_control_plane(Server& s) {
  const std::string u = s.api_url;
  CHECK(http("GET", s.base_url + "/health").status == 200);
  CHECK(http("GET", s.base_url + "/.well-known/jwks.json").status == 200);
  CHECK(http("GET", u + "/openapi.json").status == 200);

  // registration and verification
  std::string email = unique("tour") + "@example.test", password = "tour-password-1";
  CHECK(api("POST", u + "/auth/register", "", {{"email", email}, {"password", password}, {"name", "Tour"}}).status ==
        202);
  check_error(api("POST", u + "/auth/register", "", {{"email", "not-an-email"}, {"password", "x"}}), 422,
              "validation_failed");
  check_error(api("POST", u + "/auth/session", "", {{"provider", "local"}, {"email", email}, {"password", password}}),
              403, "email_not_verified");
  CHECK(api("POST", u + "/auth/resend-verification", "", {{"email", email}}).status == 202);
  auto mail = http("GET", u + "/dev/mail?to=" + slab5::url_encode(email));
  REQUIRE(mail.status == 200);
  REQUIRE(!mail.json["data"].empty());
  CHECK(api("POST", u + "/auth/verify-email", "", {{"token", mail.json["data"][0]["token"]}}).status == 200);
  check_error(api("POST", u + "/auth/verify-email", "", {{"token", mail.json["data"][0]["token"]}}), 410,
              "token_expired");
  check_error(api("POST", u + "/auth/verify-email", "", {{"token", "nope"}}), 400, "invalid_request");

  // sessions
  check_error(
      api("POST", u + "/auth/session", "", {{"provider", "local"}, {"email", email}, {"password", "wrong-pw-1"}}), 401,
      "invalid_credentials");
  auto login = api("POST", u + "/auth/session", "", {{"provider", "local"}, {"email", email}, {"password", password}});
  REQUIRE_MESSAGE(login.status == 200, login.body);
  std::string access = login.json["data"]["accessToken"], personal = login.json["data"]["workspace"]["id"];
  auto refreshed = api("POST", u + "/auth/refresh", "", {{"refreshToken", login.json["data"]["refreshToken"]}});
  REQUIRE_MESSAGE(refreshed.status == 200, refreshed.body);
  access = refreshed.json["data"]["accessToken"];
  check_error(api("POST", u + "/auth/refresh", "", {{"refreshToken", "slab5_rt_nope"}}), 401, "unauthorized");
  auto other = api("POST", u + "/auth/session", "", {{"provider", "local"}, {"email", email}, {"password", password}});
  REQUIRE(other.status == 200);
  CHECK(api("GET", u + "/auth/sessions", access).status == 200);
  CHECK(api("GET", u + "/auth/sessions?limit=1", access).status == 200);
  CHECK(api("DELETE", u + "/auth/sessions/" + other.json["data"]["sessionId"].get<std::string>(), access).status ==
        204);
  check_error(api("DELETE", u + "/auth/sessions/ses_00000000000000000000000000", access), 404, "resource_not_found");
  check_error(api("GET", u + "/auth/sessions", s.token), 403, "forbidden");
  check_error(api("GET", u + "/auth/sessions", ""), 401, "unauthorized");
  CHECK(api("GET", u + "/me", access).status == 200);
  CHECK(api("GET", u + "/me", s.token).status == 200);

  // OAuth through the mock provider
  auto minted = api("POST", u + "/dev/oauth/google/id-token", "", {{"email", unique("oauth") + "@example.test"}});
  REQUIRE(minted.status == 200);
  CHECK(api("POST", u + "/auth/session", "", {{"provider", "google"}, {"idToken", minted.json["data"]["idToken"]}})
            .status == 200);
  check_error(api("POST", u + "/auth/session", "", {{"provider", "google"}, {"idToken", "x.y.z"}}), 401,
              "unauthorized");
  check_error(api("POST", u + "/dev/oauth/google/id-token", "", Json::object()), 422, "validation_failed");
  CHECK(http("GET", u + "/dev/oauth/microsoft/jwks.json").status == 200);
  check_error(http("GET", u + "/dev/oauth/github/jwks.json"), 404, "resource_not_found");

  // workspaces
  CHECK(ws_api("GET", u + "/workspace", access, personal).status == 200);
  check_error(api("GET", u + "/workspace", access), 400, "workspace_header_required");
  check_error(ws_api("GET", u + "/workspace", access, s.workspace_id), 404, "workspace_not_found");
  CHECK(ws_api("PATCH", u + "/workspace", access, personal, {{"name", "Tour's workspace"}}).status == 200);
  check_error(ws_api("PATCH", u + "/workspace", access, personal, {{"name", 5}}), 422, "validation_failed");
  CHECK(api("GET", u + "/workspaces", access).status == 200);
  std::string slug = unique("tour");
  auto created = api("POST", u + "/workspaces", access, {{"name", "Tour two"}, {"slug", slug}});
  REQUIRE_MESSAGE(created.status == 201, created.body);
  std::string second = created.json["data"]["id"];
  check_error(api("POST", u + "/workspaces", access, {{"name", "Tour three"}, {"slug", slug}}), 409, "conflict");
  CHECK(ws_api("PUT", u + "/workspace/modules/bi", access, second).status == 200);
  CHECK(ws_api("DELETE", u + "/workspace/modules/bi", access, second).status == 200);
  check_error(ws_api("DELETE", u + "/workspace", access, second, {{"confirm", "wrong"}}), 422, "validation_failed");
  CHECK(ws_api("DELETE", u + "/workspace", access, second, {{"confirm", slug}}).status == 204);
  check_error(http("PATCH", u + "/workspace", "{\"name\": \"x\"}",
                   {{"Authorization", "Bearer " + s.token}, {"Content-Type", "text/plain"}}),
              415, "unsupported_media_type");
  check_error(http("PATCH", u + "/workspace", "{not json",
                   {{"Authorization", "Bearer " + s.token}, {"Content-Type", "application/json"}}),
              400, "invalid_request");

  // members and invitations
  auto member = add_member(s, "member");
  std::string owner = fixtures::owner_session(s);
  CHECK(ws_api("GET", u + "/workspace/members", owner, s.workspace_id).status == 200);
  CHECK(
      ws_api("PATCH", u + "/workspace/members/" + member.user_id, owner, s.workspace_id, {{"role", "agent"}}).status ==
      200);
  check_error(ws_api("PATCH", u + "/workspace/members/" + member.user_id, owner, s.workspace_id, {{"role", "king"}}),
              422, "validation_failed");
  check_error(ws_api("PATCH", u + "/workspace/members/" + member.user_id, member.access_token, s.workspace_id,
                     {{"role", "owner"}}),
              403, "missing_required_scope");
  check_error(ws_api("PATCH", u + "/workspace/members/usr_00000000000000000000000000", owner, s.workspace_id,
                     {{"role", "agent"}}),
              404, "resource_not_found");
  check_error(ws_api("DELETE", u + "/workspace/members/" + fixtures::owner_id(s), member.access_token, s.workspace_id),
              403, "missing_required_scope");
  CHECK(ws_api("DELETE", u + "/workspace/members/" + member.user_id, owner, s.workspace_id).status == 204);
  std::string invitee = unique("invitee") + "@example.test";
  auto inv = api("POST", u + "/workspace/invitations", s.token, {{"email", invitee}, {"role", "readonly"}});
  REQUIRE_MESSAGE(inv.status == 201, inv.body);
  check_error(api("POST", u + "/workspace/invitations", s.token, {{"email", invitee}, {"role", "readonly"}}), 409,
              "conflict");
  check_error(api("POST", u + "/workspace/invitations", s.token, {{"email", "x"}, {"role", "x"}}), 422,
              "validation_failed");
  CHECK(api("GET", u + "/workspace/invitations", s.token).status == 200);
  CHECK(api("GET", u + "/workspace/invitations?status=all", s.token).status == 200);
  check_error(api("GET", u + "/workspace/invitations?status=bogus", s.token), 400, "invalid_request");
  CHECK(api("DELETE", u + "/workspace/invitations/" + inv.json["data"]["id"].get<std::string>(), s.token).status ==
        204);
  check_error(api("DELETE", u + "/workspace/invitations/" + inv.json["data"]["id"].get<std::string>(), s.token), 409,
              "conflict");
  check_error(api("POST", u + "/auth/accept-invite", "", {{"token", "nope"}}), 400, "invalid_request");

  // API keys and MCP clients
  for (std::string kind : {"api-keys", "mcp-clients"}) {
    std::string base = u + "/workspace/" + kind;
    auto key = api("POST", base, s.token,
                   {{"name", "tour " + kind}, {"scopes", {"crm:read"}}, {"idempotency_key", unique("k")}});
    REQUIRE_MESSAGE(key.status == 201, key.body);
    std::string id = key.json["data"]["id"];
    check_error(api("POST", base, s.token, {{"name", ""}, {"scopes", {"nope:read"}}}), 422, "validation_failed");
    CHECK(api("GET", base, s.token).status == 200);
    CHECK(api("GET", base + "?status=all&limit=1", s.token).status == 200);
    CHECK(api("GET", base + "/" + id, s.token).status == 200);
    check_error(api("GET", base + "/key_00000000000000000000000000", s.token), 404, "resource_not_found");
    CHECK(api("PATCH", base + "/" + id, s.token, {{"description", "for the tour"}}).status == 200);
    auto rotated = api("POST", base + "/" + id + "/rotate", s.token, {{"overlap_seconds", 0}});
    REQUIRE_MESSAGE(rotated.status == 201, rotated.body);
    std::string new_id = rotated.json["data"]["id"];
    CHECK(api("POST", base + "/" + new_id + "/revoke", s.token).status == 200);
    check_error(api("POST", base + "/" + new_id + "/revoke", s.token), 409, "conflict");
    check_error(api("PATCH", base + "/" + new_id, s.token, {{"name", "again"}}), 409, "conflict");
    if (kind == "mcp-clients") {
      auto mcp = api("POST", base, s.token, {{"name", "tour mcp"}, {"scopes", {"crm:read"}}});
      REQUIRE(mcp.status == 201);
      CHECK(api("GET", u + "/me", mcp.json["data"]["secret"].get<std::string>()).status == 200);
      check_error(api("GET", u + "/workspace", mcp.json["data"]["secret"].get<std::string>()), 401, "unauthorized");
      // the MCP gateway (api.md §8.5): a result, a JSON-RPC error, a protocol fault, 202, 401, 403, 405
      std::string gw = s.base_url + "/mcp/v1", t = mcp.json["data"]["secret"];
      Json ping{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}};
      CHECK(api("POST", gw, t, ping).status == 200);
      CHECK(api("POST", gw, t, {{"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/list"}}).status == 200);
      CHECK(api("POST", gw, t, {{"jsonrpc", "2.0"}, {"id", 3}, {"method", "nope"}}).status == 200);
      CHECK(api("POST", gw, t, {{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}).status == 202);
      CHECK(api("POST", gw, t, {{"id", 4}, {"method", "ping"}}).status == 400);
      check_error(api("POST", gw, s.token, ping), 401, "unauthorized");
      check_error(api("POST", gw, t, ping, {{"Origin", "https://evil.example"}}), 403, "forbidden");
      check_error(api("GET", gw, t), 405, "method_not_allowed");
      CHECK(http("GET", s.base_url + "/.well-known/oauth-protected-resource").status == 200);
    }
  }
  std::string reader = fixtures::make_key(s, {"crm:read"});
  check_error(api("GET", u + "/workspace/api-keys", reader), 403, "missing_required_scope");
  check_error(api("POST", u + "/workspace/api-keys", fixtures::make_key(s, {"settings:admin"}),
                  {{"name", "escalate"}, {"scopes", {"audit:read"}}}),
              403, "forbidden");
  std::string idem = unique("idem");
  CHECK(api("POST", u + "/workspace/api-keys", s.token,
            {{"name", "idem"}, {"scopes", {"crm:read"}}, {"idempotency_key", idem}})
            .status == 201);
  CHECK(api("POST", u + "/workspace/api-keys", s.token,
            {{"name", "idem"}, {"scopes", {"crm:read"}}, {"idempotency_key", idem}})
            .status == 201);
  check_error(api("POST", u + "/workspace/api-keys", s.token,
                  {{"name", "other"}, {"scopes", {"crm:read"}}, {"idempotency_key", idem}}),
              409, "idempotency_conflict");

  // audit, usage, events
  auto audit = api("GET", u + "/workspace/audit-events?limit=2", s.token);
  REQUIRE(audit.status == 200);
  CHECK(api("GET",
            u + "/workspace/audit-events?cursor=" + slab5::url_encode(audit.json["next_cursor"].get<std::string>()),
            s.token)
            .status == 200);
  CHECK(api("GET", u + "/workspace/audit-events?action=api_key.*&since=1h", s.token).status == 200);
  CHECK(api("GET", u + "/workspace/audit-events/" + audit.json["data"][0]["id"].get<std::string>(), s.token).status ==
        200);
  check_error(api("GET", u + "/workspace/audit-events/aud_00000000000000000000000000", s.token), 404,
              "resource_not_found");
  check_error(api("GET", u + "/workspace/audit-events?since=yesterday", s.token), 400, "invalid_request");
  check_error(api("GET", u + "/workspace/audit-events?cursor=garbage", s.token), 400, "invalid_request");
  for (std::string group : {"day", "route", "credential", "kind"})
    CHECK(api("GET", u + "/workspace/usage?group_by=" + group, s.token).status == 200);
  check_error(api("GET", u + "/workspace/usage?group_by=moon", s.token), 400, "invalid_request");
  CHECK(api("GET", u + "/workspace/usage-events?limit=3", s.token).status == 200);
  CHECK(api("GET", u + "/workspace/usage-events?kind=credential_action", s.token).status == 200);
  CHECK(api("GET", u + "/event-types", s.token).status == 200);
  CHECK(http("DELETE", u + "/dev/mail").status == 204);
  CHECK(http("GET", u + "/dev/mail").status == 200);
  // the test-suite controls (api.md §9.1)
  CHECK(http("GET", u + "/dev/clock").status == 200);
  if (on_postgres()) {
    // Refused there (docs/postgres.md): the refusal is what the document describes.
    check_error(api("POST", u + "/dev/clock", "", {{"advance", "1m"}}), 409, "conflict");
    check_error(http("DELETE", u + "/dev/clock"), 409, "conflict");
    check_error(api("POST", u + "/dev/snapshots", "", {{"name", "tour"}}), 409, "conflict");
    check_error(http("GET", u + "/dev/snapshots"), 409, "conflict");
    check_error(http("GET", u + "/dev/snapshots/tour"), 409, "conflict");
    check_error(api("POST", u + "/dev/snapshots/tour/restore", "", Json::object()), 409, "conflict");
    check_error(http("DELETE", u + "/dev/snapshots/tour"), 409, "conflict");
  } else {
    CHECK(api("POST", u + "/dev/clock", "", {{"advance", "1m"}}).status == 200);
    CHECK(api("POST", u + "/dev/clock", "", {{"freeze", true}}).status == 200);
    check_error(api("POST", u + "/dev/clock", "", {{"advance", "soon"}}), 422, "validation_failed");
    CHECK(http("DELETE", u + "/dev/clock").status == 200);
    CHECK(api("POST", u + "/dev/snapshots", "", {{"name", "tour"}}).status == 201);
    check_error(api("POST", u + "/dev/snapshots", "", {{"name", "../x"}}), 422, "validation_failed");
    CHECK(http("GET", u + "/dev/snapshots").status == 200);
    CHECK(http("GET", u + "/dev/snapshots/tour").status == 200);
    check_error(http("GET", u + "/dev/snapshots/none"), 404, "resource_not_found");
    CHECK(api("POST", u + "/dev/snapshots/tour/restore", "", Json::object()).status == 200);
    CHECK(http("DELETE", u + "/dev/snapshots/tour").status == 204);
  }

  // unknown routes and methods; logout
  check_error(http("GET", u + "/no-such-route"), 404, "resource_not_found");
  check_error(api("PUT", u + "/workspace", s.token, {{"name", "x"}}), 405, "method_not_allowed");
  CHECK(api("DELETE", u + "/auth/session", access).status == 204);
  check_error(api("GET", u + "/auth/sessions", access), 401, "unauthorized");
  CHECK(api("POST", u + "/dev/reset", "", Json::object()).status == (on_postgres() ? 409 : 204));
}

// The app plane: every served resource created from its example, read, listed, patched,
// its actions and children, deleted; then the refusals of api.md §1 and §8.1.
void tour_app_plane(Server& s) {
  const std::string u = s.api_url;
  const std::string& key = s.token;
  std::map<std::string, std::string> ids;
  for (const auto& r : slab5::api::resource_table()) {
    if (r.is_child() || !r.served || r.example.empty()) continue;
    std::string base = u + "/" + std::string(r.route);
    auto made = api("POST", base, key, Json::parse(r.example));
    REQUIRE_MESSAGE(made.status == 201, r.route << ": " << made.body);
    std::string id = made.json["data"]["id"];
    ids[std::string(r.route)] = id;
    CHECK(api("GET", base + "/" + id, key).status == 200);
    CHECK(api("GET", base + "?limit=1", key).status == 200);
    if (!r.text_fields.empty()) CHECK(api("GET", base + "?query=a&sort=created_at", key).status == 200);
    check_error(api("GET", base + "?bogus=1", key), 400, "invalid_request");
    check_error(api("POST", base, key, Json::object()), 422, "validation_failed");
    check_error(api("GET", base + "/" + std::string(r.id_prefix) + "_00000000000000000000000000", key), 404,
                "resource_not_found");
    if (r.append_only) {
      check_error(api("PATCH", base + "/" + id, key, {{"custom_fields", {{"tier", "gold"}}}}), 405,
                  "method_not_allowed");
    } else {
      CHECK(api("PATCH", base + "/" + id, key, {{"custom_fields", {{"tier", "gold"}}}}).status == 200);
      check_error(api("PATCH", base + "/" + id, key, {{"custom_fields", {{"tier", "x"}}}}, {{"If-Match", "\"99\""}}),
                  412, "precondition_failed");
      check_error(api("PATCH", base + "/" + id, key, {{"custom_fields", {{"Bad Key", 1}}}}), 422, "validation_failed");
    }
    for (const auto* child : slab5::api::children_of(r.route)) {
      std::string path = base + "/" + id + "/" + std::string(child->route);
      CHECK(api("POST", path, key, Json::parse(child->example)).status == 201);
      check_error(api("POST", path, key, Json::object()), 422, "validation_failed");
      CHECK(api("GET", path, key).status == 200);
    }
  }
  // actions
  std::string lead = ids["leads"];
  auto converted = api("POST", u + "/leads/" + lead + "/convert", key, {{"create_deal", true}, {"amount_cents", 500}});
  CHECK_MESSAGE(converted.status == 200, converted.body);
  check_error(api("POST", u + "/leads/" + lead + "/convert", key, Json::object()), 409, "conflict");
  auto plain = api("POST", u + "/leads", key, {{"name", "No deal"}});
  REQUIRE(plain.status == 201);
  CHECK(api("POST", u + "/leads/" + plain.json["data"]["id"].get<std::string>() + "/convert", key, Json::object())
            .status == 200);
  CHECK(api("POST", u + "/tasks/" + ids["tasks"] + "/complete", key, Json::object()).status == 200);
  // a stage in use cannot be deleted; a duplicate CMS slug is a conflict
  auto stages = api("GET", u + "/deal-stages", key);
  REQUIRE(stages.status == 200);
  auto deal = api("GET", u + "/deals/" + ids["deals"], key);
  REQUIRE(deal.status == 200);
  check_error(api("DELETE", u + "/deal-stages/" + deal.json["data"]["stage_id"].get<std::string>(), key), 409,
              "conflict");
  check_error(api("POST", u + "/cms-entries", key, {{"title", "Hello world"}, {"collection", "blog"}}), 409,
              "conflict");
  // deletes
  for (const auto& [route, id] : ids)
    if (route != "activities" && route != "deal-stages")
      CHECK(api("DELETE", u + "/" + route + "/" + id, key).status == 204);
  CHECK(api("DELETE", u + "/deal-stages/" + ids["deal-stages"], key).status == 204);
  check_error(api("DELETE", u + "/contacts/" + ids["contacts"], key), 404, "resource_not_found");
  // idempotent create replayed
  std::string idem = unique("idem");
  CHECK(api("POST", u + "/contacts", key, {{"name", "Once"}, {"idempotency_key", idem}}).status == 201);
  CHECK(api("POST", u + "/contacts", key, {{"name", "Once"}, {"idempotency_key", idem}}).status == 201);
  check_error(api("POST", u + "/contacts", key, {{"name", "Twice"}, {"idempotency_key", idem}}), 409,
              "idempotency_conflict");
  // the check order's refusals
  check_error(api("GET", u + "/contacts", ""), 401, "unauthorized");
  check_error(api("GET", u + "/contacts", "slab5_sk_notavalidkey"), 401, "unauthorized");
  check_error(api("POST", u + "/contacts", fixtures::make_key(s, {"crm:read"}), {{"name", "x"}}), 403,
              "missing_required_scope");
  CHECK(api("DELETE", u + "/workspace/modules/cms", key).status == 200);
  check_error(api("GET", u + "/cms-entries", key), 403, "module_not_enabled");
  CHECK(api("PUT", u + "/workspace/modules/cms", key).status == 200);
  // the event log, now that there are events
  auto events = api("GET", u + "/events?limit=2", key);
  REQUIRE(events.status == 200);
  REQUIRE(!events.json["data"].empty());
  CHECK(api("GET", u + "/events/" + events.json["data"][0]["id"].get<std::string>(), key).status == 200);
  CHECK(api("GET", u + "/events?type=deal.*", key).status == 200);
  check_error(api("GET", u + "/events?type=Bad!", key), 400, "invalid_request");
  check_error(api("GET", u + "/events/evt_00000000000000000000000000", key), 404, "resource_not_found");
  // webhook endpoints and deliveries (nothing listens on port 9: deliveries fail and retry)
  auto hook = api("POST", u + "/webhooks", key,
                  {{"name", "tour"},
                   {"url", "http://127.0.0.1:9/tour"},
                   {"event_types", {"contact.*"}},
                   {"idempotency_key", unique("whk")}});
  REQUIRE_MESSAGE(hook.status == 201, hook.body);
  std::string whk = u + "/webhooks/" + hook.json["data"]["id"].get<std::string>();
  check_error(api("POST", u + "/webhooks", key, Json::object()), 422, "validation_failed");
  CHECK(api("GET", u + "/webhooks?limit=1", key).status == 200);
  CHECK(api("GET", whk, key).status == 200);
  check_error(api("GET", u + "/webhooks/whk_00000000000000000000000000", key), 404, "resource_not_found");
  CHECK(api("PATCH", whk, key, {{"metadata", {{"team", "tour"}}}}).status == 200);
  check_error(api("PATCH", whk, key, {{"url", "nope"}}), 422, "validation_failed");
  CHECK(api("POST", whk + "/rotate-secret", key, Json::object()).status == 201);
  CHECK(api("POST", whk + "/pause", key).status == 200);
  CHECK(api("POST", whk + "/resume", key).status == 200);
  auto tested = api("POST", whk + "/test", key);
  REQUIRE_MESSAGE(tested.status == 202, tested.body);
  std::string dlv = u + "/webhook-deliveries/" + tested.json["data"]["id"].get<std::string>();
  CHECK(api("GET", whk + "/deliveries", key).status == 200);
  CHECK(api("GET", whk + "/deliveries?status=pending&limit=1", key).status == 200);
  check_error(api("GET", whk + "/deliveries?status=lost", key), 400, "invalid_request");
  CHECK(api("GET", dlv, key).status == 200);
  check_error(api("GET", u + "/webhook-deliveries/dlv_00000000000000000000000000", key), 404, "resource_not_found");
  CHECK(api("POST", dlv + "/retry", key).status == 202);
  CHECK(api("DELETE", whk, key).status == 204);
}

std::size_t count_lines(const std::string& path) {
  std::ifstream f(path);
  std::size_t n = 0;
  for (std::string line; std::getline(f, line);) n += !line.empty();
  return n;
}

}  // namespace

TEST_CASE("GET /v1/openapi.json is public and passes an OpenAPI 3.1 validator") {
  Server s({.args = {"--mock-oauth"}});
  auto r = http("GET", s.api_url + "/openapi.json");
  REQUIRE_MESSAGE(r.status == 200, r.body);
  CHECK(r.header("content-type").rfind("application/json", 0) == 0);
  CHECK(r.json["openapi"] == "3.1.0");
  auto health = http("GET", s.base_url + "/health");
  CHECK(r.json["info"]["version"] == health.json["version"]);
  CHECK(r.json["servers"][0]["url"] == s.base_url);
  CHECK(r.json["paths"].contains("/v1/dev/mail"));
  CHECK(r.json["paths"]["/v1/contacts"]["post"]["x-required-scope"] == "crm:write");
  CHECK(r.json["paths"]["/v1/contacts"]["post"]["x-module"] == "crm");
  CHECK(r.json["paths"]["/v1/workspace/api-keys"]["get"]["x-required-scope"] == "settings:admin");
  CHECK_FALSE(r.json["paths"]["/v1/workspace/api-keys"]["get"].contains("x-module"));
  CHECK(r.json["paths"]["/v1/auth/session"]["post"]["security"] == Json::array());
  // The same document again: it is built once per process.
  CHECK(http("GET", s.api_url + "/openapi.json").body == r.body);

  if (!js_deps_ready()) return;
  TempDir dir;
  auto out = run_node("validate-openapi.mjs", {save_document(s, dir)});
  CHECK_MESSAGE(out.exit_code == 0, out.out << out.err);
}

TEST_CASE("with --no-dev-routes the document leaves out the development routes") {
  Server s({.args = {"--no-dev-routes"}});
  auto r = http("GET", s.api_url + "/openapi.json");
  REQUIRE(r.status == 200);
  CHECK_FALSE(r.json["paths"].contains("/v1/dev/mail"));
  CHECK_FALSE(r.json["paths"].contains("/v1/dev/oauth/{provider}/id-token"));
  CHECK(r.json["paths"].contains("/v1/contacts"));
}

TEST_CASE("every response of a tour of the whole API matches the OpenAPI document") {
  if (!js_deps_ready()) return;
  TempDir dir;
  // The tour makes a few hundred requests in one workspace within a second or two on a fast
  // machine, past the default burst; the 429 is checked on its own server below.
  Server s({.args = {"--mock-oauth", "--rate-limit", "off"}});
  std::string recorded;
  {
    Recording rec(dir);
    recorded = rec.path;
    tour_control_plane(s);
    tour_app_plane(s);
  }
  // A workspace's rate limit: its 429.
  {
    Server limited({.args = {"--rate-limit", "1/s"}});
    Recording rec(dir);
    long last = 0;
    for (int i = 0; i < 10 && last != 429; ++i) last = api("GET", limited.api_url + "/workspace", limited.token).status;
    CHECK(last == 429);
  }
  std::size_t n = count_lines(recorded);
  CHECK(n > 200);
  auto out = run_node("validate-responses.mjs", {save_document(s, dir), recorded});
  MESSAGE(out.out);
  CHECK_MESSAGE(out.exit_code == 0, out.out << out.err);
}

TEST_CASE("the response check fails on a body, a status or a path the document does not have") {
  if (!js_deps_ready()) return;
  TempDir dir;
  Server s;
  std::string doc = save_document(s, dir), lines = dir.file("bad.jsonl");
  auto line = [&](std::string method, std::string path, int status, Json body) {
    return Json{{"method", method}, {"url", s.api_url + path},
                {"status", status}, {"content_type", "application/json"},
                {"body", body},     {"json", true}}
        .dump();
  };
  Json workspace = http("GET", s.api_url + "/workspace", "", {{"Authorization", "Bearer " + s.token}}).json;
  REQUIRE(workspace.contains("data"));
  {
    std::ofstream f(lines);
    f << line("GET", "/workspace", 200, workspace) << "\n";  // a real answer: matches
    Json missing = workspace;
    missing["data"].erase("slug");
    f << line("GET", "/workspace", 200, missing) << "\n";  // a required field missing
    Json extra = workspace;
    extra["data"]["secret"] = "x";
    f << line("GET", "/workspace", 200, extra) << "\n";      // a field the schema does not have
    f << line("GET", "/workspace", 418, workspace) << "\n";  // a status it does not document
    f << line("GET", "/contacts", 403,
              {{"error",
                {{"code", "forbidden"},
                 {"message", "m"},
                 {"request_id", "req_01jabcdefghjkmnpqrstvwxyz0"},
                 {"docs_url", "https://docs.slab5.com/api/errors#forbidden"}}}})
      << "\n";                                             // a code the operation cannot give
    f << line("GET", "/nowhere", 200, workspace) << "\n";  // a path with no operation
  }
  auto out = run_node("validate-responses.mjs", {doc, lines});
  CHECK(out.exit_code == 1);
  INFO(out.out << out.err);
  CHECK(out.out.find("1 of 6 responses match") != std::string::npos);
  CHECK(out.err.find("must have required property 'slug'") != std::string::npos);
  CHECK(out.err.find("must NOT have additional properties") != std::string::npos);
  CHECK(out.err.find("documents no 418 response") != std::string::npos);
  CHECK(out.err.find("must be equal to one of the allowed values") != std::string::npos);
  CHECK(out.err.find("no operation has this path") != std::string::npos);
}
