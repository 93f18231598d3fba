// What the control-plane routes (api.md §2-§7, §8.3's event log, §9) take and answer, keyed by
// route id: the part of the OpenAPI document (openapi.cpp) that the resource table cannot
// give. Each object here mirrors the JSON that slab5d's handlers and domain write (server/api,
// server/domain); tests/integration/test_openapi.cpp validates real responses against them.
#include <map>

#include "slab5/access.hpp"
#include "slab5/api/openapi.hpp"

namespace slab5::api {

using Json = nlohmann::json;

namespace {

Json str() { return Json{{"type", "string"}}; }
Json str(std::string description) { return Json{{"type", "string"}, {"description", std::move(description)}}; }
Json time() { return Json{{"type", "string"}, {"format", "date-time"}}; }
Json nullable_time() { return Json{{"type", {"string", "null"}}, {"format", "date-time"}}; }
Json nullable_str() { return Json{{"type", {"string", "null"}}}; }
Json integer(std::int64_t min = 0) { return Json{{"type", "integer"}, {"minimum", min}}; }
Json boolean() { return Json{{"type", "boolean"}}; }
Json id(std::string_view prefix) {
  return Json{{"type", "string"}, {"pattern", "^" + std::string(prefix) + "_[0-9a-z]{26}$"}};
}
Json schema_ref(std::string_view name) { return Json{{"$ref", "#/components/schemas/" + std::string(name)}}; }
Json array(Json items) { return Json{{"type", "array"}, {"items", std::move(items)}}; }
Json enumeration(std::vector<std::string> values) { return Json{{"type", "string"}, {"enum", std::move(values)}}; }

// A closed object: every property listed, `required` present.
Json object(Json props, std::vector<std::string> required) {
  Json o{{"type", "object"}, {"properties", std::move(props)}, {"additionalProperties", false}};
  if (!required.empty()) o["required"] = std::move(required);
  return o;
}
// An input object: unknown fields are ignored by slab5d (api.md §1), so they are allowed.
Json input(Json props, std::vector<std::string> required) {
  Json o{{"type", "object"}, {"properties", std::move(props)}};
  if (!required.empty()) o["required"] = std::move(required);
  return o;
}

Json actor() { return object({{"type", str()}, {"id", str()}}, {"type", "id"}); }

std::vector<std::string> role_names() {
  std::vector<std::string> out;
  for (const auto& r : role_table()) out.emplace_back(r.role);
  return out;
}
std::vector<std::string> module_names() {
  std::vector<std::string> out;
  for (const auto& m : module_table()) out.emplace_back(m.id);
  return out;
}

Json idempotency_key() {
  return Json{
      {"type", "string"},
      {"minLength", 1},
      {"maxLength", 255},
      {"description", "Makes the create safe to retry (kept 24 hours); the Idempotency-Key header is an alias."}};
}

Json snapshot_name() {
  return Json{{"type", "string"},
              {"pattern", "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"},
              {"description", "1-64 letters, digits, '.', '_' and '-', starting with a letter or digit."}};
}

Json time_query() { return str("A time (RFC 3339) or a relative form (15m, 1h, 7d)."); }

ControlSchema credential_schema(std::string op, bool mcp) {
  std::string noun = mcp ? "MCP client" : "API key";
  std::string object_name = mcp ? "McpClient" : "ApiKey";
  Json scopes = array(enumeration(all_scopes()));
  scopes["minItems"] = 1;
  scopes["uniqueItems"] = true;
  if (op == "list")
    return {.data = schema_ref(object_name),
            .list = true,
            .query = {{"status",
                       {{"type", "string"}, {"enum", {"active", "revoked", "expired", "all"}}, {"default", "active"}}}},
            .summary = "List the workspace's " + noun + "s"};
  if (op == "create")
    return {.status = 201,
            .data = schema_ref(object_name + "WithSecret"),
            .request = input({{"name", {{"type", "string"}, {"minLength", 1}, {"maxLength", 100}}},
                              {"scopes", scopes},
                              {"description", str()},
                              {"expires_at", time()},
                              {"idempotency_key", idempotency_key()}},
                             {"name", "scopes"}),
            .errors = {"forbidden", "validation_failed"},
            .summary = "Create an " + noun + " (its secret is shown once)"};
  if (op == "get") return {.data = schema_ref(object_name), .summary = "Show an " + noun};
  if (op == "update")
    return {.data = schema_ref(object_name),
            .request = input({{"name", {{"type", "string"}, {"minLength", 1}, {"maxLength", 100}}},
                              {"description", str()},
                              {"scopes", scopes},
                              {"expires_at", nullable_time()}},
                             {}),
            .errors = {"forbidden", "conflict", "validation_failed"},
            .summary = "Edit an " + noun};
  if (op == "rotate")
    return {.status = 201,
            .data = schema_ref(object_name + "WithSecret"),
            .request = input(
                {{"overlap_seconds", {{"type", "integer"}, {"minimum", 0}, {"maximum", 604800}, {"default", 86400}}},
                 {"idempotency_key", idempotency_key()}},
                {}),
            .errors = {"forbidden", "conflict", "validation_failed"},
            .summary = "Rotate an " + noun + ": a new secret; the old one expires after the overlap"};
  // revoke
  return {.data = schema_ref(object_name), .errors = {"forbidden", "conflict"}, .summary = "Revoke an " + noun};
}

std::map<std::string, ControlSchema, std::less<>> build() {
  std::map<std::string, ControlSchema, std::less<>> t;
  Json role = enumeration(role_names());
  Json login_body = input({{"provider", enumeration({"local", "google", "microsoft"})},
                           {"email", {{"type", "string"}, {"format", "email"}}},
                           {"password", str()},
                           {"idToken", str("The provider's ID token (google, microsoft).")},
                           {"workspaceId", id("wrk")}},
                          {"provider"});

  t["health"] = {.data = schema_ref("Health"), .raw = true, .summary = "Whether slab5d and its database answer"};
  t["jwks"] = {.data = schema_ref("Jwks"),
               .raw = true,
               .content_type = "application/jwk-set+json",
               .summary = "The public keys that verify session tokens"};
  t["openapi"] = {.data = Json{{"type", "object"},
                               {"properties",
                                {{"openapi", {{"type", "string"}, {"pattern", "^3\\.1\\.\\d+$"}}},
                                 {"info", {{"type", "object"}}},
                                 {"paths", {{"type", "object"}}},
                                 {"components", {{"type", "object"}}}}},
                               {"required", {"openapi", "info", "paths", "components"}}},
                  .raw = true,
                  .summary = "This OpenAPI document"};
  // The asset byte routes (api.md §8.2): public, the signed URL is the credential.
  const Json signed_query = {
      {"workspace", {{"type", "string"}, {"description", "The asset's workspace (part of the signed URL)."}}},
      {"expires", {{"type", "string"}, {"description", "Unix time the URL stops working (signed)."}}},
      {"signature",
       {{"type", "string"}, {"description", "HMAC-SHA256 of the URL's method, workspace, id and expiry."}}}};
  t["assets.upload"] = {.data = schema_ref("Asset"),
                        .request = Json{{"type", "string"}, {"contentMediaType", "application/octet-stream"}},
                        .request_content_type = "*/*",
                        .request_required = true,
                        .query = signed_query,
                        .extra_query_required = {"workspace", "expires", "signature"},
                        .errors = {"unauthorized", "forbidden", "module_not_enabled", "resource_not_found", "conflict",
                                   "validation_failed", "payload_too_large"},
                        .summary = "Upload an asset's bytes to its signed URL (exactly byte_size bytes of mime_type)"};
  // The bytes are sent as the asset's own mime_type (image/png, …): any media type.
  t["assets.download"] = {
      .data = Json{{"type", "string"}, {"description", "The asset's bytes, sent with its mime_type as Content-Type."}},
      .raw = true,
      .content_type = "*/*",
      .query = signed_query,
      .extra_query_required = {"workspace", "expires", "signature"},
      .also = {{206, "The requested byte range (Range: bytes=a-b)"},
               {304, "Not modified (If-None-Match matched the ETag)"}},
      .headers = {{"ETag", "The bytes' SHA-256, quoted."},
                  {"Content-Range", "On 206: bytes a-b/size."},
                  {"Accept-Ranges", "bytes"}},
      .errors = {"unauthorized", "forbidden", "module_not_enabled", "resource_not_found", "conflict",
                 "range_not_satisfiable"},
      .summary = "Download an asset's bytes from its signed URL, whole or a range"};
  t["auth.register"] = {.status = 202,
                        .data = schema_ref("VerificationSent"),
                        .request = input({{"email", {{"type", "string"}, {"format", "email"}}},
                                          {"password", {{"type", "string"}, {"minLength", 8}, {"maxLength", 1024}}},
                                          {"name", str()}},
                                         {"email", "password"}),
                        .errors = {"validation_failed"},
                        .summary = "Create an account (a verification mail is sent)"};
  t["auth.verify_email"] = {.data = object({{"user", schema_ref("User")}}, {"user"}),
                            .request = input({{"token", str()}}, {"token"}),
                            .errors = {"invalid_request", "token_expired", "validation_failed"},
                            .summary = "Verify an email address with the token from the mail"};
  t["auth.resend_verification"] = {.status = 202,
                                   .data = schema_ref("VerificationSent"),
                                   .request = input({{"email", {{"type", "string"}, {"format", "email"}}}}, {"email"}),
                                   .errors = {"validation_failed"},
                                   .summary = "Send the verification mail again"};
  t["auth.login"] = {.data = schema_ref("SessionGrant"),
                     .request = login_body,
                     .errors = {"invalid_credentials", "email_not_verified", "too_many_attempts", "unauthorized",
                                "workspace_not_found", "validation_failed"},
                     .summary = "Sign in (local password, or a Google or Microsoft ID token)"};
  t["auth.refresh"] = {.data = schema_ref("SessionGrant"),
                       .request = input({{"refreshToken", str()}}, {"refreshToken"}),
                       .errors = {"unauthorized", "validation_failed"},
                       .summary = "Exchange a refresh token for new tokens (the refresh token rotates)"};
  t["auth.logout"] = {.status = 204, .summary = "Sign out: revoke this session"};
  t["auth.sessions.list"] = {.data = schema_ref("Session"), .list = true, .summary = "The user's active sessions"};
  t["auth.sessions.revoke"] = {.status = 204, .summary = "Revoke one of the user's sessions"};
  t["auth.accept_invite"] = {
      .data = schema_ref("SessionGrant"),
      .request = input({{"token", str()},
                        {"password", {{"type", "string"}, {"minLength", 8}, {"maxLength", 1024}}},
                        {"name", str()}},
                       {"token"}),
      .errors = {"invalid_request", "token_expired", "conflict", "validation_failed"},
      .summary = "Accept an invitation (creating the account when needed)"};
  t["me"] = {.data = Json{{"oneOf", {schema_ref("SessionUser"), schema_ref("CredentialSelf")}}},
             .summary = "Who the token is: the user and their memberships, or the credential"};

  t["workspace.get"] = {.data = schema_ref("Workspace"), .summary = "The workspace"};
  t["workspace.update"] = {.data = schema_ref("Workspace"),
                           .request = input({{"name", {{"type", "string"}, {"minLength", 1}}},
                                             {"id", str("Ignored when it is the current id.")},
                                             {"slug", str("Ignored when it is the current slug.")}},
                                            {"name"}),
                           .errors = {"validation_failed"},
                           .summary = "Rename the workspace"};
  t["workspace.delete"] = {.status = 204,
                           .request = input({{"confirm", str("The workspace's slug.")}}, {}),
                           .query = {{"confirm", str("The workspace's slug (for clients that cannot send a body).")}},
                           .errors = {"validation_failed"},
                           .summary = "Delete the workspace and all its data"};
  t["workspaces.list"] = {.data = schema_ref("WorkspaceWithRole"), .list = true, .summary = "The user's workspaces"};
  t["workspaces.create"] = {.status = 201,
                            .data = schema_ref("WorkspaceWithRole"),
                            .request = input({{"name", {{"type", "string"}, {"minLength", 1}}},
                                              {"slug", {{"type", "string"}, {"pattern", "^[a-z0-9-]{3,48}$"}}},
                                              {"idempotency_key", idempotency_key()}},
                                             {"name"}),
                            .errors = {"conflict", "validation_failed"},
                            .summary = "Create a workspace (the caller becomes its owner)"};
  t["workspace.modules.enable"] = {
      .data = schema_ref("Workspace"), .errors = {"validation_failed"}, .summary = "Enable a module"};
  t["workspace.modules.disable"] = {
      .data = schema_ref("Workspace"), .errors = {"validation_failed"}, .summary = "Disable a module"};

  t["members.list"] = {.data = schema_ref("Member"), .list = true, .summary = "The workspace's members"};
  t["members.update"] = {.data = schema_ref("Member"),
                         .request = input({{"role", role}}, {"role"}),
                         .errors = {"forbidden", "conflict", "validation_failed"},
                         .summary = "Change a member's role"};
  t["members.remove"] = {.status = 204,
                         .errors = {"forbidden", "conflict", "missing_required_scope"},
                         .summary = "Remove a member (or leave the workspace)"};
  t["invitations.list"] = {.data = schema_ref("Invitation"),
                           .list = true,
                           .query = {{"status",
                                      {{"type", "string"},
                                       {"enum", {"pending", "accepted", "revoked", "expired", "all"}},
                                       {"default", "pending"}}}},
                           .summary = "The workspace's invitations"};
  t["invitations.create"] = {.status = 201,
                             .data = schema_ref("Invitation"),
                             .request = input({{"email", {{"type", "string"}, {"format", "email"}}},
                                               {"role", role},
                                               {"idempotency_key", idempotency_key()}},
                                              {"email", "role"}),
                             .errors = {"forbidden", "conflict", "validation_failed"},
                             .summary = "Invite someone by email"};
  t["invitations.revoke"] = {.status = 204, .errors = {"forbidden", "conflict"}, .summary = "Revoke an invitation"};

  for (std::string op : {"list", "create", "get", "update", "rotate", "revoke"}) {
    t["api_keys." + op] = credential_schema(op, false);
    t["mcp_clients." + op] = credential_schema(op, true);
  }

  t["audit_events.list"] = {.data = schema_ref("AuditEvent"),
                            .list = true,
                            .query = {{"action", str("An action (api_key.created) or a prefix (api_key.*).")},
                                      {"actor_id", str()},
                                      {"target_id", str()},
                                      {"request_id", str()},
                                      {"since", time_query()},
                                      {"until", time_query()}},
                            .summary = "The audit log, newest first"};
  t["audit_events.get"] = {.data = schema_ref("AuditEvent"), .summary = "One audit event"};
  t["usage.summary"] = {
      .data = array(schema_ref("UsageRow")),
      .query = {{"since", time_query()},
                {"until", time_query()},
                {"group_by",
                 {{"type", "string"}, {"enum", {"day", "route", "credential", "kind"}}, {"default", "day"}}}},
      .summary = "Usage totals grouped by day, route, credential or kind"};
  t["usage_events.list"] = {.data = schema_ref("UsageEvent"),
                            .list = true,
                            .query = {{"since", time_query()},
                                      {"until", time_query()},
                                      {"kind", enumeration({"api_request", "credential_action", "webhook_delivery"})},
                                      {"credential_id", str()}},
                            .summary = "Raw usage events, newest first"};

  t["events.list"] = {
      .data = schema_ref("Event"),
      .list = true,
      .query = {{"type", str("An event type (contact.created) or a prefix (deal.*).")}, {"since", time_query()}},
      .summary = "The workspace's events (kept 30 days), newest first"};
  t["events.get"] = {.data = schema_ref("Event"), .summary = "One event"};
  t["events.stream"] = {
      .data = {{"type", "string"},
               {"description", "Server-Sent Events: `id:` the event id, `event:` its type, `data:` the event JSON."}},
      .raw = true,
      .content_type = "text/event-stream",
      .query = {{"types", str("Comma-separated event types (contact.created) or prefixes (deal.*).")}},
      .summary = "The workspace's events as they commit (Last-Event-ID resumes)"};
  t["event_types.list"] = {.data = array(schema_ref("EventType")),
                           .summary = "Every event type, with the schema of its data"};

  // webhooks (api.md §8.3)
  {
    Json types = array(str("An event type (contact.created), a prefix (deal.*) or *."));
    types["minItems"] = 1;
    Json name = {{"type", "string"}, {"minLength", 1}, {"maxLength", 200}};
    Json url = {{"type", "string"}, {"format", "uri"}, {"description", "An http or https URL."}};
    Json attempts = {{"type", "integer"}, {"minimum", 1}, {"maximum", 10}, {"default", 5}};
    Json metadata = {{"type", {"object", "null"}}};
    std::vector<std::string> bad_input{"validation_failed"};
    t["webhooks.list"] = {
        .data = schema_ref("WebhookEndpoint"), .list = true, .summary = "The workspace's webhook endpoints"};
    t["webhooks.create"] = {.status = 201,
                            .data = schema_ref("WebhookEndpointWithSecret"),
                            .request = input({{"name", name},
                                              {"url", url},
                                              {"event_types", types},
                                              {"max_attempts", attempts},
                                              {"metadata", metadata},
                                              {"idempotency_key", idempotency_key()}},
                                             {"name", "url", "event_types"}),
                            .errors = bad_input,
                            .summary = "Create a webhook endpoint (its signing secret is shown once)"};
    t["webhooks.get"] = {.data = schema_ref("WebhookEndpoint"), .summary = "One webhook endpoint"};
    t["webhooks.update"] = {
        .data = schema_ref("WebhookEndpoint"),
        .request = input(
            {{"name", name}, {"url", url}, {"event_types", types}, {"max_attempts", attempts}, {"metadata", metadata}},
            {}),
        .errors = bad_input,
        .summary = "Change a webhook endpoint (a JSON merge patch)"};
    t["webhooks.delete"] = {.status = 204, .summary = "Delete a webhook endpoint and its deliveries"};
    t["webhooks.rotate_secret"] = {
        .status = 201,
        .data = schema_ref("WebhookEndpointWithSecret"),
        .request = input({{"idempotency_key", idempotency_key()}}, {}),
        .summary = "A new signing secret (shown once); the old one keeps signing for 24 hours"};
    t["webhooks.pause"] = {.data = schema_ref("WebhookEndpoint"), .summary = "Stop delivering to the endpoint"};
    t["webhooks.resume"] = {.data = schema_ref("WebhookEndpoint"),
                            .summary = "Deliver to the endpoint again (also re-enables a disabled one)"};
    t["webhooks.test"] = {.status = 202,
                          .data = schema_ref("WebhookDelivery"),
                          .summary = "Send a webhook.test event to this endpoint only"};
    t["webhooks.deliveries.list"] = {
        .data = schema_ref("WebhookDelivery"),
        .list = true,
        .query = {{"status", enumeration({"pending", "retrying", "succeeded", "failed"})}, {"event_id", id("evt")}},
        .summary = "The endpoint's deliveries, newest first"};
    t["webhook_deliveries.get"] = {.data = schema_ref("WebhookDelivery"), .summary = "One delivery, every attempt"};
    t["webhook_sources.list"] = {
        .data = schema_ref("WebhookSource"), .list = true, .summary = "The workspace's inbound webhook sources"};
    t["webhook_sources.create"] = {
        .status = 201,
        .data = schema_ref("WebhookSourceWithSecret"),
        .request =
            input({{"name", name},
                   {"kind", enumeration({"slab5", "standard"})},
                   {"activity_type", {{"type", "string"}, {"pattern", "^[a-z_]{1,40}$"}, {"default", "webhook"}}},
                   {"idempotency_key", idempotency_key()}},
                  {"name", "kind"}),
        .errors = bad_input,
        .summary = "Create an inbound webhook source (its signing secret is shown once)"};
    t["webhook_sources.get"] = {.data = schema_ref("WebhookSource"), .summary = "One inbound webhook source"};
    t["webhook_sources.delete"] = {.status = 204, .summary = "Delete an inbound webhook source"};
    t["webhooks.inbound"] = {
        .data = object(
            {{"received", boolean()}, {"duplicate", boolean()}, {"activity_id", id("act")}, {"event_id", id("evt")}},
            {"received", "duplicate"}),
        .request = {{"description", "Any body (at most 1 MiB, any content type), signed with the source's secret."}},
        .request_content_type = "*/*",
        .errors = {"webhook_signature_invalid"},
        .summary = "Receive a signed message for an inbound source (no bearer token: the signature is checked)"};
    t["webhook_deliveries.retry"] = {
        .status = 202, .data = schema_ref("WebhookDelivery"), .summary = "Send the delivery again now"};
  }

  // the MCP gateway (api.md §8.5): JSON-RPC 2.0 over Streamable HTTP
  {
    Json id{{"type", {"string", "integer"}}};
    Json rpc_error =
        object({{"jsonrpc", enumeration({"2.0"})},
                {"id", {{"type", {"string", "integer", "null"}}}},
                {"error", input({{"code", {{"type", "integer"}}}, {"message", str()}}, {"code", "message"})}},
               {"jsonrpc", "id", "error"});
    Json rpc_result = object({{"jsonrpc", enumeration({"2.0"})}, {"id", id}, {"result", {{"type", "object"}}}},
                             {"jsonrpc", "id", "result"});
    t["mcp"] = {.data = {{"oneOf", {rpc_result, rpc_error}}},
                .raw = true,
                .request = input({{"jsonrpc", enumeration({"2.0"})},
                                  {"id", id},
                                  {"method", str("initialize, ping, tools/list, tools/call, or a notification.")},
                                  {"params", {{"type", "object"}}}},
                                 {"jsonrpc"}),
                .request_required = true,
                .also = {{202, "A notification or a response: accepted, nothing to answer"}},
                .headers = {},
                .errors = {"forbidden"},
                .summary = "One MCP JSON-RPC message (Streamable HTTP, stateless)",
                .protocol_error = rpc_error,
                .protocol_error_statuses = {400},
                .also_content = {{"text/event-stream",
                                  str("One `message` event holding the JSON-RPC response (when the client accepts only "
                                      "text/event-stream).")}}};
    t["mcp.protected_resource"] = {.data = input({{"resource", str("The MCP gateway's URL.")},
                                                  {"resource_name", str()},
                                                  {"bearer_methods_supported", array(str())},
                                                  {"scopes_supported", array(str())},
                                                  {"resource_documentation", str()}},
                                                 {"resource"}),
                                   .raw = true,
                                   .summary = "OAuth protected resource metadata of the MCP gateway (RFC 9728)"};
  }

  t["dev.mail.list"] = {.data = array(schema_ref("DevMail")),
                        .query = {{"to", str("Only mail to this address.")}},
                        .summary = "The development mailbox (mail slab5d would have sent)"};
  t["dev.mail.clear"] = {.status = 204, .summary = "Empty the development mailbox"};
  t["dev.oauth.id_token"] = {.data = object({{"idToken", str()}}, {"idToken"}),
                             .request = input({{"email", {{"type", "string"}}},
                                               {"email_verified", boolean()},
                                               {"name", str()},
                                               {"aud", str()},
                                               {"tid", str()}},
                                              {"email"}),
                             .errors = {"resource_not_found", "validation_failed"},
                             .summary = "Mint an ID token from the mock OAuth provider"};
  t["dev.oauth.jwks"] = {.data = schema_ref("Jwks"),
                         .raw = true,
                         .errors = {"resource_not_found"},
                         .summary = "The mock OAuth provider's JWKS"};
  // The test-suite controls (api.md §9.1).
  t["dev.clock.get"] = {.data = schema_ref("DevClock"), .summary = "The server clock"};
  t["dev.clock.set"] = {
      .data = schema_ref("DevClock"),
      .request = input({{"advance", str("A duration (90s, 15m, 1h, 7d, 2w) to move the clock by; '-' moves it back.")},
                        {"set", {{"type", "string"}, {"format", "date-time"}}},
                        {"freeze", boolean()}},
                       {}),
      .request_required = true,
      .errors = {"validation_failed", "conflict"},
      .summary = "Advance, set, freeze or unfreeze the server clock"};
  // conflict: refused on a PostgreSQL database, which several instances may share.
  t["dev.clock.reset"] = {
      .data = schema_ref("DevClock"), .errors = {"conflict"}, .summary = "Return the server clock to real time"};
  t["dev.snapshots.list"] = {
      .data = array(schema_ref("DevSnapshot")), .errors = {"conflict"}, .summary = "The saved snapshots, by name"};
  t["dev.snapshots.create"] = {.status = 201,
                               .data = schema_ref("DevSnapshot"),
                               .request = input({{"name", snapshot_name()}}, {"name"}),
                               .request_required = true,
                               .errors = {"validation_failed", "conflict"},
                               .summary = "Save the whole state under a name (replacing a snapshot of that name)"};
  t["dev.snapshots.get"] = {
      .data = schema_ref("DevSnapshot"), .errors = {"resource_not_found", "conflict"}, .summary = "One snapshot"};
  t["dev.snapshots.delete"] = {
      .status = 204, .errors = {"resource_not_found", "conflict"}, .summary = "Delete a snapshot"};
  t["dev.snapshots.restore"] = {.data = schema_ref("DevSnapshot"),
                                .errors = {"resource_not_found", "conflict"},
                                .summary = "Bring back the state saved under the name"};
  t["dev.reset"] = {.status = 204,
                    .errors = {"conflict"},
                    .summary = "Return to the first-start state: the same owner, workspace and first-start key"};
  return t;
}

}  // namespace

std::optional<ControlSchema> control_schema(std::string_view route_id) {
  static const auto table = build();
  auto it = table.find(route_id);
  if (it == table.end()) return std::nullopt;
  return it->second;
}

Json control_components() {
  Json s = Json::object();
  s["Health"] =
      object({{"status", enumeration({"ok"})}, {"version", str()}, {"schema_version", integer()}, {"time", time()}},
             {"status", "version", "schema_version", "time"});
  s["Jwks"] =
      Json{{"type", "object"},
           {"properties",
            {{"keys", array(Json{{"type", "object"},
                                 {"properties", {{"kty", str()}, {"kid", str()}, {"alg", str()}, {"use", str()}}},
                                 {"required", {"kty"}}})}}},
           {"required", {"keys"}}};
  s["VerificationSent"] =
      object({{"status", enumeration({"verification_sent"})}, {"email", str()}}, {"status", "email"});
  s["User"] =
      object({{"id", id("usr")},
              {"email", str()},
              {"name", str()},
              {"tenant_id", id("ten")},
              {"email_verified", boolean()},
              {"email_verified_at", nullable_time()},
              {"created_at", time()},
              {"updated_at", time()}},
             {"id", "email", "name", "tenant_id", "email_verified", "email_verified_at", "created_at", "updated_at"});
  Json ws_props{{"id", id("wrk")},
                {"slug", str()},
                {"name", str()},
                {"tenant_id", id("ten")},
                {"enabled_modules", array(enumeration(module_names()))},
                {"created_at", time()},
                {"updated_at", time()}};
  std::vector<std::string> ws_required{"id",         "slug",      "name", "tenant_id", "enabled_modules",
                                       "created_at", "updated_at"};
  s["Workspace"] = object(ws_props, ws_required);
  ws_props["role"] = enumeration(role_names());
  ws_required.push_back("role");
  s["WorkspaceWithRole"] = object(ws_props, ws_required);
  s["Session"] = object({{"id", id("ses")},
                         {"workspace_id", {{"type", {"string", "null"}}}},
                         {"created_at", time()},
                         {"last_used_at", nullable_time()},
                         {"expires_at", time()},
                         {"revoked_at", time()},
                         {"user_agent", str()},
                         {"ip", str()},
                         {"current", boolean()}},
                        {"id", "workspace_id", "created_at", "last_used_at", "expires_at", "user_agent", "ip"});
  s["SessionGrant"] =
      object({{"accessToken", str("A session JWT (ES256).")},
              {"refreshToken", str("slab5_rt_…: single use, 30 days.")},
              {"tokenType", enumeration({"Bearer"})},
              {"expiresIn", integer(1)},
              {"sessionId", id("ses")},
              {"user", schema_ref("User")},
              {"workspace", {{"oneOf", {schema_ref("WorkspaceWithRole"), {{"type", "null"}}}}}}},
             {"accessToken", "refreshToken", "tokenType", "expiresIn", "sessionId", "user", "workspace"});
  s["SessionUser"] = object(
      {{"user", schema_ref("User")},
       {"memberships", array(object({{"workspace", schema_ref("Workspace")}, {"role", enumeration(role_names())}},
                                    {"workspace", "role"}))},
       {"session", {{"oneOf", {schema_ref("Session"), {{"type", "null"}}}}}}},
      {"user", "memberships", "session"});
  s["CredentialSelf"] =
      object({{"credential", object({{"type", enumeration({"api_key", "mcp_client"})},
                                     {"id", str()},
                                     {"name", str()},
                                     {"prefix", str()},
                                     {"scopes", array(str())},
                                     {"workspace_id", id("wrk")},
                                     {"expires_at", nullable_time()}},
                                    {"type", "id", "name", "prefix", "scopes", "workspace_id", "expires_at"})}},
             {"credential"});
  s["Member"] = object({{"user_id", id("usr")},
                        {"email", str()},
                        {"name", str()},
                        {"role", enumeration(role_names())},
                        {"joined_at", time()}},
                       {"user_id", "email", "name", "role", "joined_at"});
  s["Invitation"] = object(
      {{"id", id("inv")},
       {"workspace_id", id("wrk")},
       {"email", str()},
       {"role", enumeration(role_names())},
       {"status", enumeration({"pending", "accepted", "revoked", "expired"})},
       {"invited_by", actor()},
       {"expires_at", time()},
       {"created_at", time()},
       {"accepted_at", nullable_time()}},
      {"id", "workspace_id", "email", "role", "status", "invited_by", "expires_at", "created_at", "accepted_at"});
  for (bool mcp : {false, true}) {
    std::string name = mcp ? "McpClient" : "ApiKey";
    Json props{{"id", id(mcp ? "mcp" : "key")},
               {"name", str()},
               {"description", str()},
               {"prefix", str()},
               {"status", enumeration({"active", "revoked", "expired"})},
               {"scopes", array(str())},
               {"created_at", time()},
               {"updated_at", time()},
               {"last_used_at", nullable_time()},
               {"expires_at", nullable_time()},
               {"revoked_at", nullable_time()},
               {"created_by", actor()}};
    std::vector<std::string> required{"id",           "name",       "description", "prefix",
                                      "status",       "scopes",     "created_at",  "updated_at",
                                      "last_used_at", "expires_at", "revoked_at",  "created_by"};
    s[name] = object(props, required);
    props["secret"] = str(std::string("The raw token (") + (mcp ? "slab5_mcp_" : "slab5_sk_") + "…): shown only here.");
    required.push_back("secret");
    s[name + "WithSecret"] = object(props, required);
  }
  s["AuditEvent"] =
      object({{"id", id("aud")},
              {"workspace_id", nullable_str()},
              {"tenant_id", nullable_str()},
              {"action", str()},
              {"actor", actor()},
              {"target", {{"oneOf", {actor(), {{"type", "null"}}}}}},
              {"source", str()},
              {"route", str()},
              {"status", integer()},
              {"request_id", str()},
              {"correlation_id", str()},
              {"ip", str()},
              {"user_agent", str()},
              {"input_hash", str()},
              {"before", Json::object()},
              {"after", Json::object()},
              {"created_at", time()}},
             {"id", "workspace_id", "tenant_id", "action", "actor", "target", "source", "route", "status", "request_id",
              "correlation_id", "ip", "user_agent", "input_hash", "before", "after", "created_at"});
  s["UsageRow"] = object({{"key", str()}, {"requests", integer()}, {"units", integer()}, {"errors", integer()}},
                         {"key", "requests", "units", "errors"});
  s["UsageEvent"] =
      object({{"id", id("use")},
              {"workspace_id", id("wrk")},
              {"credential", actor()},
              {"route", str()},
              {"status", integer()},
              {"units", integer()},
              {"kind", enumeration({"api_request", "credential_action", "webhook_delivery"})},
              {"request_id", str()},
              {"created_at", time()}},
             {"id", "workspace_id", "credential", "route", "status", "units", "kind", "request_id", "created_at"});
  s["Event"] = object({{"id", id("evt")},
                       {"type", str()},
                       {"created_at", time()},
                       {"workspace_id", id("wrk")},
                       {"data", {{"type", "object"}}},
                       {"previous", {{"type", "object"}}},
                       {"request_id", nullable_str()}},
                      {"id", "type", "created_at", "workspace_id", "data", "request_id"});
  s["EventType"] = object({{"type", str()}, {"description", str()}, {"data_schema", {{"type", "object"}}}},
                          {"type", "description", "data_schema"});
  {
    Json props{{"id", id("whk")},
               {"workspace_id", id("wrk")},
               {"name", str()},
               {"url", str()},
               {"event_types", array(str())},
               {"status", enumeration({"active", "paused", "disabled"})},
               {"max_attempts", integer(1)},
               {"metadata", {{"type", {"object", "null"}}}},
               {"previous_secret_expires_at", nullable_time()},
               {"disabled_at", nullable_time()},
               {"created_at", time()},
               {"updated_at", time()}};
    std::vector<std::string> required{"id",           "workspace_id", "name",
                                      "url",          "event_types",  "status",
                                      "max_attempts", "metadata",     "previous_secret_expires_at",
                                      "disabled_at",  "created_at",   "updated_at"};
    s["WebhookEndpoint"] = object(props, required);
    Json src_props{{"id", id("src")},        {"workspace_id", id("wrk")},
                   {"name", str()},          {"kind", enumeration({"slab5", "standard"})},
                   {"activity_type", str()}, {"inbound_url", str()},
                   {"created_at", time()},   {"updated_at", time()}};
    std::vector<std::string> src_required{"id",          "workspace_id", "name",      "kind", "activity_type",
                                          "inbound_url", "created_at",   "updated_at"};
    s["WebhookSource"] = object(src_props, src_required);
    src_props["signing_secret"] = str("whsec_<base64 of 32 bytes>: shown only here.");
    src_required.push_back("signing_secret");
    s["WebhookSourceWithSecret"] = object(src_props, src_required);
    props["signing_secret"] = str("whsec_<base64 of 32 bytes>: shown only here.");
    required.push_back("signing_secret");
    s["WebhookEndpointWithSecret"] = object(props, required);
    Json attempt = object({{"at", time()},
                           {"status_code", {{"type", {"integer", "null"}}}},
                           {"duration_ms", integer()},
                           {"error", nullable_str()}},
                          {"at", "status_code", "duration_ms", "error"});
    s["WebhookDelivery"] = object(
        {{"id", id("dlv")},
         {"event_id", id("evt")},
         {"endpoint_id", id("whk")},
         {"workspace_id", id("wrk")},
         {"status", enumeration({"pending", "retrying", "succeeded", "failed"})},
         {"attempt_count", integer()},
         {"max_attempts", integer(1)},
         {"next_attempt_at", nullable_time()},
         {"last_status_code", {{"type", {"integer", "null"}}}},
         {"last_error", nullable_str()},
         {"last_response_body", nullable_str()},
         {"attempts", array(attempt)},
         {"created_at", time()},
         {"updated_at", time()}},
        {"id", "event_id", "endpoint_id", "workspace_id", "status", "attempt_count", "max_attempts", "next_attempt_at",
         "last_status_code", "last_error", "last_response_body", "attempts", "created_at", "updated_at"});
  }
  s["DevMail"] = object({{"id", str()},
                         {"to", str()},
                         {"subject", str()},
                         {"kind", str()},
                         {"token", str()},
                         {"link", str()},
                         {"created_at", time()}},
                        {"id", "to", "subject", "kind", "token", "link", "created_at"});
  s["DevClock"] = object({{"now", time()}, {"offset_ms", {{"type", "integer"}}}, {"frozen", boolean()}},
                         {"now", "offset_ms", "frozen"});
  s["DevSnapshot"] = object({{"name", snapshot_name()}, {"created_at", time()}, {"size_bytes", integer()}},
                            {"name", "created_at", "size_bytes"});
  return s;
}

}  // namespace slab5::api
