// `slab5 events`, `slab5 webhooks …` and `slab5 webhook-sources …` (api.md §8.3, §8.4;
// cli.md §2): the event log, webhook endpoints and their deliveries, inbound sources, and
// the local tools — `listen` (follow the event stream, forward each event signed to a local
// app), `verify` (check a received payload offline), `trigger` and `send-inbound`.
#include <sys/stat.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <thread>

#include "body_fields.hpp"
#include "command_table.hpp"
#include "exit_codes.hpp"
#include "flag_values.hpp"
#include "slab5/api/resources.hpp"
#include "slab5/http_client.hpp"
#include "slab5/ids.hpp"
#include "slab5/time.hpp"
#include "slab5/webhook_signature.hpp"

namespace slab5cli {

namespace {

const std::vector<Column>& event_columns() {
  static const std::vector<Column> c{{"Time", "created_at", true}, {"Type", "type"}, {"ID", "id"}};
  return c;
}
const std::vector<Column>& endpoint_columns() {
  static const std::vector<Column> c{{"ID", "id"},         {"Name", "name"},
                                     {"URL", "url"},       {"Events", "event_types"},
                                     {"Status", "status"}, {"Created", "created_at", true}};
  return c;
}
const std::vector<Column>& delivery_columns() {
  static const std::vector<Column> c{{"ID", "id"},
                                     {"Event", "event_id"},
                                     {"Status", "status"},
                                     {"Attempts", "attempt_count"},
                                     {"Last code", "last_status_code"},
                                     {"Next", "next_attempt_at", true},
                                     {"Created", "created_at", true}};
  return c;
}
const std::vector<Column>& source_columns() {
  static const std::vector<Column> c{
      {"ID", "id"}, {"Name", "name"}, {"Kind", "kind"}, {"Activity", "activity_type"}, {"Inbound URL", "inbound_url"}};
  return c;
}

std::string q(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [k, v] : params)
    if (!v.empty()) out += (out.empty() ? "?" : "&") + k + "=" + slab5::url_encode(v);
  return out;
}

int show_object(Context& ctx, const std::string& method, const std::string& path, const Json& body = nullptr) {
  auto d = ctx.client().data(method, path, body);
  if (!d) return ctx.fail(d.error());
  return ctx.emit(*d, [&] {
    std::vector<Column> fields;
    for (auto it = d->begin(); it != d->end(); ++it) fields.push_back({it.key(), it.key()});
    ctx.out.print_fields(fields, *d);
  });
}

int list_of(Context& ctx, const std::string& path, bool all, const std::vector<Column>& cols) {
  auto d = all ? ctx.client().list_all(path) : ctx.client().data("GET", path);
  if (!d) return ctx.fail(d.error());
  return ctx.emit(*d, [&] { ctx.out.print_table(cols, *d); });
}

// ---- offline signatures -------------------------------------------------------------------

struct VerifyOptions {
  std::string secret;
  std::vector<std::string> headers;
  std::string tolerance = "5m";
};

int verify(Context& ctx, const VerifyOptions& o) {
  auto key = slab5::webhook_secret_key(o.secret);
  if (!key) return ctx.usage_error("--secret must be a whsec_… secret");
  std::map<std::string, std::string> h;
  for (const auto& line : o.headers) {
    auto colon = line.find(':');
    if (colon == std::string::npos) return ctx.usage_error("--header must be 'Name: value'");
    std::string name = line.substr(0, colon), value = line.substr(colon + 1);
    for (auto& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
    h[name] = value;
  }
  std::string body((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  auto tol = slab5::parse_duration(o.tolerance);
  if (!tol) return ctx.usage_error("--tolerance must be a duration like 5m");
  std::int64_t now = slab5::now_millis() / 1000;
  slab5::SignatureCheck c;
  std::string scheme;
  if (h.count("webhook-signature")) {
    scheme = "Standard Webhooks";
    c = slab5::verify_standard_signature(h["webhook-id"], h["webhook-timestamp"], h["webhook-signature"], body, *key,
                                         now, *tol / 1000);
  } else if (h.count("x-slab5-signature")) {
    scheme = "x-slab5-signature";
    c = slab5::verify_slab5_signature(h["x-slab5-signature"], body, *key, now, *tol / 1000);
  } else {
    return ctx.usage_error(
        "give the signature headers: --header 'webhook-signature: …' (with webhook-id and "
        "webhook-timestamp) or --header 'x-slab5-signature: …'");
  }
  Json result = {{"valid", c.valid}, {"scheme", scheme}, {"timestamp", c.timestamp}};
  if (!c.valid) result["reason"] = c.reason;
  if (ctx.out.json()) {
    ctx.out.print_json(result);
  } else if (c.valid) {
    ctx.out.print_line("valid (" + scheme + ", signed " + slab5::format_rfc3339(c.timestamp * 1000) + ")");
  } else {
    ctx.out.error("invalid: " + c.reason);
  }
  return c.valid ? kOk : kFailure;
}

struct InboundOptions {
  std::string source_id;
  std::string secret;
  std::string data = "-";
  std::string scheme = "standard";
};

int send_inbound(Context& ctx, const InboundOptions& o) {
  auto key = slab5::webhook_secret_key(o.secret);
  if (!key) return ctx.usage_error("--secret must be the source's whsec_… secret");
  auto body = read_input(o.data);
  if (!body) return ctx.usage_error("--data: " + body.error());
  std::int64_t t = std::time(nullptr);
  std::string id = "msg_" + slab5::new_ulid(slab5::now_millis());
  slab5::HeaderList headers;
  if (o.scheme == "slab5") {
    headers.emplace_back("x-slab5-signature", slab5::slab5_signature_header(t, *body, {*key}));
  } else {
    headers.emplace_back("webhook-id", id);
    headers.emplace_back("webhook-timestamp", std::to_string(t));
    headers.emplace_back("webhook-signature", slab5::standard_signature_header(id, t, *body, {*key}));
  }
  // No bearer token: the signature is the credential (api.md §8.4).
  auto r = ctx.client().send("POST", "webhooks/inbound/" + o.source_id, *body,
                             RequestOptions{.headers = headers, .auth = false, .workspace = false});
  if (!r) return ctx.fail(r.error());
  if (r->status < 200 || r->status >= 300) return ctx.fail(api_error_from(*r));
  auto j = Json::parse(r->body, nullptr, false);
  Json data = j.is_object() && j.contains("data") ? j["data"] : Json::object();
  return ctx.emit(data, [&] {
    ctx.out.print_line(data.value("duplicate", false) ? "acknowledged (a message already received)"
                                                      : "received: activity " + data.value("activity_id", "?"));
  });
}

// ---- trigger: a sample record that fires the event ----------------------------------------

// The event types of GET /v1/event-types that no sample record fires, with what does.
struct NotTriggered {
  std::string_view type;  // an exact type, or a prefix ending in '.'
  std::string_view instead;
};
constexpr NotTriggered kNotTriggered[] = {
    {"api_key.",
     "it is an API key's own event, and trigger makes no credentials: slab5 keys create|edit|rotate|revoke "
     "fires it"},
    {"mcp_client.",
     "it is an MCP client's own event, and trigger makes no credentials: slab5 mcp-clients "
     "create|edit|rotate|revoke fires it"},
    {"member.invited", "slab5 members invite EMAIL fires it"},
    {"member.role_changed", "slab5 members set-role fires it"},
    {"member.removed", "slab5 members remove fires it"},
    {"invitation.revoked", "slab5 invitations revoke INVITATION_ID fires it"},
    {"invitation.accepted",
     "it fires when the invitee accepts (the link of slab5 members invite; slab5 dev mail shows "
     "it on a development server)"},
    {"webhook.test", "slab5 webhooks test WHK_ID sends it, to that endpoint only"},
    {"inbound_webhook.received",
     "slab5 webhooks send-inbound SRC_ID --secret S fires it (slab5 webhook-sources "
     "create makes a source)"},
    {"asset.available", "it fires when an upload completes: slab5 assets upload FILE"},
};

// A create body for a sample of `spec`: its example, with the fields that must be unique in a
// workspace made unique.
Json sample_body(const slab5::api::ResourceSpec& spec) {
  Json body = Json::parse(spec.example, nullptr, false);
  if (!body.is_object()) body = Json::object();
  std::string suffix = slab5::new_ulid(slab5::now_millis()).substr(16);
  for (auto& c : suffix) c = char(std::tolower(static_cast<unsigned char>(c)));
  for (auto field : spec.unique_key) {
    std::string f(field);
    if (body.contains(f) && body[f].is_string())
      body[f] = body[f].get<std::string>() + "-" + suffix;
    else
      body[f] = "sample-" + suffix;
  }
  return body;
}

// Makes a sample record of `spec` (a child under a sample parent); returns its path.
tl::expected<std::string, ApiError> make_sample(Context& ctx, const slab5::api::ResourceSpec& spec) {
  std::string collection(spec.route);
  if (spec.is_child()) {
    const auto* parent = slab5::api::find_resource(spec.parent);
    if (!parent) return tl::unexpected(ApiError{.message = "no parent resource " + std::string(spec.parent)});
    auto parent_path = make_sample(ctx, *parent);
    if (!parent_path) return parent_path;
    collection = *parent_path + "/" + collection;
  }
  auto made = ctx.client().data("POST", collection, sample_body(spec));
  if (!made) return tl::unexpected(made.error());
  return collection + "/" + (*made)["id"].get<std::string>();
}

int trigger(Context& ctx, const std::string& type) {
  auto dot = type.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == type.size())
    return ctx.usage_error("EVENT_TYPE looks like contact.created (slab5 api /event-types lists them)");
  for (const auto& n : kNotTriggered)
    if (n.type.back() == '.' ? type.rfind(n.type, 0) == 0 : type == n.type)
      return ctx.usage_error("slab5 webhooks trigger cannot fire " + type + ": " + std::string(n.instead));
  std::string noun = type.substr(0, dot), verb = type.substr(dot + 1);
  const slab5::api::ResourceSpec* spec = nullptr;
  for (const auto& r : slab5::api::resource_table())
    if (r.singular == noun) spec = &r;
  if (!spec)
    return ctx.usage_error("unknown event type " + type +
                           ": slab5 webhooks trigger takes a type of GET /v1/event-types (slab5 api /event-types)");
  const slab5::api::ActionSpec* action = nullptr;
  for (const auto& a : spec->actions)
    if (a.event == type) action = &a;
  bool plain = verb == "created" || (!spec->append_only && (verb == "updated" || verb == "deleted"));
  if (!plain && !action) {
    std::string fired = spec->append_only ? noun + ".created (" + std::string(spec->title) + " records are append-only)"
                                          : noun + ".created|updated|deleted";
    for (const auto& a : spec->actions) fired += ", " + std::string(a.event);
    return ctx.usage_error("unknown event type " + type + ": a " + std::string(spec->title) + " fires " + fired);
  }
  if (!spec->served) return ctx.usage_error("this slab5d does not serve " + std::string(spec->plural) + " yet");
  auto path = make_sample(ctx, *spec);
  if (!path) return ctx.fail(path.error());
  std::string id = path->substr(path->rfind('/') + 1);
  if (verb == "updated") {
    auto r = ctx.client().data("PATCH", *path, Json{{"custom_fields", {{"sample", true}}}});
    if (!r) return ctx.fail(r.error());
  } else if (verb == "deleted") {
    auto r = ctx.client().call("DELETE", *path);
    if (!r) return ctx.fail(r.error());
  } else if (action) {
    auto r = ctx.client().data("POST", *path + "/" + std::string(action->name), Json::object());
    if (!r) return ctx.fail(r.error());
  }
  Json out = {{"type", type}, {"record_id", id}};
  return ctx.emit(out, [&] { ctx.out.print_line("triggered " + type + " (" + id + ")"); });
}

// ---- listen -------------------------------------------------------------------------------

volatile std::sig_atomic_t g_stop = 0;

struct ListenOptions {
  std::string forward_to;
  std::vector<std::string> events;
};

// The profile's local signing secret for forwarded events: made once, kept 0600 beside the
// configuration, so the app under test is configured with it once.
std::string local_secret(Context& ctx) {
  std::string path = ctx.store().dir() + "/listen-secret-" + ctx.profile();
  {
    std::ifstream in(path);
    std::string s;
    if (in && std::getline(in, s) && slab5::webhook_secret_key(s)) return s;
  }
  std::string s = slab5::new_webhook_secret();
  ::mkdir(ctx.store().dir().c_str(), 0700);
  {
    std::ofstream out(path, std::ios::trunc);
    out << s << "\n";
  }
  ::chmod(path.c_str(), 0600);
  return s;
}

// Reads SSE frames out of `buf`: each complete frame's id, event and data. A frame with an id
// and no data (the stream's opening frame names where it starts) moves the position only.
struct Frame {
  std::string id, event, data;
};
std::vector<Frame> take_frames(std::string& buf) {
  std::vector<Frame> out;
  for (;;) {
    auto end = buf.find("\n\n");
    if (end == std::string::npos) break;
    std::string block = buf.substr(0, end);
    buf.erase(0, end + 2);
    Frame f;
    std::size_t pos = 0;
    while (pos <= block.size()) {
      auto nl = block.find('\n', pos);
      std::string line = block.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      if (line.rfind("id: ", 0) == 0) f.id = line.substr(4);
      if (line.rfind("event: ", 0) == 0) f.event = line.substr(7);
      if (line.rfind("data: ", 0) == 0) f.data += line.substr(6);
      if (nl == std::string::npos) break;
      pos = nl + 1;
    }
    if (!f.data.empty() || !f.id.empty()) out.push_back(std::move(f));
  }
  return out;
}

int listen(Context& ctx, const ListenOptions& o) {
  std::string secret = local_secret(ctx);
  auto key = *slab5::webhook_secret_key(secret);
  // First, and flushed even into a pipe: a script waits for this line.
  std::cout << "Ready. Signing secret: " << secret << std::endl;
  std::fflush(stdout);
  if (!o.forward_to.empty() && !slab5::url_origin(o.forward_to))
    return ctx.usage_error("--forward-to must be an http(s) URL");
  // The token goes where every other command sends it, under the same rules (cli.md §1).
  if (auto refusal = ctx.transport_refusal()) return ctx.fail(*refusal);
  auto token = ctx.require_token();
  if (!token) return ctx.fail(token.error());
  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  std::string types;
  for (const auto& e : o.events) types += (types.empty() ? "" : ",") + e;
  std::string path = "events/stream" + q({{"types", types}});
  std::string last_id;
  slab5::HttpClient forwarder;
  int backoff_ms = 500;
  while (!g_stop) {
    slab5::HttpClient http;
    if (!ctx.ca_bundle().empty()) http.set_ca_bundle(ctx.ca_bundle());
    slab5::HttpRequest req;
    req.url = ctx.client().url_for(path);
    req.timeout_ms = 0;  // a stream: no overall deadline (heartbeats keep it alive)
    req.headers = {{"Authorization", "Bearer " + *token}, {"Accept", "text/event-stream"}};
    auto ws = ctx.workspace();
    if (!ws.value.empty()) req.headers.emplace_back("x-workspace-id", ws.value);
    if (!last_id.empty()) req.headers.emplace_back("Last-Event-ID", last_id);
    req.cancelled = [] { return g_stop != 0; };
    std::string buf;
    req.on_body = [&](std::string_view piece) {
      buf.append(piece);
      for (auto& f : take_frames(buf)) {
        if (!f.id.empty()) last_id = f.id;
        if (f.data.empty()) continue;  // only a position
        backoff_ms = 500;              // a working stream: the next outage starts the backoff anew
        Json ev = Json::parse(f.data, nullptr, false);
        std::string at = ev.is_object() ? ev.value("created_at", "") : "";
        if (ctx.out.json())
          ctx.out.print_json_line(ev);
        else
          ctx.out.print_line(at + "  " + f.event + "  " + f.id);
        if (!o.forward_to.empty()) {
          std::int64_t t = std::time(nullptr);
          slab5::HttpRequest fwd;
          fwd.method = "POST";
          fwd.url = o.forward_to;
          fwd.body = f.data;
          fwd.timeout_ms = 10000;
          fwd.max_body = 1024;
          fwd.headers = {{"Content-Type", "application/json"},
                         {"User-Agent", "Slab5-Webhooks/1.0 (slab5 webhooks listen)"},
                         {"x-slab5-signature", slab5::slab5_signature_header(t, f.data, {key})},
                         {"x-slab5-event-id", f.id},
                         {"x-slab5-event-type", f.event},
                         {"webhook-id", f.id},
                         {"webhook-timestamp", std::to_string(t)},
                         {"webhook-signature", slab5::standard_signature_header(f.id, t, f.data, {key})}};
          auto started = std::chrono::steady_clock::now();
          auto r = forwarder.perform(fwd);
          auto ms =
              std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
          if (!ctx.out.json())
            ctx.out.print_line("  -> " + o.forward_to + "  " +
                               (r ? std::to_string(r->status) : "error: " + r.error().message) + "  " +
                               std::to_string(ms) + " ms");
        }
        std::cout.flush();
        std::fflush(stdout);  // a line at a time, also into a pipe or a file
      }
      return g_stop == 0;
    };
    auto r = http.perform(req);
    if (g_stop) break;
    if (r && r->status != 200) {
      ApiResponse resp;
      resp.status = r->status;
      resp.body = r->body;
      int rc = ctx.fail(api_error_from(resp));
      if (r->status < 500) return rc;  // a refusal does not heal by retrying
    }
    ctx.out.info("stream ended; reconnecting" + std::string(last_id.empty() ? "" : " after " + last_id));
    for (int waited = 0; waited < backoff_ms && !g_stop; waited += 50)  // Ctrl-C ends the wait at once
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    backoff_ms = std::min(backoff_ms * 2, 5000);
  }
  return kInterrupted;
}

struct EndpointOptions {
  std::string id;
  std::string name;
  std::string url;
  std::vector<std::string> events;
  int max_attempts = 0;
  std::string status;
  bool all = false;
};

Json endpoint_body(const EndpointOptions& o, bool create) {
  Json b = Json::object();
  if (!o.name.empty() || create) b["name"] = o.name.empty() ? "webhook" : o.name;
  if (!o.url.empty()) b["url"] = o.url;
  if (!o.events.empty()) b["event_types"] = o.events;
  if (o.max_attempts > 0) b["max_attempts"] = o.max_attempts;
  return b;
}

}  // namespace

void add_event_commands(CLI::App& app, Context& ctx) {
  struct Opts {
    std::string type, since, id;
    int limit = 0;
    bool all = false;
  };
  auto o = std::make_shared<Opts>();
  auto* events = app.add_subcommand("events", "The workspace's event log, newest first (needs integrations:read)");
  auto* list = events->add_subcommand("list", "List events (the default)");
  for (auto* c : {events, list}) {
    c->add_option("--type", o->type, "Event type, exact or a prefix like 'deal.*'");
    c->add_option("--since", o->since, "From this time: RFC 3339 or a duration like 15m, 24h, 7d")
        ->check(time_or_duration_value());
    c->add_option("--limit", o->limit, "Events per page, 1-100");
    c->add_flag("--all", o->all, "Follow every page");
  }
  auto run_list = [&ctx, o] {
    std::string path =
        "events" + q({{"type", o->type}, {"since", o->since}, {"limit", o->limit > 0 ? std::to_string(o->limit) : ""}});
    return list_of(ctx, path, o->all, event_columns());
  };
  on_run(list, ctx, run_list);
  on_run(events, ctx, run_list);
  auto* show = events->add_subcommand("show", "One event, with its data");
  show->add_option("ID", o->id, "Event id (evt_…)")->required();
  on_run(show, ctx, [&ctx, o] { return show_object(ctx, "GET", "events/" + o->id); });
  events->footer("Examples:\n  slab5 events --type 'deal.*' --since 1h\n  slab5 events show evt_01…");
}

void add_webhook_commands(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<EndpointOptions>();
  auto* wh = app.add_subcommand("webhooks", "Webhook endpoints, deliveries and local webhook tools");
  wh->require_subcommand(1);
  auto* list = wh->add_subcommand("list", "List the workspace's webhook endpoints");
  list->add_flag("--all", o->all, "Follow every page");
  on_run(list, ctx, [&ctx, o] { return list_of(ctx, "webhooks", o->all, endpoint_columns()); });

  auto* create = wh->add_subcommand("create", "Create an endpoint; its signing secret is shown once");
  create->add_option("--url", o->url, "Where deliveries are POSTed (http or https)")->required();
  create->add_option("--event", o->events, "Event type, prefix (deal.*) or * (repeatable)")->required();
  create->add_option("--name", o->name, "A name for the endpoint");
  create->add_option("--max-attempts", o->max_attempts, "Attempts per delivery, 1-10 (default 5)");
  on_run(create, ctx, [&ctx, o] { return show_object(ctx, "POST", "webhooks", endpoint_body(*o, true)); });

  auto* edit = wh->add_subcommand("edit", "Change an endpoint's name, URL, event types or attempts");
  edit->add_option("ID", o->id, "Endpoint id (whk_…)")->required();
  edit->add_option("--url", o->url, "New URL");
  edit->add_option("--event", o->events, "New event types (repeatable; replaces the list)");
  edit->add_option("--name", o->name, "New name");
  edit->add_option("--max-attempts", o->max_attempts, "Attempts per delivery, 1-10");
  on_run(edit, ctx, [&ctx, o] {
    Json body = endpoint_body(*o, false);
    if (body.empty()) return ctx.usage_error("nothing to change: give --url, --event, --name or --max-attempts");
    return show_object(ctx, "PATCH", "webhooks/" + o->id, body);
  });

  for (auto [verb, help] : std::vector<std::pair<std::string, std::string>>{
           {"show", "One endpoint"},
           {"pause", "Stop delivering to the endpoint"},
           {"resume", "Deliver again (re-enables a disabled endpoint)"},
           {"test", "Send a webhook.test event to this endpoint only"},
           {"rotate-secret", "New signing secret (shown once); the old one signs too for 24 hours"}}) {
    auto* c = wh->add_subcommand(verb, help);
    c->add_option("ID", o->id, "Endpoint id (whk_…)")->required();
    on_run(c, ctx, [&ctx, o, verb = verb] {
      if (verb == "show") return show_object(ctx, "GET", "webhooks/" + o->id);
      return show_object(ctx, "POST", "webhooks/" + o->id + "/" + verb, Json::object());
    });
  }
  auto* del = wh->add_subcommand("delete", "Delete an endpoint and its deliveries");
  del->add_option("ID", o->id, "Endpoint id (whk_…)")->required();
  on_run(del, ctx, [&ctx, o] {
    if (int rc = ctx.confirm("Delete webhook endpoint " + o->id, o->id); rc != kOk) return rc;
    auto r = ctx.client().call("DELETE", "webhooks/" + o->id);
    if (!r) return ctx.fail(r.error());
    if (r->status != 204) return ctx.fail(api_error_from(*r));
    ctx.out.info("deleted " + o->id);
    return int(kOk);
  });
  auto* deliveries = wh->add_subcommand("deliveries", "An endpoint's deliveries, newest first");
  deliveries->add_option("ID", o->id, "Endpoint id (whk_…)")->required();
  with_choices(deliveries->add_option("--status", o->status, "Only deliveries in this state"),
               {"pending", "retrying", "succeeded", "failed"});
  deliveries->add_flag("--all", o->all, "Follow every page");
  on_run(deliveries, ctx, [&ctx, o] {
    return list_of(ctx, "webhooks/" + o->id + "/deliveries" + q({{"status", o->status}}), o->all, delivery_columns());
  });
  auto* retry = wh->add_subcommand("retry", "Send a delivery again now");
  retry->add_option("DELIVERY_ID", o->id, "Delivery id (dlv_…)")->required();
  on_run(retry, ctx, [&ctx, o] { return show_object(ctx, "POST", "webhook-deliveries/" + o->id + "/retry"); });
  auto* delivery = wh->add_subcommand("delivery", "One delivery with every attempt");
  delivery->add_option("DELIVERY_ID", o->id, "Delivery id (dlv_…)")->required();
  on_run(delivery, ctx, [&ctx, o] { return show_object(ctx, "GET", "webhook-deliveries/" + o->id); });

  auto lo = std::make_shared<ListenOptions>();
  auto* listen_cmd = wh->add_subcommand("listen", "Follow the event stream; with --forward-to, POST each event signed");
  listen_cmd->add_option("--forward-to", lo->forward_to, "Local URL to forward each event to");
  listen_cmd->add_option("--event", lo->events, "Only this event type or prefix (repeatable)");
  on_run(listen_cmd, ctx, [&ctx, lo] { return listen(ctx, *lo); });

  auto type = std::make_shared<std::string>();
  auto* trig = wh->add_subcommand("trigger", "Make a sample record that fires EVENT_TYPE");
  trig->add_option("EVENT_TYPE", *type, "contact.created, deal.updated, lead.converted, …")->required();
  on_run(trig, ctx, [&ctx, type] { return trigger(ctx, *type); });

  auto vo = std::make_shared<VerifyOptions>();
  auto* ver = wh->add_subcommand("verify", "Check a received payload's signature offline (body on stdin)");
  ver->add_option("--secret", vo->secret, "The endpoint's whsec_… secret")->required();
  ver->add_option("--header", vo->headers, "A received header, 'Name: value' (repeatable)");
  ver->add_option("--tolerance", vo->tolerance, "Largest accepted timestamp age (default 5m)");
  on_run(ver, ctx, [&ctx, vo] { return verify(ctx, *vo); });

  auto io = std::make_shared<InboundOptions>();
  auto* inb = wh->add_subcommand("send-inbound", "POST a signed message to an inbound source");
  inb->add_option("SOURCE_ID", io->source_id, "Source id (src_…)")->required();
  inb->add_option("--secret", io->secret, "The source's whsec_… secret")->required();
  inb->add_option("--data", io->data, "The body from FILE, or - for stdin (default)");
  with_choices(inb->add_option("--scheme", io->scheme, "Signature scheme of the source (default standard)"),
               {"standard", "slab5"});
  on_run(inb, ctx, [&ctx, io] { return send_inbound(ctx, *io); });

  wh->footer(
      "Examples:\n  slab5 webhooks create --url https://example.com/hook --event 'deal.*'\n"
      "  slab5 webhooks listen --forward-to http://localhost:3000/webhooks\n"
      "  slab5 webhooks verify --secret whsec_… --header 'webhook-id: …' --header 'webhook-timestamp: …' "
      "--header 'webhook-signature: …' < body.json");
}

void add_webhook_source_commands(CLI::App& app, Context& ctx) {
  struct Opts {
    std::string id, name, kind, activity_type;
    bool all = false;
  };
  auto o = std::make_shared<Opts>();
  auto* src = app.add_subcommand("webhook-sources", "Inbound webhook sources (needs integrations scopes)");
  src->require_subcommand(1);
  auto* list = src->add_subcommand("list", "List the workspace's inbound sources");
  list->add_flag("--all", o->all, "Follow every page");
  on_run(list, ctx, [&ctx, o] { return list_of(ctx, "webhook-sources", o->all, source_columns()); });
  auto* create = src->add_subcommand("create", "Create a source; its signing secret is shown once");
  create->add_option("--name", o->name, "A name for the source")->required();
  with_choices(create->add_option("--kind", o->kind, "Signature scheme its senders use")->required(),
               {"slab5", "standard"});
  create->add_option("--activity-type", o->activity_type, "Type of the activities it records (default webhook)");
  on_run(create, ctx, [&ctx, o] {
    Json b = {{"name", o->name}, {"kind", o->kind}};
    if (!o->activity_type.empty()) b["activity_type"] = o->activity_type;
    return show_object(ctx, "POST", "webhook-sources", b);
  });
  auto* show = src->add_subcommand("show", "One source");
  show->add_option("ID", o->id, "Source id (src_…)")->required();
  on_run(show, ctx, [&ctx, o] { return show_object(ctx, "GET", "webhook-sources/" + o->id); });
  auto* del = src->add_subcommand("delete", "Delete a source");
  del->add_option("ID", o->id, "Source id (src_…)")->required();
  on_run(del, ctx, [&ctx, o] {
    if (int rc = ctx.confirm("Delete webhook source " + o->id, o->id); rc != kOk) return rc;
    auto r = ctx.client().call("DELETE", "webhook-sources/" + o->id);
    if (!r) return ctx.fail(r.error());
    if (r->status != 204) return ctx.fail(api_error_from(*r));
    ctx.out.info("deleted " + o->id);
    return int(kOk);
  });
}

}  // namespace slab5cli
