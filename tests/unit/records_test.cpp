// server/domain/records: the generic record rules, called with an Actor and typed input —
// no request, no HTTP.
#include <doctest/doctest.h>

#include "domain/audit.hpp"
#include "domain/records.hpp"
#include "domain/workspaces.hpp"
#include "slab5/ids.hpp"
#include "store/sqlite/migrations.hpp"

using namespace slab5d;
using Json = nlohmann::json;
namespace api = slab5::api;

namespace {
struct RecordsFixture {
  std::unique_ptr<Db> db = Db::open(":memory:", true);
  Actor actor;
  RequestMeta meta{.request_id = "req_test", .route = "test"};
  std::unique_ptr<Records> records;
  RecordsFixture() {
    migrate(*db);
    Tx tx(*db);
    auto w = create_workspace(*db, "Acme", "acme", "", "");
    tx.commit();
    actor = Actor{.type = "api_key", .id = "key_test", .workspace_id = w.id, .tenant_id = w.tenant_id};
    records = std::make_unique<Records>(*db);
  }
  std::int64_t count(const std::string& sql) {
    auto q = db->query(sql);
    q.next();
    return q.integer(0);
  }
};
const api::ResourceSpec& spec_of(std::string_view r) { return *api::find_resource(r); }
}  // namespace

TEST_CASE("create writes the record, its audit row and its event in one unit") {
  RecordsFixture f;
  auto c = f.records->create(spec_of("contacts"), f.actor, f.meta, Json{{"name", " Jane "}});
  REQUIRE(c);
  CHECK((*c)["name"] == "Jane");
  CHECK((*c)["version"] == 1);
  CHECK((*c)["source"] == "api");
  CHECK((*c)["created_by"] == Json{{"type", "api_key"}, {"id", "key_test"}});
  CHECK(f.count("SELECT count(*) FROM audit_events WHERE action = 'contact.created'") == 1);
  CHECK(f.count("SELECT count(*) FROM events WHERE type = 'contact.created'") == 1);
}

TEST_CASE("on SQLite a change's event and its call's usage event are its audit row, not rows of their own") {
  // docs/server.md, "One row per change": one row in audit_events per change, nothing in
  // usage_event_rows, and the event and usage event read back under the row's id.
  RecordsFixture f;
  f.actor.credential_id = "key_test";  // a metered call
  RequestMeta update_meta{.request_id = "req_update", .route = "PATCH /v1/contacts/{id}"};
  auto c = f.records->create(spec_of("contacts"), f.actor, f.meta, Json{{"name", "Jane"}});
  REQUIRE(c);
  auto id = (*c)["id"].get<std::string>();
  REQUIRE(f.records->update(spec_of("contacts"), f.actor, update_meta, id, Json{{"name", "Janet"}}, std::nullopt));
  CHECK(f.count("SELECT count(*) FROM audit_events WHERE target_id = '" + id + "'") == 2);
  CHECK(f.count("SELECT count(*) FROM audit_events WHERE target_id = '" + id +
                "' AND audited AND event AND usage_credential_id = 'key_test' AND usage_credential_type = 'api_key'") ==
        2);
  CHECK(f.count("SELECT count(*) FROM audit_events WHERE NOT audited") == 0);
  CHECK(f.count("SELECT count(*) FROM usage_event_rows") == 0);
  // Through the views, as the tables of those names showed them.
  CHECK(f.count("SELECT count(*) FROM events e JOIN audit_events a ON a.id = 'aud_' || substr(e.id, 5) "
                "WHERE a.target_id = '" +
                id + "'") == 2);
  CHECK(f.count("SELECT count(*) FROM events WHERE type = 'contact.updated' AND previous = '{\"name\":\"Jane\"}'") ==
        1);
  CHECK(f.count("SELECT count(*) FROM usage_events WHERE status IN (200, 201) AND request_id IN ('req_test', "
                "'req_update') AND kind = 'api_request'") == 2);
}

TEST_CASE("a prepared create writes what an unprepared one would, serialized once") {
  RecordsFixture f;
  const auto& contacts = spec_of("contacts");
  CHECK_FALSE(Records::prepare_create(contacts, f.actor, Json{{"email", "nope"}}));
  Json input{{"name", " Jane "}, {"custom_fields", {{"tier", "gold"}}}};
  auto prepared = Records::prepare_create(contacts, f.actor, input);
  REQUIRE(prepared);
  CHECK(prepared->record["id"].is_null());  // given when the write takes its turn
  auto c = f.records->create(contacts, f.actor, f.meta, input, "", {}, &*prepared);
  REQUIRE(c);
  CHECK((*c)["name"] == "Jane");
  CHECK((*c)["custom_fields"] == Json{{"tier", "gold"}});
  CHECK(slab5::is_id((*c)["id"].get<std::string>(), "con"));
  CHECK((*c)["created_at"] == (*c)["updated_at"]);
  REQUIRE(f.records->created_text());
  CHECK(Json::parse(*f.records->created_text()) == *c);
  {
    auto q = f.db->query("SELECT after_json FROM audit_events WHERE target_id = ?", (*c)["id"].get<std::string>());
    REQUIRE(q.next());
    CHECK(q.text(0) == *f.records->created_text());
    auto e = f.db->query("SELECT data FROM events WHERE type = 'contact.created'");
    REQUIRE(e.next());
    CHECK(e.text(0) == *f.records->created_text());
  }
  // The prepared record was taken: given again, the input is validated and built anew.
  auto again = f.records->create(contacts, f.actor, f.meta, input, "", {}, &*prepared);
  REQUIRE(again);
  CHECK((*again)["name"] == "Jane");
  CHECK((*again)["id"] != (*c)["id"]);
  // Prepared for another resource: not used.
  auto for_companies = Records::prepare_create(spec_of("companies"), f.actor, Json{{"name", "Acme"}});
  REQUIRE(for_companies);
  auto bad = f.records->create(contacts, f.actor, f.meta, Json{{"email", "nope"}}, "", {}, &*for_companies);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == "validation_failed");
}

TEST_CASE("secret fields are found at any depth without copying") {
  CHECK_FALSE(has_secret_fields(Json{{"name", "x"}, {"custom_fields", {{"a", {{"b", Json::array({1, 2})}}}}}}));
  CHECK(has_secret_fields(Json{{"token", "x"}}));
  CHECK(has_secret_fields(Json{{"a", Json::array({Json::object(), Json{{"deep", {{"password", 1}}}}})}}));
  CHECK_FALSE(has_secret_fields(Json{{"tokens", 1}, {"secrets", Json::array({"token"})}}));
  // Far deeper than any parser limit: looked at with a stack of its own.
  Json deep = Json::object();
  Json* at = &deep;
  for (int i = 0; i < 20000; ++i) at = &((*at)["n"] = Json::object());
  (*at)["signing_secret"] = "s";
  CHECK(has_secret_fields(deep));
  CHECK(strip_secrets(Json{{"a", {{"token", 1}, {"b", 2}}}}) == Json{{"a", {{"b", 2}}}});
}

TEST_CASE("a refused create writes nothing") {
  RecordsFixture f;
  auto c = f.records->create(spec_of("contacts"), f.actor, f.meta,
                             Json{{"name", "J"}, {"company_id", "cmp_01jabcdefghjkmnpqrstvwxyz0"}});
  REQUIRE_FALSE(c);
  CHECK(c.error().code == "validation_failed");
  CHECK(c.error().extra["field_errors"][0]["field"] == "company_id");
  CHECK(f.count("SELECT count(*) FROM contacts") == 0);
  CHECK(f.count("SELECT count(*) FROM audit_events") == 0);
  CHECK(f.count("SELECT count(*) FROM events") == 0);
}

TEST_CASE("dry run validates and writes nothing") {
  RecordsFixture f;
  auto c = f.records->create(spec_of("contacts"), f.actor, f.meta, Json{{"name", "J"}}, "", {.dry_run = true});
  REQUIRE(c);
  CHECK(f.count("SELECT count(*) FROM contacts") == 0);
}

TEST_CASE("update is a merge patch with versions; a no-op changes nothing") {
  RecordsFixture f;
  auto c = *f.records->create(spec_of("contacts"), f.actor, f.meta, Json{{"name", "J"}, {"custom_fields", {{"a", 1}}}});
  auto u = f.records->update(spec_of("contacts"), f.actor, f.meta, c["id"],
                             Json{{"title", "CTO"}, {"custom_fields", {{"b", true}}}}, 1);
  REQUIRE(u);
  CHECK((*u)["version"] == 2);
  CHECK((*u)["custom_fields"] == Json{{"a", 1}, {"b", true}});
  auto stale = f.records->update(spec_of("contacts"), f.actor, f.meta, c["id"], Json{{"title", "CEO"}}, 1);
  REQUIRE_FALSE(stale);
  CHECK(stale.error().code == "precondition_failed");
  auto same = f.records->update(spec_of("contacts"), f.actor, f.meta, c["id"], Json{{"title", "CTO"}});
  REQUIRE(same);
  CHECK((*same)["version"] == 2);
  CHECK(f.count("SELECT count(*) FROM events WHERE type = 'contact.updated'") == 1);
  // The event names what changed and what it was.
  auto q = f.db->query("SELECT previous FROM events WHERE type = 'contact.updated'");
  REQUIRE(q.next());
  auto previous = Json::parse(q.text(0));
  CHECK(previous["title"].is_null());
  CHECK(previous.contains("custom_fields"));
}

TEST_CASE("an MCP client's change sets last_agent_actor_id and the mcp source") {
  RecordsFixture f;
  Actor agent = f.actor;
  agent.type = "mcp_client";
  agent.id = "mcp_agent";
  agent.source = "mcp";
  auto c = *f.records->create(spec_of("tasks"), agent, f.meta, Json{{"title", "Call"}});
  CHECK(c["source"] == "mcp");
  CHECK(c["last_agent_actor_id"] == "mcp_agent");
  auto u = *f.records->update(spec_of("tasks"), f.actor, f.meta, c["id"], Json{{"title", "Call back"}});
  CHECK(u["last_agent_actor_id"].is_null());
  auto q = f.db->query("SELECT source FROM audit_events WHERE action = 'task.created'");
  REQUIRE(q.next());
  CHECK(q.text(0) == "mcp");
}

TEST_CASE("a new workspace starts with the five default deal stages; deals take the first open one") {
  RecordsFixture f;
  RecordQuery q{.sort = RecordSort::Position};
  auto stages = f.records->list(spec_of("deal-stages"), f.actor, q);
  REQUIRE(stages);
  REQUIRE(stages->records.size() == 5);
  CHECK(stages->records[0]["name"] == "discovery");
  auto d = *f.records->create(spec_of("deals"), f.actor, f.meta, Json{{"name", "Renewal"}});
  CHECK(d["stage_id"] == stages->records[0]["id"]);
  CHECK(d["status"] == "open");
  CHECK(d["closed_at"].is_null());
  auto won =
      *f.records->update(spec_of("deals"), f.actor, f.meta, d["id"], Json{{"stage_id", stages->records[3]["id"]}});
  CHECK(won["status"] == "won");
  CHECK(won["closed_at"].is_string());
  // A stage that deals use cannot be deleted.
  auto refused = f.records->remove(spec_of("deal-stages"), f.actor, f.meta, stages->records[3]["id"]);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == "conflict");
}

TEST_CASE("deleting a company clears the references to it, each a recorded change") {
  RecordsFixture f;
  auto co = *f.records->create(spec_of("companies"), f.actor, f.meta, Json{{"name", "Acme"}});
  auto c = *f.records->create(spec_of("contacts"), f.actor, f.meta, Json{{"name", "J"}, {"company_id", co["id"]}});
  REQUIRE(f.records->remove(spec_of("companies"), f.actor, f.meta, co["id"]));
  auto after = *f.records->get(spec_of("contacts"), f.actor, c["id"]);
  CHECK(after["company_id"].is_null());
  CHECK(after["version"] == 2);
  CHECK(f.count("SELECT count(*) FROM events WHERE type = 'company.deleted'") == 1);
  CHECK(f.count("SELECT count(*) FROM events WHERE type = 'contact.updated'") == 1);
  auto gone = f.records->get(spec_of("companies"), f.actor, co["id"]);
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code == "resource_not_found");
}

TEST_CASE("a lead converts once, in one unit, reusing a company of the same name") {
  RecordsFixture f;
  auto existing = *f.records->create(spec_of("companies"), f.actor, f.meta, Json{{"name", "Lee Ltd"}});
  auto lead = *f.records->create(spec_of("leads"), f.actor, f.meta,
                                 Json{{"name", "Sam Lee"}, {"company_name", "Lee Ltd"}, {"source", "website"}});
  const auto& convert = spec_of("leads").actions.at(0);
  auto out = f.records->act(spec_of("leads"), convert, f.actor, f.meta, lead["id"], Json{{"create_deal", true}});
  REQUIRE(out);
  CHECK((*out)["company"]["id"] == existing["id"]);
  CHECK((*out)["contact"]["company_id"] == existing["id"]);
  CHECK((*out)["deal"]["contact_id"] == (*out)["contact"]["id"]);
  CHECK((*out)["lead"]["status"] == "converted");
  CHECK((*out)["lead"]["source"] == "website");
  CHECK(f.count("SELECT count(*) FROM events WHERE type = 'lead.converted'") == 1);
  auto again = f.records->act(spec_of("leads"), convert, f.actor, f.meta, lead["id"], Json::object());
  REQUIRE_FALSE(again);
  CHECK(again.error().code == "conflict");
}

TEST_CASE("appending to a ticket's messages needs the ticket; activities cannot be changed") {
  RecordsFixture f;
  const auto& messages = *api::find_child("support-tickets", "messages");
  auto none = f.records->create(messages, f.actor, f.meta, Json{{"body", "hi"}}, "tkt_01jabcdefghjkmnpqrstvwxyz0");
  REQUIRE_FALSE(none);
  CHECK(none.error().code == "resource_not_found");
  auto t = *f.records->create(spec_of("support-tickets"), f.actor, f.meta, Json{{"subject", "Help"}});
  auto m = f.records->create(messages, f.actor, f.meta, Json{{"body", "hi"}}, t["id"]);
  REQUIRE(m);
  CHECK((*m)["ticket_id"] == t["id"]);
  auto a = *f.records->create(spec_of("activities"), f.actor, f.meta, Json{{"type", "note"}, {"summary", "s"}});
  CHECK(a["occurred_at"].is_string());
  auto patch = f.records->update(spec_of("activities"), f.actor, f.meta, a["id"], Json{{"summary", "x"}});
  REQUIRE_FALSE(patch);
  CHECK(patch.error().code == "method_not_allowed");
}

TEST_CASE("CMS slugs are derived from the title and unique per collection") {
  RecordsFixture f;
  auto e = *f.records->create(spec_of("cms-entries"), f.actor, f.meta,
                              Json{{"title", "Hello World"}, {"collection", "blog"}});
  CHECK(e["slug"] == "hello-world");
  auto dup = f.records->create(spec_of("cms-entries"), f.actor, f.meta,
                               Json{{"title", "Hello world"}, {"collection", "blog"}});
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == "conflict");
  auto pub = *f.records->update(spec_of("cms-entries"), f.actor, f.meta, e["id"], Json{{"status", "published"}});
  CHECK(pub["published_at"].is_string());
}

TEST_CASE("member references must name a member of the workspace") {
  RecordsFixture f;
  auto t = f.records->create(spec_of("tasks"), f.actor, f.meta,
                             Json{{"title", "x"}, {"assignee_id", "usr_01jabcdefghjkmnpqrstvwxyz0"}});
  REQUIRE_FALSE(t);
  CHECK(t.error().extra["field_errors"][0]["field"] == "assignee_id");
}
