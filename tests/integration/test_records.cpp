// App-plane resources over HTTP (api.md §8.1, §8.2): the routes generated from the resource
// table, through the one check order, against a real slab5d.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "checks.hpp"
#include "harness.hpp"
#include "workspace_fixtures.hpp"

using namespace testing;

namespace {
// Every item of a list route, following its cursors.
std::vector<Json> list_all(const Server& s, const std::string& route_and_query) {
  std::vector<Json> out;
  std::string cursor;
  for (;;) {
    std::string sep = route_and_query.find('?') == std::string::npos ? "?" : "&";
    auto r =
        api("GET", s.api_url + "/" + route_and_query + sep + "limit=100" + (cursor.empty() ? "" : "&cursor=" + cursor),
            s.token);
    INFO(r.body);
    REQUIRE(r.status == 200);
    for (const auto& item : r.json["data"]) out.push_back(item);
    if (!r.json.contains("next_cursor")) return out;
    cursor = r.json["next_cursor"].get<std::string>();
  }
}

Json create(const Server& s, const std::string& route, const Json& body) {
  auto r = api("POST", s.api_url + "/" + route, s.token, body);
  INFO(r.body);
  REQUIRE(r.status == 201);
  return r.json["data"];
}
}  // namespace

TEST_CASE("create, read with ETag, patch with If-Match, delete: a contact's whole life") {
  Server s;
  auto c = create(s, "contacts", {{"name", "Jane Doe"}, {"email", "jane@example.com"}});
  CHECK(c["id"].get<std::string>().rfind("con_", 0) == 0);
  CHECK(c["version"] == 1);
  CHECK(c["workspace_id"] == s.workspace_id);
  auto got = api("GET", s.api_url + "/contacts/" + c["id"].get<std::string>(), s.token);
  REQUIRE(got.status == 200);
  CHECK(got.header("etag") == "\"1\"");
  CHECK(got.json["data"]["name"] == "Jane Doe");
  auto patched = api("PATCH", s.api_url + "/contacts/" + c["id"].get<std::string>(), s.token, {{"title", "CTO"}},
                     {{"If-Match", "\"1\""}});
  REQUIRE(patched.status == 200);
  CHECK(patched.header("etag") == "\"2\"");
  auto stale = api("PATCH", s.api_url + "/contacts/" + c["id"].get<std::string>(), s.token, {{"title", "CEO"}},
                   {{"If-Match", "\"1\""}});
  check_error(stale, 412, "precondition_failed");
  CHECK(api("GET", s.api_url + "/contacts/" + c["id"].get<std::string>(), s.token).json["data"]["title"] == "CTO");
  auto del = api("DELETE", s.api_url + "/contacts/" + c["id"].get<std::string>(), s.token);
  CHECK(del.status == 204);
  check_error(api("GET", s.api_url + "/contacts/" + c["id"].get<std::string>(), s.token), 404, "resource_not_found");
}

TEST_CASE("a create with bad fields names every one and stores nothing") {
  Server s;
  auto r = api("POST", s.api_url + "/contacts", s.token, {{"email", "nope"}, {"phone", std::string(60, '1')}});
  check_error(r, 422, "validation_failed");
  std::set<std::string> fields;
  for (const auto& fe : r.json["error"]["field_errors"]) fields.insert(fe["field"].get<std::string>());
  CHECK(fields == std::set<std::string>{"name", "email", "phone"});
  CHECK(api("GET", s.api_url + "/contacts", s.token).json["data"].empty());
}

namespace {
std::set<std::string> bad_fields(const Response& r) {
  std::set<std::string> out;
  for (const auto& fe : r.json["error"]["field_errors"]) out.insert(fe["field"].get<std::string>());
  return out;
}
}  // namespace

TEST_CASE("bad fields, bad references and a resource rule's refusal come back in one answer") {
  Server s;
  const std::string no_company = "cmp_01m8zc7z07975tgpz9s383b8zz", no_stage = "stg_01m8zc7z07975tgpz9s383b8zz";
  auto r = api("POST", s.api_url + "/deals", s.token, {{"name", ""}, {"company_id", no_company}});
  check_error(r, 422, "validation_failed");
  CHECK(bad_fields(r) == std::set<std::string>{"name", "company_id"});
  r = api("POST", s.api_url + "/deals", s.token, {{"name", "x"}, {"stage_id", no_stage}, {"company_id", no_company}});
  check_error(r, 422, "validation_failed");
  CHECK(bad_fields(r) == std::set<std::string>{"stage_id", "company_id"});
  CHECK(r.json["error"]["field_errors"].size() == 2);  // the stage is named once, by the rule or the reference
  r = api("POST", s.api_url + "/assets", s.token,
          {{"name", ""}, {"asset_type", "pic"}, {"file_name", ""}, {"mime_type", "bad"}, {"byte_size", -1}});
  check_error(r, 422, "validation_failed");
  CHECK(bad_fields(r) == std::set<std::string>{"name", "asset_type", "file_name", "mime_type", "byte_size"});
  r = api("POST", s.api_url + "/assets", s.token,
          {{"name", ""},
           {"asset_type", "image"},
           {"file_name", "a.png"},
           {"mime_type", "image/png"},
           {"byte_size", 104857601}});
  CHECK(bad_fields(r) == std::set<std::string>{"name", "byte_size"});
  auto d = create(s, "deals", {{"name", "Renewal"}});
  std::string url = s.api_url + "/deals/" + d["id"].get<std::string>();
  r = api("PATCH", url, s.token, {{"name", ""}, {"company_id", no_company}, {"amount_cents", -1}});
  check_error(r, 422, "validation_failed");
  CHECK(bad_fields(r) == std::set<std::string>{"name", "company_id", "amount_cents"});
  CHECK(api("GET", url, s.token).json["data"]["version"] == 1);
  CHECK(api("GET", s.api_url + "/deals", s.token).json["data"].size() == 1);
  CHECK(api("GET", s.api_url + "/assets", s.token).json["data"].empty());
}

TEST_CASE("a PATCH keeps custom_fields within 50 keys and 16 KiB once merged") {
  Server s;
  Json fifty = Json::object();
  for (int i = 0; i < 50; ++i) fifty["k" + std::to_string(i)] = i;
  auto c = create(s, "contacts", {{"name", "Full"}, {"custom_fields", fifty}});
  std::string url = s.api_url + "/contacts/" + c["id"].get<std::string>();
  auto r = api("PATCH", url, s.token, {{"custom_fields", {{"extra", 1}}}});
  check_error(r, 422, "validation_failed");
  CHECK(bad_fields(r) == std::set<std::string>{"custom_fields"});
  r = api("PATCH", url, s.token, {{"custom_fields", {{"k0", nullptr}, {"extra", 1}}}});  // one out, one in
  REQUIRE(r.status == 200);
  CHECK(r.json["data"]["custom_fields"].size() == 50);
  Json big = Json::object();
  for (int i = 0; i < 8; ++i) big["s" + std::to_string(i)] = std::string(1900, 'x');
  auto b = create(s, "contacts", {{"name", "Big"}, {"custom_fields", big}});
  Json more = Json::object();
  for (int i = 8; i < 12; ++i) more["s" + std::to_string(i)] = std::string(1900, 'x');
  r = api("PATCH", s.api_url + "/contacts/" + b["id"].get<std::string>(), s.token, {{"custom_fields", more}});
  check_error(r, 422, "validation_failed");
  CHECK(r.body.find("16 KiB") != std::string::npos);
  CHECK(api("GET", s.api_url + "/contacts/" + b["id"].get<std::string>(), s.token).json["data"]["version"] == 1);
}

TEST_CASE("a task's related type and id are checked together when a PATCH changes one") {
  Server s;
  auto co = create(s, "companies", {{"name", "Co"}});
  auto t =
      create(s, "tasks", {{"title", "t"}, {"related_resource_type", "company"}, {"related_resource_id", co["id"]}});
  std::string url = s.api_url + "/tasks/" + t["id"].get<std::string>();
  auto r = api("PATCH", url, s.token, {{"related_resource_type", "deal"}});
  check_error(r, 422, "validation_failed");
  CHECK(bad_fields(r) == std::set<std::string>{"related_resource_id"});
  r = api("PATCH", url, s.token, {{"related_resource_type", nullptr}});
  check_error(r, 422, "validation_failed");
  CHECK(bad_fields(r) == std::set<std::string>{"related_resource_type"});
  r = api("PATCH", url, s.token, {{"related_resource_type", nullptr}, {"related_resource_id", nullptr}});
  REQUIRE(r.status == 200);
  CHECK(r.json["data"]["related_resource_id"].is_null());
}

TEST_CASE("a derived CMS slug stays within 120 characters and can be sent back") {
  Server s;
  std::string title;
  for (int i = 0; i < 39; ++i) title += (i ? " " : "") + std::string("word");
  auto e = create(s, "cms-entries", {{"title", title}, {"collection", "blog"}});
  std::string slug = e["slug"];
  CHECK(slug.size() <= 120);
  CHECK(slug.back() != '-');
  auto r = api("PATCH", s.api_url + "/cms-entries/" + e["id"].get<std::string>(), s.token, {{"slug", slug}});
  INFO(r.body);
  CHECK(r.status == 200);
}

TEST_CASE("a DELETE with If-Match deletes only the version it names") {
  Server s;
  auto c = create(s, "contacts", {{"name", "Keep"}});
  std::string url = s.api_url + "/contacts/" + c["id"].get<std::string>();
  check_error(api("DELETE", url, s.token, nullptr, {{"If-Match", "\"2\""}}), 412, "precondition_failed");
  check_error(api("DELETE", url, s.token, nullptr, {{"If-Match", "two"}}), 400, "invalid_request");
  CHECK(api("GET", url, s.token).status == 200);
  CHECK(api("DELETE", url, s.token, nullptr, {{"If-Match", "\"1\""}}).status == 204);
}

TEST_CASE("every write has its audit event") {
  Server s;
  auto c = create(s, "companies", {{"name", "Acme"}});
  auto ev = api("GET", s.api_url + "/workspace/audit-events?action=company.created", s.token);
  REQUIRE(ev.status == 200);
  REQUIRE(ev.json["data"].size() == 1);
  CHECK(ev.json["data"][0]["target"]["id"] == c["id"]);
  CHECK(ev.json["data"][0]["route"] == "POST /v1/companies");
  CHECK(ev.json["data"][0]["after"]["name"] == "Acme");
  // … and its usage event, once: written with the record, not again by the edge.
  std::string request_id = ev.json["data"][0]["request_id"];
  auto use = api("GET", s.api_url + "/workspace/usage-events?limit=100", s.token);
  REQUIRE(use.status == 200);
  int matching = 0;
  for (const auto& u : use.json["data"])
    if (u["request_id"] == request_id) {
      ++matching;
      CHECK(u["status"] == 201);
      CHECK(u["route"] == "POST /v1/companies");
      CHECK(u["kind"] == "api_request");
    }
  CHECK(matching == 1);
}

TEST_CASE("a delete that clears references is 204 in every row it writes, its usage event too") {
  Server s;
  auto co = create(s, "companies", {{"name", "RefCo"}});
  create(s, "contacts", {{"name", "P"}, {"company_id", co["id"]}});
  auto del = api("DELETE", s.api_url + "/companies/" + co["id"].get<std::string>(), s.token);
  REQUIRE(del.status == 204);
  std::string request_id = del.header("x-request-id");
  auto ev = api("GET", s.api_url + "/workspace/audit-events?limit=100", s.token);
  REQUIRE(ev.status == 200);
  std::set<std::string> actions;
  for (const auto& e : ev.json["data"])
    if (e["request_id"] == request_id) {
      actions.insert(e["action"].get<std::string>());
      CHECK(e["status"] == 204);
    }
  CHECK(actions == std::set<std::string>{"company.deleted", "contact.updated"});
  auto use = api("GET", s.api_url + "/workspace/usage-events?limit=100", s.token);
  int matching = 0;
  for (const auto& u : use.json["data"])
    if (u["request_id"] == request_id && u["kind"] == "api_request") {
      ++matching;
      CHECK(u["status"] == 204);
    }
  CHECK(matching == 1);
}

TEST_CASE("a created record is the same in its answer, a read, its audit row and its event") {
  // The create's answer, audit row and event share one serialization of the record
  // (docs/performance.md); each must still be the record as a read returns it.
  Server s;
  auto r = api("POST", s.api_url + "/contacts", s.token,
               {{"name", "Jane Roe"},
                {"email", "jane@example.com"},
                {"custom_fields", {{"tier", "gold"}, {"seats", 12}, {"ratio", 2.5}, {"vip", true}}}});
  REQUIRE(r.status == 201);
  const Json created = r.json["data"];
  const std::string id = created["id"];
  auto read = api("GET", s.api_url + "/contacts/" + id, s.token);
  REQUIRE(read.status == 200);
  CHECK(read.json["data"] == created);
  CHECK(read.header("etag") == r.header("etag"));
  auto audit = api("GET", s.api_url + "/workspace/audit-events?target_id=" + id, s.token);
  REQUIRE(audit.status == 200);
  REQUIRE(audit.json["data"].size() == 1);
  CHECK(audit.json["data"][0]["after"] == created);
  auto events = api("GET", s.api_url + "/events?type=contact.created", s.token);
  REQUIRE(events.status == 200);
  REQUIRE(events.json["data"].size() == 1);
  CHECK(events.json["data"][0]["data"] == created);
  // Ids and creation times follow the order of commits.
  auto second = api("POST", s.api_url + "/contacts", s.token, {{"name", "John Roe"}});
  REQUIRE(second.status == 201);
  CHECK(second.json["data"]["id"].get<std::string>() > id);
  CHECK(second.json["data"]["created_at"].get<std::string>() >= created["created_at"].get<std::string>());
}

TEST_CASE("writes refused at their record in busy write groups leave the others whole") {
  // Records are created and changed without a savepoint of their own (docs/server.md,
  // "Writes are committed in groups"): a refusal at the record itself must undo nothing else.
  Server s({.args = {"--rate-limit", "off"}});
  auto target = create(s, "contacts", {{"name", "Patched"}});
  std::string target_url = s.api_url + "/contacts/" + target["id"].get<std::string>();
  std::mutex mu;
  std::map<int, int> statuses;
  std::set<std::string> created_contacts;
  std::vector<std::string> entries;
  auto note = [&](int status) {
    std::lock_guard lk(mu);
    ++statuses[status];
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        if (t < 3) {  // good creates
          auto r = api("POST", s.api_url + "/contacts", s.token, {{"name", "Busy " + std::to_string(t * 100 + i)}});
          note(r.status);
          if (r.status == 201) {
            std::lock_guard lk(mu);
            created_contacts.insert(r.json["data"]["id"].get<std::string>());
          }
        } else if (t < 5) {  // one slug, asked for 50 times: one create, 49 conflicts
          auto r = api("POST", s.api_url + "/cms-entries", s.token,
                       {{"title", "Same"}, {"collection", "blog"}, {"slug", "same-slug"}});
          note(r.status);
          if (r.status == 201) {
            std::lock_guard lk(mu);
            entries.push_back(r.json["data"]["id"].get<std::string>());
          }
        } else {  // a version long gone
          auto r = api("PATCH", target_url, s.token, {{"name", "Stale"}}, {{"If-Match", "\"999\""}});
          note(r.status);
        }
      }
    });
  for (auto& th : threads) th.join();
  INFO("statuses: " << Json(statuses).dump());
  CHECK(statuses[201] == 75 + 1);
  CHECK(statuses[409] == 49);
  CHECK(statuses[412] == 25);
  CHECK(statuses.size() == 3);  // nothing else: no 5xx
  REQUIRE(created_contacts.size() == 75);
  // Exactly what was answered 201 is stored, each with its audit row and its event.
  std::set<std::string> stored;
  for (const auto& c : list_all(s, "contacts?query=busy")) stored.insert(c["id"].get<std::string>());
  CHECK(stored == created_contacts);
  std::set<std::string> audited, evented;
  for (const auto& a : list_all(s, "workspace/audit-events?action=contact.created"))
    audited.insert(a["target"]["id"].get<std::string>());
  for (const auto& e : list_all(s, "events?type=contact.created")) evented.insert(e["data"]["id"].get<std::string>());
  for (const auto& id : created_contacts) {
    INFO(id);
    CHECK(audited.count(id) == 1);
    CHECK(evented.count(id) == 1);
  }
  REQUIRE(entries.size() == 1);
  CHECK(list_all(s, "cms-entries?slug=same-slug").size() == 1);
  CHECK(list_all(s, "workspace/audit-events?action=cms_entry.created").size() == 1);
  auto unchanged = api("GET", target_url, s.token);
  CHECK(unchanged.json["data"]["name"] == "Patched");
  CHECK(unchanged.json["data"]["version"] == 1);
}

TEST_CASE("lists filter, search words and prefixes, and page with cursors") {
  Server s;
  for (int i = 0; i < 3; ++i)
    create(s, "contacts", {{"name", "Person " + std::to_string(i)}, {"email", "p@example.com"}});
  create(s, "contacts", {{"name", "Janet Jackson"}});
  auto found = api("GET", s.api_url + "/contacts?query=jan", s.token);
  REQUIRE(found.status == 200);
  REQUIRE(found.json["data"].size() == 1);
  CHECK(found.json["data"][0]["name"] == "Janet Jackson");
  auto filtered = api("GET", s.api_url + "/contacts?email=p@example.com&limit=2", s.token);
  REQUIRE(filtered.status == 200);
  CHECK(filtered.json["data"].size() == 2);
  REQUIRE(filtered.json.contains("next_cursor"));
  auto next =
      api("GET",
          s.api_url + "/contacts?email=p@example.com&limit=2&cursor=" + filtered.json["next_cursor"].get<std::string>(),
          s.token);
  REQUIRE(next.status == 200);
  CHECK(next.json["data"].size() == 1);
  CHECK_FALSE(next.json.contains("next_cursor"));
  // A cursor only fits the filters it came from.
  check_error(
      api("GET", s.api_url + "/contacts?limit=2&cursor=" + filtered.json["next_cursor"].get<std::string>(), s.token),
      400, "invalid_request");
}

TEST_CASE("unknown filters and bad values are 400 naming the parameter") {
  Server s;
  auto r = api("GET", s.api_url + "/contacts?colour=red", s.token);
  check_error(r, 400, "invalid_request");
  CHECK(r.json["error"]["message"].get<std::string>().find("colour") != std::string::npos);
  check_error(api("GET", s.api_url + "/tasks?status=later", s.token), 400, "invalid_request");
  check_error(api("GET", s.api_url + "/contacts?sort=name", s.token), 400, "invalid_request");
  check_error(api("GET", s.api_url + "/contacts?created_after=yesterday", s.token), 400, "invalid_request");
  // A value the field itself could never hold.
  for (const char* q :
       {"contacts?company_id=xyz", "leads?owner_id=abc", "deals?stage_id=cmp_01m8zc7z07975tgpz9s383b8zz",
        "cms-entries?slug=Hello", "contacts?email=notanemail", "contacts?query=", "contacts?query=%20"}) {
    CAPTURE(q);
    auto bad = api("GET", s.api_url + "/" + q, s.token);
    check_error(bad, 400, "invalid_request");
    std::string param(std::string_view(q).substr(std::string_view(q).find('?') + 1));
    param = param.substr(0, param.find('='));
    CHECK(bad.json["error"]["message"].get<std::string>().rfind(param, 0) == 0);
  }
  CHECK(api("GET", s.api_url + "/contacts?email=jane@example.com", s.token).status == 200);
}

TEST_CASE("module and scope refusals come in the check order") {
  Server s;
  auto read_only = fixtures::make_key(s, {"crm:read"});
  check_error(api("POST", s.api_url + "/contacts", read_only, {{"name", "x"}}), 403, "missing_required_scope");
  CHECK(api("GET", s.api_url + "/contacts", read_only).status == 200);
  auto off = api("DELETE", s.api_url + "/workspace/modules/crm", s.token);
  REQUIRE(off.status == 200);
  auto r = api("GET", s.api_url + "/contacts", read_only);
  check_error(r, 403, "module_not_enabled");
  CHECK(r.json["error"]["module"] == "crm");
}

TEST_CASE("an id of another workspace is not found") {
  Server s;
  auto c = create(s, "contacts", {{"name", "Mine"}});
  auto session = fixtures::owner_session(s);
  auto other = api("POST", s.api_url + "/workspaces", session, {{"name", "Other"}});
  REQUIRE(other.status == 201);
  std::string other_id = other.json["data"]["id"];
  auto r = fixtures::ws_api("GET", s.api_url + "/contacts/" + c["id"].get<std::string>(), session, other_id);
  check_error(r, 404, "resource_not_found");
}

TEST_CASE("deals start on the first open stage; a stage in use cannot be deleted") {
  Server s;
  auto stages = api("GET", s.api_url + "/deal-stages", s.token);
  REQUIRE(stages.status == 200);
  REQUIRE(stages.json["data"].size() == 5);
  CHECK(stages.json["data"][0]["name"] == "discovery");
  auto d = create(s, "deals", {{"name", "Renewal"}, {"amount_cents", 120000}});
  CHECK(d["stage_id"] == stages.json["data"][0]["id"]);
  CHECK(d["currency"] == "USD");
  check_error(api("DELETE", s.api_url + "/deal-stages/" + d["stage_id"].get<std::string>(), s.token), 409, "conflict");
  // A deal's status is its stage's outcome: a stage that deals are in keeps it.
  std::string stage = s.api_url + "/deal-stages/" + d["stage_id"].get<std::string>();
  check_error(api("PATCH", stage, s.token, {{"outcome", "won"}}), 409, "conflict");
  CHECK(api("GET", s.api_url + "/deals/" + d["id"].get<std::string>(), s.token).json["data"]["status"] == "open");
  CHECK(api("PATCH", stage, s.token, {{"name", "first call"}}).status == 200);
  auto empty = create(s, "deal-stages", {{"name", "parked"}});
  CHECK(api("PATCH", s.api_url + "/deal-stages/" + empty["id"].get<std::string>(), s.token, {{"outcome", "lost"}})
            .status == 200);
}

TEST_CASE("a lead converts in one step and only once") {
  Server s;
  auto lead = create(s, "leads", {{"name", "Sam Lee"}, {"company_name", "Lee Ltd"}});
  auto r = api("POST", s.api_url + "/leads/" + lead["id"].get<std::string>() + "/convert", s.token,
               {{"create_deal", true}, {"amount_cents", 5000}});
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.json["data"]["lead"]["status"] == "converted");
  CHECK(r.json["data"]["company"]["name"] == "Lee Ltd");
  CHECK(r.json["data"]["deal"]["amount_cents"] == 5000);
  check_error(api("POST", s.api_url + "/leads/" + lead["id"].get<std::string>() + "/convert", s.token, Json::object()),
              409, "conflict");
  // Converted is for good: a PATCH cannot reopen the lead to convert it again.
  std::string url = s.api_url + "/leads/" + lead["id"].get<std::string>();
  auto reopen = api("PATCH", url, s.token, {{"status", "new"}});
  check_error(reopen, 422, "validation_failed");
  CHECK(bad_fields(reopen) == std::set<std::string>{"status"});
  CHECK(api("PATCH", url, s.token, {{"notes", "called back"}}).json["data"]["status"] == "converted");
  CHECK(list_all(s, "contacts?query=sam").size() == 1);
}

TEST_CASE("a lead's convert takes an idempotency key and replays it") {
  Server s;
  auto lead = create(s, "leads", {{"name", "Kim Park"}});
  std::string url = s.api_url + "/leads/" + lead["id"].get<std::string>() + "/convert";
  auto first = api("POST", url, s.token, {{"idempotency_key", "convert-kim"}, {"create_deal", true}});
  REQUIRE(first.status == 200);
  auto again = api("POST", url, s.token, {{"idempotency_key", "convert-kim"}, {"create_deal", true}});
  REQUIRE(again.status == 200);
  CHECK(again.header("idempotent-replayed") == "true");
  CHECK(again.json["data"] == first.json["data"]);
  check_error(api("POST", url, s.token, {{"idempotency_key", "convert-kim"}}), 409, "idempotency_conflict");
  CHECK(list_all(s, "deals").size() == 1);
}

TEST_CASE("activities are append-only; ticket messages are a child list, oldest first") {
  Server s;
  auto a = create(s, "activities", {{"type", "call"}, {"summary", "Talked"}});
  auto patch = api("PATCH", s.api_url + "/activities/" + a["id"].get<std::string>(), s.token, {{"summary", "x"}});
  check_error(patch, 405, "method_not_allowed");
  auto t = create(s, "support-tickets", {{"subject", "Help"}});
  std::string msgs = s.api_url + "/support-tickets/" + t["id"].get<std::string>() + "/messages";
  REQUIRE(api("POST", msgs, s.token, {{"body", "first"}}).status == 201);
  REQUIRE(api("POST", msgs, s.token, {{"body", "second"}}).status == 201);
  auto list = api("GET", msgs, s.token);
  REQUIRE(list.status == 200);
  REQUIRE(list.json["data"].size() == 2);
  CHECK(list.json["data"][0]["body"] == "first");
}

TEST_CASE("an idempotent create replays instead of creating twice") {
  Server s;
  Json body{{"name", "Once"}, {"idempotency_key", "k-1"}};
  auto first = api("POST", s.api_url + "/contacts", s.token, body);
  auto second = api("POST", s.api_url + "/contacts", s.token, body);
  REQUIRE(first.status == 201);
  REQUIRE(second.status == 201);
  CHECK(second.header("idempotent-replayed") == "true");
  CHECK(second.json["data"]["id"] == first.json["data"]["id"]);
  CHECK(api("GET", s.api_url + "/contacts", s.token).json["data"].size() == 1);
}

TEST_CASE("an idle server merges a text index into one segment, and search finds the same records") {
  // SQLite's FTS5 segments; PostgreSQL's GIN index has no such upkeep (docs/postgres.md).
  if (on_postgres()) return;
  Server s;
  auto segments = [&] {
    auto r = run_program("/usr/bin/sqlite3",
                         {"-cmd", ".timeout 10000", s.db_path, "SELECT count(DISTINCT segid) FROM contacts_fts_idx"},
                         {{"PATH", "/usr/bin:/bin"}});
    REQUIRE(r.exit_code == 0);
    return std::stoi(r.out);
  };
  // One create after another, each its own commit and its own index segment; each create comes
  // before the writer has been idle long enough to merge (100 ms), unless the machine is slow.
  for (const char* name : {"Jane Alpha", "Jane Beta", "Bob Gamma"}) create(s, "contacts", {{"name", name}});
  int seen = segments();
  MESSAGE("segments after the creates: " << seen);
  CHECK(seen >= 1);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (seen > 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    seen = segments();
  }
  CHECK(seen == 1);
  auto found = api("GET", s.api_url + "/contacts?query=jane", s.token);
  REQUIRE(found.status == 200);
  CHECK(found.json["data"].size() == 2);
  CHECK(api("GET", s.api_url + "/contacts?query=gam", s.token).json["data"].size() == 1);
}
