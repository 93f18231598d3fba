// The domain's rules on whichever backend a Conn is: the same calls, the same answers, the
// same rows. Run on SQLite (tests/unit/conn_domain_test.cpp) and on PostgreSQL
// (tests/unit/pg_domain_test.cpp). `count(sql)` runs a SELECT count(*) on the backend.
#pragma once
#include <doctest/doctest.h>

#include <functional>
#include <string>

#include "domain/records.hpp"
#include "domain/workspaces.hpp"
#include "slab5/api/resources.hpp"
#include "store/conn.hpp"
#include "store/record_store.hpp"

namespace slab5d::store_cases {

using CountFn = std::function<std::int64_t(const std::string& sql)>;

inline Actor domain_case_workspace(Conn& db) {
  Tx tx(db);
  auto w = create_workspace(db, "Acme", "acme", "", "");
  tx.commit();
  return Actor{
      .type = "api_key", .id = "key_test", .workspace_id = w.id, .tenant_id = w.tenant_id, .credential_id = "key_test"};
}

// A contact's life through Records: create (record, audit row, event, usage row in one unit),
// read, search, merge-patch with the version, a stale version refused, delete.
inline void domain_record_lifecycle(Conn& db, const CountFn& count) {
  Actor actor = domain_case_workspace(db);
  RequestMeta meta{.request_id = "req_test", .route = "test"};
  const auto& contacts = *slab5::api::find_resource("contacts");
  Records records(db);
  auto c = records.create(contacts, actor, meta, nlohmann::json{{"name", " Jane Doe "}, {"email", "jane@example.com"}});
  REQUIRE(c);
  std::string id = (*c)["id"];
  CHECK((*c)["name"] == "Jane Doe");
  CHECK((*c)["version"] == 1);
  CHECK(count("SELECT count(*) FROM audit_events WHERE action = 'contact.created' AND target_id = '" + id + "'") == 1);
  CHECK(count("SELECT count(*) FROM events WHERE type = 'contact.created'") == 1);
  CHECK(count("SELECT count(*) FROM usage_events WHERE request_id = 'req_test'") >= 1);

  auto got = records.get(contacts, actor, id);
  REQUIRE(got);
  CHECK(*got == *c);

  RecordQuery q{.workspace_id = actor.workspace_id, .text = "jan"};
  auto found = records.list(contacts, actor, q);
  REQUIRE(found);
  REQUIRE(found->records.size() == 1);
  CHECK(found->records[0]["id"] == id);
  RecordQuery none{.workspace_id = actor.workspace_id, .text = "zzz"};
  CHECK(records.list(contacts, actor, none)->records.empty());

  auto patched = records.update(contacts, actor, meta, id, nlohmann::json{{"title", "CTO"}}, 1);
  REQUIRE(patched);
  CHECK((*patched)["title"] == "CTO");
  CHECK((*patched)["version"] == 2);
  auto stale = records.update(contacts, actor, meta, id, nlohmann::json{{"title", "CEO"}}, 1);
  REQUIRE_FALSE(stale);
  CHECK(stale.error().code == "precondition_failed");
  CHECK((*records.get(contacts, actor, id))["title"] == "CTO");

  REQUIRE(records.remove(contacts, actor, meta, id));
  auto gone = records.get(contacts, actor, id);
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code == "resource_not_found");
  CHECK(count("SELECT count(*) FROM audit_events WHERE target_id = '" + id + "'") == 3);
}

// Bad input names every bad field and writes nothing; another workspace's id is not found.
inline void domain_bad_input_writes_nothing(Conn& db, const CountFn& count) {
  Actor actor = domain_case_workspace(db);
  RequestMeta meta{.request_id = "req_bad", .route = "test"};
  const auto& contacts = *slab5::api::find_resource("contacts");
  Records records(db);
  auto before_audit = count("SELECT count(*) FROM audit_events");
  auto bad = records.create(contacts, actor, meta, nlohmann::json{{"email", "not-an-email"}, {"name", 5}});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == "validation_failed");
  CHECK(bad.error().extra["field_errors"].size() >= 2);
  CHECK(count("SELECT count(*) FROM audit_events") == before_audit);
  CHECK(count("SELECT count(*) FROM events") == 0);

  auto c = records.create(contacts, actor, meta, nlohmann::json{{"name", "Jane"}});
  REQUIRE(c);
  Actor stranger = actor;
  stranger.workspace_id = "wrk_other";
  auto theirs = records.get(contacts, stranger, (*c)["id"]);
  REQUIRE_FALSE(theirs);
  CHECK(theirs.error().code == "resource_not_found");
}

// A write batch as the writer runs one: one transaction, each Tx a savepoint in it; a Tx given
// up undoes only its own rows, and the rest commit together.
inline void domain_group_commit(Conn& db, const CountFn& count) {
  Actor actor = domain_case_workspace(db);
  const auto& contacts = *slab5::api::find_resource("contacts");
  Records records(db);
  {
    std::unique_lock gate(db.write_gate());
    db.begin();
    db.set_group(true);
    RequestMeta m1{.request_id = "req_1", .route = "test"}, m3{.request_id = "req_3", .route = "test"};
    REQUIRE(records.create(contacts, actor, m1, nlohmann::json{{"name", "One"}}));
    {
      Tx given_up(db);
      REQUIRE(db.records().insert(contacts, nlohmann::json{{"id", "con_given_up"},
                                                           {"workspace_id", actor.workspace_id},
                                                           {"tenant_id", actor.tenant_id},
                                                           {"name", "Gone"},
                                                           {"created_at", "2026-01-01T00:00:00.000Z"},
                                                           {"updated_at", "2026-01-01T00:00:00.000Z"},
                                                           {"version", 1},
                                                           {"source", "api"},
                                                           {"created_by", {{"type", "system"}, {"id", "system"}}},
                                                           {"last_agent_actor_id", nullptr},
                                                           {"custom_fields", nlohmann::json::object()}}));
    }
    REQUIRE(records.create(contacts, actor, m3, nlohmann::json{{"name", "Three"}}));
    CHECK(db.in_transaction());
    db.commit();
    db.set_group(false);
  }
  CHECK(count("SELECT count(*) FROM contacts") == 2);
  CHECK(count("SELECT count(*) FROM contacts WHERE id = 'con_given_up'") == 0);
  CHECK(count("SELECT count(*) FROM audit_events WHERE action = 'contact.created'") == 2);
}

// The change signal the per-process caches trust: quiet while nothing commits, raised by a
// commit on another connection.
inline void domain_change_signal(Conn& reader, Conn& writer) {
  ChangeMark mark;
  CHECK(reader.changed_since(mark));  // never taken
  CHECK_FALSE(reader.changed_since(mark));
  CHECK_FALSE(reader.changed_since(mark));
  {
    Tx tx(writer);
    (void)create_workspace(writer, "Beta", "beta", "", "");
    tx.commit();
  }
  CHECK(reader.changed_since(mark));
  CHECK_FALSE(reader.changed_since(mark));
}

}  // namespace slab5d::store_cases
