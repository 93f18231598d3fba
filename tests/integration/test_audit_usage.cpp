// Audit log (api.md §6) and usage metering (api.md §7): filters, pagination, cursors,
// single events, grouping, and the scopes both need.
#include <doctest/doctest.h>

#include <chrono>
#include <set>
#include <sstream>
#include <thread>

#include "harness.hpp"
#include "slab5/time.hpp"
#include "workspace_fixtures.hpp"

using namespace testing;

namespace {
std::string audit_url(const Server& s, const std::string& query = "") {
  return s.api_url + "/workspace/audit-events" + (query.empty() ? "" : "?" + query);
}
Json audit(const Server& s, const std::string& query) {
  auto r = api("GET", audit_url(s, query), s.token);
  REQUIRE_MESSAGE(r.status == 200, r.body);
  return r.json["data"];
}
// Six module toggles (three on, three off) and a rename: seven audited mutations by the
// first-start key, after the three first-start events.
void make_events(const Server& s) {
  auto toggle = [&](const char* method, const char* m) {
    REQUIRE(api(method, s.api_url + "/workspace/modules/" + m, s.token).status == 200);
  };
  toggle("PUT", "bi");
  toggle("DELETE", "bi");
  for (const char* m : {"crm", "cms"}) {
    toggle("DELETE", m);
    toggle("PUT", m);
  }
  api("PATCH", s.api_url + "/workspace", s.token, {{"name", "Renamed"}});
}
}  // namespace

TEST_CASE("audit events have every field of api.md §6, newest first, before/after as JSON") {
  Server s;
  auto r = api("PATCH", s.api_url + "/workspace", s.token, {{"name", "Audited"}},
               {{"x-correlation-id", "corr-1"}, {"User-Agent", "test-agent/1"}});
  REQUIRE(r.status == 200);
  auto data = audit(s, "");
  REQUIRE(data.size() >= 4);  // three first-start events and the rename
  auto ev = data[0];
  CHECK(ev["action"] == "workspace.updated");
  for (const char* f :
       {"id", "workspace_id", "tenant_id", "action", "actor", "target", "source", "route", "status", "request_id",
        "correlation_id", "ip", "user_agent", "input_hash", "before", "after", "created_at"})
    CHECK_MESSAGE(ev.contains(f), f);
  CHECK(ev["actor"]["type"] == "api_key");
  CHECK(ev["actor"]["id"].get<std::string>().rfind("key_", 0) == 0);
  CHECK(ev["source"] == "api");
  CHECK(ev["status"] == 200);
  CHECK(ev["correlation_id"] == "corr-1");
  CHECK(ev["user_agent"] == "test-agent/1");
  CHECK(ev["ip"] == "127.0.0.1");
  CHECK(ev["workspace_id"] == s.workspace_id);
  CHECK(ev["before"].is_object());
  CHECK(ev["input_hash"].get<std::string>().size() == 64);
  CHECK(data[data.size() - 1]["action"] == "user.registered");
  CHECK(data[1]["id"].get<std::string>() < ev["id"].get<std::string>());
  // The first-start key's creation is audited without any secret.
  auto created = audit(s, "action=api_key.created")[0];
  CHECK(created["after"].dump().find(s.token) == std::string::npos);
  CHECK(!created["after"].contains("token_hash"));
}

TEST_CASE("audit filters: exact action, prefix action.*, actor_id, target_id, request_id") {
  Server s;
  make_events(s);
  CHECK(audit(s, "action=workspace.module_enabled").size() == 3);
  CHECK(audit(s, "action=workspace.module_disabled").size() == 3);
  auto ws = audit(s, "action=workspace.*");
  CHECK(ws.size() == 8);  // created, 6 toggles, updated
  for (auto& e : ws) CHECK(e["action"].get<std::string>().rfind("workspace.", 0) == 0);
  CHECK(audit(s, "action=workspace").empty());  // exact, not a prefix
  CHECK(audit(s, "action=api_key.*").size() == 1);
  std::string actor = audit(s, "action=workspace.updated")[0]["actor"]["id"];
  CHECK(audit(s, "actor_id=" + actor).size() == 7);
  CHECK(audit(s, "actor_id=system").size() == 3);
  CHECK(audit(s, "target_id=" + s.workspace_id).size() == 8);
  auto one = audit(s, "action=workspace.updated")[0];
  auto by_req = audit(s, "request_id=" + one["request_id"].get<std::string>());
  REQUIRE(by_req.size() == 1);
  CHECK(by_req[0]["id"] == one["id"]);
  CHECK(audit(s, "actor_id=" + actor + "&action=workspace.module_enabled").size() == 3);
}

TEST_CASE("audit since and until take RFC 3339 or 15m/1h/7d; bad values are 400") {
  Server s;
  make_events(s);
  CHECK(audit(s, "since=1h").size() == 10);
  CHECK(audit(s, "since=7d&until=1h").empty());
  std::string future = slab5::format_rfc3339(slab5::now_millis() + 3600000);
  CHECK(audit(s, "since=" + future).empty());
  CHECK(audit(s, "until=" + future).size() == 10);
  std::string mid = audit(s, "action=workspace.updated")[0]["created_at"];
  CHECK(audit(s, "since=" + mid).size() >= 1);
  check_error(api("GET", audit_url(s, "since=yesterday"), s.token), 400, "invalid_request");
  check_error(api("GET", audit_url(s, "until=12:00"), s.token), 400, "invalid_request");
  check_error(api("GET", audit_url(s, "since=1h&until=2h"), s.token), 400, "invalid_request");
}

TEST_CASE("audit pagination: every event once over several pages; forged or foreign cursors are 400") {
  Server s;
  make_events(s);
  std::set<std::string> ids;
  std::string next = audit_url(s, "limit=3");
  int pages = 0;
  std::string first_cursor;
  for (;;) {
    auto r = api("GET", next, s.token);
    REQUIRE(r.status == 200);
    ++pages;
    CHECK(r.json["data"].size() <= 3);
    for (auto& e : r.json["data"]) CHECK(ids.insert(e["id"].get<std::string>()).second);
    if (!r.json.contains("next_cursor")) break;
    if (first_cursor.empty()) first_cursor = r.json["next_cursor"];
    next = audit_url(s, "limit=3&cursor=" + r.json["next_cursor"].get<std::string>());
  }
  CHECK(ids.size() == 10);
  CHECK(pages == 4);
  std::string forged = first_cursor;
  forged[0] = forged[0] == 'Y' ? 'Z' : 'Y';  // points at another id, MAC no longer matches
  check_error(api("GET", audit_url(s, "limit=3&cursor=" + forged), s.token), 400, "invalid_request");
  check_error(api("GET", audit_url(s, "limit=3&cursor=garbage"), s.token), 400, "invalid_request");
  // A cursor is bound to its filters and its route.
  check_error(api("GET", audit_url(s, "limit=3&action=workspace.*&cursor=" + first_cursor), s.token), 400,
              "invalid_request");
  check_error(api("GET", s.api_url + "/workspace/members?cursor=" + first_cursor, s.token), 400, "invalid_request");
  check_error(api("GET", audit_url(s, "limit=abc"), s.token), 400, "invalid_request");
}

TEST_CASE("a single audit event by id; unknown or another workspace's id is 404") {
  Server s;
  make_events(s);
  auto e = audit(s, "limit=1")[0];
  auto r = api("GET", audit_url(s) + "/" + e["id"].get<std::string>(), s.token);
  REQUIRE(r.status == 200);
  CHECK(r.json["data"] == e);
  check_error(api("GET", audit_url(s) + "/aud_01aaaaaaaaaaaaaaaaaaaaaaaa", s.token), 404, "resource_not_found");
  auto other = fixtures::insert_workspace(s, "other-ws");
  auto key = fixtures::make_key(s, {"audit:read", "settings:admin"}, other);
  check_error(api("GET", audit_url(s) + "/" + e["id"].get<std::string>(), key), 404, "resource_not_found");
  // The other workspace's log holds only its own events (its creation, the key's creation).
  auto theirs = api("GET", audit_url(s, "limit=100"), key).json["data"];
  REQUIRE(!theirs.empty());
  for (auto& x : theirs) {
    CHECK(x["workspace_id"] == other);
    CHECK(x["id"] != e["id"]);
  }
  REQUIRE(api("PATCH", s.api_url + "/workspace", key, {{"name", "Other renamed"}}).status == 200);
  auto mine = api("GET", audit_url(s, "limit=100"), key).json["data"];
  REQUIRE(mine.size() == theirs.size() + 1);
  CHECK(mine[0]["action"] == "workspace.updated");
  CHECK(mine[0]["workspace_id"] == other);
  for (auto& x : audit(s, "limit=100")) CHECK(x["workspace_id"] == s.workspace_id);  // nothing leaked here
}

TEST_CASE("the audit log is append-only: no route edits or deletes it") {
  Server s;
  auto e = audit(s, "limit=1")[0];
  std::string url = audit_url(s) + "/" + e["id"].get<std::string>();
  check_error(api("DELETE", url, s.token), 405, "method_not_allowed");
  check_error(api("PATCH", url, s.token, {{"action", "x"}}), 405, "method_not_allowed");
  check_error(api("DELETE", audit_url(s), s.token), 405, "method_not_allowed");
  // Even the database refuses.
  auto r = run_sql(s.db_path, "DELETE FROM audit_events");
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("append-only") != std::string::npos);
}

TEST_CASE("audit routes need audit:read") {
  Server s;
  auto key = fixtures::make_key(s, {"settings:admin", "usage:read", "crm:read"});
  auto r = api("GET", audit_url(s), key);
  check_error(r, 403, "missing_required_scope");
  CHECK(r.json["error"]["required_scope"] == "audit:read");
  check_error(api("GET", audit_url(s) + "/aud_01aaaaaaaaaaaaaaaaaaaaaaaa", key), 403, "missing_required_scope");
  check_error(api("GET", audit_url(s), ""), 401, "unauthorized");
}

TEST_CASE("usage: a client sees its own requests at once, grouped by route, kind, credential and day") {
  Server s;
  auto key = fixtures::make_key(s, {"usage:read", "crm:read"});
  for (int i = 0; i < 3; ++i) api("GET", s.api_url + "/workspace", key);
  api("PATCH", s.api_url + "/workspace", key, {{"name", "x"}});  // 403: an error
  auto r = api("GET", s.api_url + "/workspace/usage?group_by=route", key);
  REQUIRE(r.status == 200);
  auto rows = r.json["data"];
  Json get_ws, patch_ws;
  for (auto& row : rows) {
    if (row["key"] == "GET /v1/workspace") get_ws = row;
    if (row["key"] == "PATCH /v1/workspace") patch_ws = row;
  }
  REQUIRE(get_ws.is_object());
  CHECK(get_ws["requests"] == 3);
  CHECK(get_ws["units"] == 3);
  CHECK(get_ws["errors"] == 0);
  REQUIRE(patch_ws.is_object());
  CHECK(patch_ws["errors"] == 1);
  CHECK(rows[0]["requests"] >= rows[rows.size() - 1]["requests"]);  // most requests first

  auto kinds = api("GET", s.api_url + "/workspace/usage?group_by=kind", key).json["data"];
  // The key's creation is metered twice: as a request and as a credential action.
  REQUIRE_MESSAGE(kinds.size() == 2, kinds.dump());
  CHECK(kinds[0]["key"] == "api_request");
  CHECK(kinds[0]["requests"] == 6);  // the key's creation, 3 + 1, the route summary
  CHECK(kinds[1]["key"] == "credential_action");
  CHECK(kinds[1]["requests"] == 1);

  // Two credentials so far: the key (six requests, most first) and the first-start key that
  // created it (its POST /v1/workspace/api-keys: a request and a credential action).
  auto creds = api("GET", s.api_url + "/workspace/usage?group_by=credential", key).json["data"];
  REQUIRE(creds.size() == 2);
  CHECK(creds[0]["key"].get<std::string>().rfind("key_", 0) == 0);
  CHECK(creds[0]["requests"] == 6);
  CHECK(creds[1]["requests"] == 2);
  api("GET", s.api_url + "/workspace", s.token);
  creds = api("GET", s.api_url + "/workspace/usage?group_by=credential", key).json["data"];
  REQUIRE(creds.size() == 2);
  CHECK(creds[1]["requests"] == 3);

  auto days = api("GET", s.api_url + "/workspace/usage", key).json["data"];  // default: day
  REQUIRE(days.size() == 1);
  CHECK(days[0]["key"] == slab5::format_rfc3339(slab5::now_millis()).substr(0, 10));
  CHECK(days[0]["requests"] == 11);  // eight by the key; the key's creation (two) and a read by the other
}

TEST_CASE("usage: since/until narrow the window; bad group_by or time is 400; usage:read is required") {
  Server s;
  api("GET", s.api_url + "/workspace", s.token);
  auto url = s.api_url + "/workspace/usage";
  CHECK(api("GET", url + "?since=1h&group_by=kind", s.token).json["data"].size() == 1);
  std::string future = slab5::format_rfc3339(slab5::now_millis() + 3600000);
  CHECK(api("GET", url + "?since=" + future, s.token).json["data"].empty());
  CHECK(api("GET", url + "?until=7d", s.token).json["data"].empty());
  check_error(api("GET", url + "?group_by=month", s.token), 400, "invalid_request");
  check_error(api("GET", url + "?since=soon", s.token), 400, "invalid_request");
  auto key = fixtures::make_key(s, {"audit:read", "settings:admin"});
  auto r = api("GET", url, key);
  check_error(r, 403, "missing_required_scope");
  CHECK(r.json["error"]["required_scope"] == "usage:read");
  check_error(api("GET", s.api_url + "/workspace/usage-events", key), 403, "missing_required_scope");
}

TEST_CASE("usage events: raw, newest first, paginated, with the api.md §7 fields") {
  Server s;
  for (int i = 0; i < 5; ++i) api("GET", s.api_url + "/workspace", s.token, nullptr, {{"x-correlation-id", "u"}});
  std::string url = s.api_url + "/workspace/usage-events?limit=2";
  auto r = api("GET", url, s.token);
  REQUIRE(r.status == 200);
  REQUIRE(r.json["data"].size() == 2);
  auto e = r.json["data"][0];
  for (const char* f :
       {"id", "workspace_id", "credential", "route", "status", "units", "kind", "request_id", "created_at"})
    CHECK_MESSAGE(e.contains(f), f);
  CHECK(e["credential"]["type"] == "api_key");
  CHECK(e["route"] == "GET /v1/workspace");
  CHECK(e["units"] == 1);
  CHECK(e["kind"] == "api_request");
  std::set<std::string> ids;
  std::string next = url;
  for (;;) {
    auto p = api("GET", next, s.token);
    REQUIRE(p.status == 200);
    for (auto& x : p.json["data"]) CHECK(ids.insert(x["id"].get<std::string>()).second);
    if (!p.json.contains("next_cursor")) break;
    next = url + "&cursor=" + p.json["next_cursor"].get<std::string>();
  }
  CHECK(ids.size() >= 6);  // 5 reads and the first list page, at least
  auto cursor = r.json["next_cursor"].get<std::string>();
  check_error(api("GET", url + "&kind=api_request&cursor=" + cursor, s.token), 400, "invalid_request");
  auto filtered = api("GET", s.api_url + "/workspace/usage-events?kind=webhook_delivery", s.token);
  CHECK(filtered.json["data"].empty());
}

TEST_CASE("a write's audit event, event and usage event share one id; reads and writes interleave in every list") {
  // A change's event and its call's usage event are kept in its audit row (docs/server.md,
  // "One row per change"); reads are metered in rows of their own. Every list shows both,
  // merged in id order, each once.
  Server s;
  std::vector<std::string> contacts;
  for (int i = 0; i < 7; ++i) {
    auto c = api("POST", s.api_url + "/contacts", s.token, {{"name", "Interleaved " + std::to_string(i)}});
    REQUIRE(c.status == 201);
    contacts.push_back(c.json["data"]["id"].get<std::string>());
    REQUIRE(api("GET", s.api_url + "/contacts/" + contacts.back(), s.token).status == 200);
  }
  auto bad = api("POST", s.api_url + "/contacts", s.token, {{"email", "not-an-address"}});
  REQUIRE(bad.status == 422);  // refused before any change: metered, no audit row, no event
  auto created = audit(s, "action=contact.created&limit=100");
  REQUIRE(created.size() == 7);
  std::set<std::string> suffixes;
  for (auto& a : created) suffixes.insert(a["id"].get<std::string>().substr(4));
  // The events of those changes carry the same ids, with their data.
  auto events = api("GET", s.api_url + "/events?type=contact.created&limit=100", s.token);
  REQUIRE(events.status == 200);
  REQUIRE(events.json["data"].size() == 7);
  for (auto& e : events.json["data"]) {
    auto id = e["id"].get<std::string>();
    CHECK(id.rfind("evt_", 0) == 0);
    CHECK(suffixes.contains(id.substr(4)));
    auto one = api("GET", s.api_url + "/events/" + id, s.token);
    REQUIRE(one.status == 200);
    CHECK(one.json["data"]["data"]["id"] == e["data"]["id"]);
    // No audit event answers to an event's id, and no event to an audit event's.
    CHECK(api("GET", audit_url(s) + "/aud_" + id.substr(4), s.token).status == 200);
    CHECK(api("GET", audit_url(s) + "/" + id, s.token).status == 404);
    CHECK(api("GET", s.api_url + "/events/aud_" + id.substr(4), s.token).status == 404);
  }
  // Usage, two at a time: every call once, newest first, writes and reads interleaved.
  std::string url = s.api_url + "/workspace/usage-events?limit=2";
  std::vector<Json> all;
  for (std::string next = url;;) {
    auto p = api("GET", next, s.token);
    REQUIRE(p.status == 200);
    for (auto& x : p.json["data"]) all.push_back(x);
    if (!p.json.contains("next_cursor")) break;
    next = url + "&cursor=" + p.json["next_cursor"].get<std::string>();
  }
  std::set<std::string> ids;
  int creates = 0, reads = 0, refused = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    auto id = all[i]["id"].get<std::string>();
    CHECK(ids.insert(id).second);
    if (i > 0) CHECK(all[i - 1]["id"].get<std::string>() > id);
    if (all[i]["route"] == "POST /v1/contacts") {
      if (all[i]["status"] == 201) {
        ++creates;
        CHECK(suffixes.contains(id.substr(4)));
        CHECK(all[i]["kind"] == "api_request");
        CHECK(all[i]["units"] == 1);
        CHECK(all[i]["credential"]["type"] == "api_key");
      } else {
        ++refused;
        CHECK(all[i]["status"] == 422);
      }
    }
    if (all[i]["route"] == "GET /v1/contacts/{id}") ++reads;
  }
  CHECK(creates == 7);
  CHECK(reads == 7);
  CHECK(refused == 1);
  // Filters apply to both: a credential's calls, and kinds that only rows of their own have.
  auto key = all[0]["credential"]["id"].get<std::string>();
  auto mine = api("GET", s.api_url + "/workspace/usage-events?limit=100&credential_id=" + key, s.token);
  REQUIRE(mine.status == 200);
  CHECK(mine.json["data"].size() >= 15);
  CHECK(api("GET", s.api_url + "/workspace/usage-events?limit=100&credential_id=key_nobody", s.token)
            .json["data"]
            .empty());
  CHECK(api("GET", s.api_url + "/workspace/usage-events?kind=credential_action", s.token).json["data"].empty());
  // The summary counts both.
  auto by_route = api("GET", s.api_url + "/workspace/usage?group_by=route", s.token);
  REQUIRE(by_route.status == 200);
  bool seen = false;
  for (auto& row : by_route.json["data"])
    if (row["key"] == "POST /v1/contacts") {
      seen = true;
      CHECK(row["requests"] == 8);
      CHECK(row["units"] == 8);
      CHECK(row["errors"] == 1);
    }
  CHECK(seen);
  auto by_kind = api("GET", s.api_url + "/workspace/usage?group_by=kind", s.token);
  REQUIRE(by_kind.status == 200);
  REQUIRE(by_kind.json["data"].size() >= 1);
  CHECK(by_kind.json["data"][0]["key"] == "api_request");
  CHECK(by_kind.json["data"][0]["requests"].get<int>() >= int(all.size()));
}

// ---- slab5 audit and slab5 usage through the real binary -----------------------------------

namespace {
std::map<std::string, std::string> cli_env(const Server& s) {
  return {{"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_WORKSPACE_TOKEN", s.token}};
}
}  // namespace

TEST_CASE("slab5 audit: filters, one page by default, every page with --all") {
  Server s;
  make_events(s);
  auto r = run_cli({"audit", "--action", "workspace.*"}, cli_env(s));
  CHECK(r.exit_code == 0);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 8);
  CHECK(r.out.find("\tworkspace.updated\t") != std::string::npos);
  auto page = run_cli({"audit", "list", "--limit", "3", "--json"}, cli_env(s));
  REQUIRE(page.exit_code == 0);
  CHECK(Json::parse(page.out).size() == 3);
  auto all = run_cli({"audit", "--limit", "3", "--all", "--json"}, cli_env(s));
  REQUIRE(all.exit_code == 0);
  auto events = Json::parse(all.out);
  CHECK(events.size() == 10);
  CHECK(events[0]["action"] == "workspace.updated");
  std::string actor = events[0]["actor"]["id"];
  auto mine = run_cli({"audit", "--actor", actor, "--since", "1h", "--all", "--json"}, cli_env(s));
  CHECK(Json::parse(mine.out).size() == 7);
  // Checked before the request, like every duration flag: a usage error naming the flag.
  auto whenever = run_cli({"audit", "--since", "whenever"}, cli_env(s));
  CHECK(whenever.exit_code == 2);
  CHECK(whenever.err.find("--since") != std::string::npos);
  CHECK(run_cli({"audit", "--limit", "500"}, cli_env(s)).exit_code == 2);
  auto env = cli_env(s);
  env["SLAB5_WORKSPACE_TOKEN"] = fixtures::make_key(s, {"usage:read"});
  CHECK(run_cli({"audit"}, env).exit_code == 5);
}

TEST_CASE("slab5 audit --follow --json prints new events as NDJSON, one object per line") {
  Server s;
  std::map<std::string, std::string> env = cli_env(s);
  env["PATH"] = "/usr/bin:/bin";
  env["HOME"] = "/tmp";
  CliResult follow;
  std::thread t([&] {
    follow = run_program(slab5_bin(), {"audit", "--follow", "--json", "--limit", "1", "--interval", "0.2"}, env, "", 3);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  api("PATCH", s.api_url + "/workspace", s.token, {{"name", "Followed"}});
  api("PUT", s.api_url + "/workspace/modules/bi", s.token);
  t.join();
  std::vector<Json> lines;
  std::istringstream in(follow.out);
  std::string line;
  while (std::getline(in, line)) {
    auto j = Json::parse(line, nullptr, false);
    REQUIRE_MESSAGE(j.is_object(), line);
    lines.push_back(j);
  }
  REQUIRE(lines.size() == 3);  // the latest event, then the two new ones, oldest first
  CHECK(lines[0]["action"] == "api_key.created");
  CHECK(lines[1]["action"] == "workspace.updated");
  CHECK(lines[2]["action"] == "workspace.module_enabled");
}

TEST_CASE("slab5 usage: grouped rows as TSV, --json as the server sent it, bad --group-by is exit 2") {
  Server s;
  for (int i = 0; i < 2; ++i) api("GET", s.api_url + "/workspace", s.token);
  auto r = run_cli({"usage", "--group-by", "route", "--since", "1h"}, cli_env(s));
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("GET /v1/workspace\t2\t2\t0\n") != std::string::npos);
  auto j = run_cli({"usage", "--group-by", "kind", "--json"}, cli_env(s));
  REQUIRE(j.exit_code == 0);
  auto rows = Json::parse(j.out);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["key"] == "api_request");
  CHECK(rows[0]["requests"] == 3);  // two reads and the route summary; this request is not counted yet
  auto days = run_cli({"usage"}, cli_env(s));
  CHECK(days.out.rfind(slab5::format_rfc3339(slab5::now_millis()).substr(0, 10) + "\t", 0) == 0);
  CHECK(run_cli({"usage", "--group-by", "month"}, cli_env(s)).exit_code == 2);
}

// ---- sessions: each role on the audit and usage routes -------------------------------------

TEST_CASE("each role: owner and admin read audit and usage; member, agent and readonly lack the scopes") {
  Server s;
  std::map<std::string, std::string> tokens{{"owner", fixtures::owner_session(s)}};
  for (const char* role : {"admin", "member", "agent", "readonly"}) tokens[role] = add_member(s, role).access_token;
  for (auto& [role, token] : tokens) {
    CAPTURE(role);
    auto a = fixtures::ws_api("GET", audit_url(s), token, s.workspace_id);
    auto one = fixtures::ws_api("GET", audit_url(s) + "/aud_01aaaaaaaaaaaaaaaaaaaaaaaa", token, s.workspace_id);
    auto u = fixtures::ws_api("GET", s.api_url + "/workspace/usage", token, s.workspace_id);
    auto ue = fixtures::ws_api("GET", s.api_url + "/workspace/usage-events", token, s.workspace_id);
    if (role == "owner" || role == "admin") {
      CHECK(a.status == 200);
      CHECK(one.status == 404);
      CHECK(u.status == 200);
      CHECK(ue.status == 200);
    } else {
      check_error(a, 403, "missing_required_scope");
      CHECK(a.json["error"]["required_scope"] == "audit:read");
      check_error(one, 403, "missing_required_scope");
      check_error(u, 403, "missing_required_scope");
      CHECK(u.json["error"]["required_scope"] == "usage:read");
      check_error(ue, 403, "missing_required_scope");
    }
  }
}

TEST_CASE("session requests are metered as credential type session and audited as the user") {
  Server s;
  auto owner = fixtures::owner_session(s);
  auto r = fixtures::ws_api("PATCH", s.api_url + "/workspace", owner, s.workspace_id, {{"name", "By a person"}});
  REQUIRE(r.status == 200);
  auto ev = audit(s, "request_id=" + r.json["request_id"].get<std::string>());
  REQUIRE(ev.size() == 1);
  CHECK(ev[0]["actor"] == Json{{"type", "user"}, {"id", fixtures::owner_id(s)}});
  auto by_actor = audit(s, "actor_id=" + fixtures::owner_id(s) + "&action=workspace.*");
  CHECK(by_actor.size() == 1);
  auto events = fixtures::ws_api("GET", s.api_url + "/workspace/usage-events?limit=100", owner, s.workspace_id);
  bool found = false;
  for (auto& e : events.json["data"])
    if (e["request_id"] == r.json["request_id"]) {
      found = true;
      CHECK(e["credential"]["type"] == "session");
      CHECK(e["credential"]["id"].get<std::string>().rfind("ses_", 0) == 0);
      CHECK(e["route"] == "PATCH /v1/workspace");
    }
  CHECK(found);
}
