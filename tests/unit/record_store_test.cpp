// server/store/sqlite/record_store: app-plane records stored, found, listed and searched
// through the tables generated from the resource table.
#include <doctest/doctest.h>

#include "slab5/ids.hpp"
#include "slab5/time.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/record_store.hpp"
#include "store/sqlite/text_index_upkeep.hpp"
#include "store_cases/record_store_cases.hpp"
#include "temp_db.hpp"

using namespace slab5d;
using Json = nlohmann::json;
namespace api = slab5::api;

namespace {
struct RecordStoreFixture {
  std::unique_ptr<Db> db;
  SqliteRecordStore store;
  std::string ws = slab5::new_id("wrk");
  explicit RecordStoreFixture(const std::string& path = ":memory:") : db(Db::open(path, true)), store(*db) {
    migrate(*db);
    sync_record_tables(*db);
    add_workspace(ws);
  }
  void add_workspace(const std::string& id) {
    auto now = slab5::format_rfc3339(slab5::now_millis());
    CHECK(db->query("INSERT OR IGNORE INTO tenants (id, name, created_at) VALUES ('ten_t', 't', ?)", now).run() == 101);
    CHECK(db->query("INSERT INTO workspaces (id, tenant_id, slug, name, enabled_modules, created_at, updated_at) "
                    "VALUES (?, 'ten_t', ?, 'W', '[]', ?, ?)",
                    id, id.substr(4), now, now)
              .run() == 101);
  }
  // For the shared cases (store_cases/record_store_cases.hpp).
  RecordStore& store_() { return store; }
  void add_member(const std::string& workspace, const std::string& user) {
    auto now = slab5::format_rfc3339(slab5::now_millis());
    CHECK(db->query("INSERT INTO users (id, tenant_id, email, name, created_at, updated_at) VALUES (?, 'ten_t', ?, "
                    "'U', ?, ?)",
                    user, user + "@example.com", now, now)
              .run() == 101);
    CHECK(db->query("INSERT INTO memberships (workspace_id, user_id, role, joined_at) VALUES (?, ?, 'member', ?)",
                    workspace, user, now)
              .run() == 101);
  }
  template <class F>
  void in_tx(F f) {
    Tx tx(*db);
    f();
    tx.commit();
  }
  Json record(const api::ResourceSpec& spec, Json fields, const std::string& workspace = {}) {
    auto now = slab5::format_rfc3339(slab5::now_millis());
    Json r = {{"id", slab5::new_id(spec.id_prefix)},
              {"workspace_id", workspace.empty() ? ws : workspace},
              {"tenant_id", "ten_t"},
              {"created_at", now},
              {"updated_at", now},
              {"version", 1},
              {"source", "api"},
              {"created_by", {{"type", "user"}, {"id", "usr_x"}}},
              {"last_agent_actor_id", nullptr},
              {"custom_fields", Json::object()}};
    for (auto& [k, v] : fields.items()) r[k] = v;
    return r;
  }
};
const api::ResourceSpec& contacts() { return *api::find_resource("contacts"); }

// The shared cases see the store through store().
struct SqliteRecordHarness : RecordStoreFixture {
  RecordStore& store() { return store_(); }
  std::string origin_of(const std::string& table, const std::string& id) {
    auto q = db->query("SELECT origin FROM " + table + " WHERE id = ?", id);
    REQUIRE(q.next());
    return q.text(0);
  }
};
}  // namespace

SLAB5_RECORD_STORE_CASES(SqliteRecordHarness, "sqlite")

TEST_CASE("the app-plane schema sync adds a missing column and keeps the data") {
  RecordStoreFixture f;
  auto r = f.record(contacts(), {{"name", "Jane"}});
  REQUIRE(f.store.insert(contacts(), r));
  // A database from before the column existed: drop it and forget the schema hash.
  f.db->exec(
      "DROP INDEX IF EXISTS contacts_by_email; ALTER TABLE contacts DROP COLUMN phone; "
      "DELETE FROM meta WHERE key = 'record_tables';");
  sync_record_tables(*f.db);
  auto got = **f.store.get(contacts(), f.ws, r["id"]);
  CHECK(got["name"] == "Jane");
  CHECK(got.contains("phone"));
  RecordQuery q{.workspace_id = f.ws, .text = "jane"};
  CHECK(f.store.list(contacts(), q)->records.size() == 1);
}

TEST_CASE("a table keyed by id alone is rebuilt keyed by (workspace_id, id), rows, rowids and text index kept") {
  RecordStoreFixture f;
  auto index_sql = [&](const std::string& name) {
    auto q = f.db->query("SELECT sql FROM sqlite_schema WHERE name = ?", name);
    return q.next() ? q.text(0) : std::string();
  };
  auto keyed_by_id = [&](const std::string& table) {
    auto q = f.db->query("SELECT 1 FROM pragma_index_list(?) WHERE origin = 'pk'", table);
    return q.next();
  };
  // A new database: contacts keyed by (workspace_id, id); the optional filters' indexes skip
  // NULLs; ticket messages (a child) and tickets (a parent) keep the key on id.
  CHECK_FALSE(keyed_by_id("contacts"));
  CHECK(index_sql("contacts_by_id") == "CREATE UNIQUE INDEX contacts_by_id ON contacts(workspace_id, id)");
  CHECK(index_sql("contacts_by_company_id").find(R"(WHERE "company_id" IS NOT NULL)") != std::string::npos);
  CHECK(index_sql("contacts_by_updated_at").find("WHERE") == std::string::npos);
  CHECK(keyed_by_id(api::find_resource("support-tickets")->table_name()));
  CHECK(index_sql("contacts_fts_docsize").empty());  // columnsize=0: nothing ranks
  for (const auto& spec : api::resource_table())
    if (spec.is_child()) CHECK(keyed_by_id(spec.table_name()));

  auto jane = f.record(contacts(), {{"name", "Jane Roe"}, {"company_id", "cmp_01j00000000000000000000000"}});
  auto john = f.record(contacts(), {{"name", "John Roe"}});
  REQUIRE(f.store.insert(contacts(), jane));
  REQUIRE(f.store.insert(contacts(), john));
  auto rowids = [&] {
    std::vector<std::pair<std::string, long long>> out;
    auto q = f.db->query("SELECT id, rowid FROM contacts ORDER BY rowid");
    while (q.next()) out.emplace_back(q.text(0), q.integer(1));
    return out;
  };
  auto before = rowids();
  // The shape of a database made before: a key on id alone and indexes over every row.
  auto create = index_sql("contacts");
  auto at = create.find(R"("id" TEXT NOT NULL)");
  REQUIRE(at != std::string::npos);
  create.replace(at, std::string(R"("id" TEXT NOT NULL)").size(), R"("id" TEXT PRIMARY KEY)");
  create.replace(create.find("contacts"), 8, "contacts_old");
  f.db->exec(create);
  f.db->exec(
      "INSERT INTO contacts_old (rowid, id, workspace_id, tenant_id, created_at, updated_at, version, origin, "
      "custom_fields, name, company_id) SELECT rowid, id, workspace_id, tenant_id, created_at, updated_at, version, "
      "origin, custom_fields, name, company_id FROM contacts; DROP TABLE contacts; ALTER TABLE contacts_old RENAME TO "
      "contacts; CREATE INDEX contacts_by_id ON contacts(workspace_id, id); CREATE INDEX contacts_by_company_id ON "
      "contacts(workspace_id, \"company_id\", id); CREATE INDEX contacts_by_gone ON contacts(workspace_id, name, id); "
      "DELETE FROM meta WHERE key = 'record_tables';");
  REQUIRE(keyed_by_id("contacts"));
  sync_record_tables(*f.db);
  CHECK_FALSE(keyed_by_id("contacts"));
  CHECK(index_sql("contacts_by_id") == "CREATE UNIQUE INDEX contacts_by_id ON contacts(workspace_id, id)");
  CHECK(index_sql("contacts_by_company_id").find(R"(WHERE "company_id" IS NOT NULL)") != std::string::npos);
  CHECK(index_sql("contacts_by_email").find(R"(WHERE "email" IS NOT NULL)") != std::string::npos);
  CHECK(index_sql("contacts_by_gone").empty());  // no longer wanted
  CHECK(rowids() == before);
  CHECK((**f.store.get(contacts(), f.ws, jane["id"]))["name"] == "Jane Roe");
  RecordQuery text{.workspace_id = f.ws, .text = "roe"};
  CHECK(f.store.list(contacts(), text)->records.size() == 2);
  RecordQuery by_company{.workspace_id = f.ws,
                         .filters = {RecordFilter{.column = "company_id", .value = "cmp_01j00000000000000000000000"}}};
  auto page = f.store.list(contacts(), by_company);
  REQUIRE(page->records.size() == 1);
  CHECK(page->records[0]["id"] == jane["id"]);
  {
    // A filter on a value can use the index that skips NULLs.
    auto plan = f.db->query(
        "EXPLAIN QUERY PLAN SELECT id FROM contacts WHERE workspace_id = ? AND \"company_id\" = ? ORDER BY id DESC "
        "LIMIT 26");
    std::string details;
    while (plan.next()) details += plan.text(3) + ";";
    CHECK(details.find("contacts_by_company_id") != std::string::npos);
    // So can a bound on a time (?due_before=).
    auto bound = f.db->query("EXPLAIN QUERY PLAN SELECT id FROM tasks WHERE workspace_id = ? AND \"due_at\" < ?");
    details.clear();
    while (bound.next()) details += bound.text(3) + ";";
    CHECK(details.find("tasks_by_due_at") != std::string::npos);
  }
  // The key refuses an id taken in the workspace, with a message that says so.
  auto again = f.record(contacts(), {{"name", "Jane Again"}});
  again["id"] = jane["id"];
  auto refused = f.store.insert(contacts(), again);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == "conflict");
  CHECK(refused.error().message == "A contact with this id already exists.");
  REQUIRE(f.db->query("INSERT INTO contacts_fts(contacts_fts, rank) VALUES ('integrity-check', 1)").run() == 101);
  CHECK(f.db->query("PRAGMA integrity_check").next());
}

TEST_CASE("text-index changes are applied at commit, in order, and only if committed") {
  RecordStoreFixture f;
  auto count = [&](const std::string& text) {
    RecordQuery q{.workspace_id = f.ws, .text = text};
    return f.store.list(contacts(), q)->records.size();
  };
  auto queued = [&] {
    auto q = f.db->query("SELECT count(*) FROM text_index_pending");
    q.next();
    return q.integer(0);
  };
  // Outside a transaction a write is indexed at once.
  auto a = f.record(contacts(), {{"name", "Alpha Person"}});
  REQUIRE(f.store.insert(contacts(), a));
  CHECK(count("alpha") == 1);
  CHECK(queued() == 0);
  {
    // Inside one, the changes wait for the commit: insert, rename, delete, in that order.
    Tx tx(*f.db);
    auto b = f.record(contacts(), {{"name", "Bravo Person"}});
    REQUIRE(f.store.insert(contacts(), b));
    auto renamed = a;
    renamed["name"] = "Charlie Person";
    renamed["version"] = 2;
    REQUIRE(f.store.update(contacts(), renamed, 1));
    REQUIRE(f.store.remove(contacts(), f.ws, b["id"]));
    // b's insert is held by the connection (no trigger runs for it); the triggers queued a out
    // and in again, and b out.
    CHECK(f.db->text_inserts().size() == 1);
    CHECK(queued() == 3);
    tx.commit();
  }
  CHECK(queued() == 0);
  CHECK(f.db->text_inserts().empty());
  CHECK(count("alpha") == 0);
  CHECK(count("bravo") == 0);
  CHECK(count("charlie") == 1);
  CHECK(count("person") == 1);
  {
    // An update that leaves the text fields alone queues nothing.
    Tx tx(*f.db);
    auto same = **f.store.get(contacts(), f.ws, a["id"]);
    same["phone"] = "+1 555 0100";
    REQUIRE(f.store.update(contacts(), same, 2));
    CHECK(queued() == 0);
    tx.commit();
  }
  {
    // Rolled back: neither the record nor its queued change survive.
    Tx tx(*f.db);
    REQUIRE(f.store.insert(contacts(), f.record(contacts(), {{"name", "Delta Person"}})));
  }
  CHECK(queued() == 0);
  CHECK(f.db->text_inserts().empty());
  CHECK(count("delta") == 0);
  // A change committed by something else (a raw COMMIT) is applied by the next commit.
  REQUIRE(f.db->query("BEGIN").run() == 101);
  REQUIRE(f.store.insert(contacts(), f.record(contacts(), {{"name", "Echo Person"}})));
  REQUIRE(f.db->query("COMMIT").run() == 101);
  CHECK(count("echo") == 0);
  CHECK(f.db->text_inserts().size() == 1);
  REQUIRE(f.store.insert(contacts(), f.record(contacts(), {{"name", "Foxtrot Person"}})));
  CHECK(count("echo") == 1);
  CHECK(count("foxtrot") == 1);
  // A row naming a table without a text index (written by another program) does not stop
  // the commits: it is dropped.
  REQUIRE(f.db->query("INSERT INTO text_index_pending (tbl, op, rid, vals) VALUES ('no_such_table', NULL, 1, '[]')")
              .run() == 101);
  REQUIRE(f.store.insert(contacts(), f.record(contacts(), {{"name", "India Person"}})));
  CHECK(count("india") == 1);
  CHECK(queued() == 0);
  // The index agrees with its content table.
  REQUIRE(f.db->query("INSERT INTO contacts_fts(contacts_fts, rank) VALUES ('integrity-check', 1)").run() == 101);
}

TEST_CASE("a record's text fields are indexed only if the savepoint or transaction that inserted it commits") {
  RecordStoreFixture f;
  auto count = [&](const std::string& text) {
    RecordQuery q{.workspace_id = f.ws, .text = text};
    return f.store.list(contacts(), q)->records.size();
  };
  auto insert = [&](const std::string& name) {
    auto r = f.record(contacts(), {{"name", name}, {"email", "x@example.com"}, {"notes", "Shared words"}});
    REQUIRE(f.store.insert(contacts(), r));
    return r;
  };
  {
    // A write batch: a transaction, each write a savepoint in it.
    Tx outer(*f.db);
    insert("Kilo Person");
    {
      Tx abandoned(*f.db);  // rolled back: takes its own insert with it, and only that
      insert("Lima Person");
      CHECK(f.db->text_inserts().size() == 2);
    }
    CHECK(f.db->text_inserts().size() == 1);
    {
      Tx kept(*f.db);
      insert("Mike Person");  // takes the rowid Lima had
      kept.commit();
    }
    {
      Tx renamed(*f.db);  // inserted, then renamed, in the same transaction
      auto n = insert("November Person");
      n["name"] = "Oscar Person";
      n["version"] = 2;
      REQUIRE(f.store.update(contacts(), n, 1));
      renamed.commit();
    }
    {
      Tx gone(*f.db);  // inserted, then deleted, in the same transaction
      auto p = insert("Papa Person");
      REQUIRE(f.store.remove(contacts(), f.ws, p["id"]));
      gone.commit();
    }
    {
      // A savepoint inside a savepoint rolled back: the inner one's insert goes too.
      Tx middle(*f.db);
      insert("Quebec Person");
      {
        Tx inner(*f.db);
        insert("Romeo Person");
        inner.commit();
      }
    }
    CHECK(f.db->text_inserts().size() == 4);  // Kilo, Mike, November, Papa
    outer.commit();
  }
  CHECK(f.db->text_inserts().empty());
  CHECK(count("kilo") == 1);
  CHECK(count("lima") == 0);
  CHECK(count("mike") == 1);
  CHECK(count("november") == 0);
  CHECK(count("oscar") == 1);
  CHECK(count("papa") == 0);
  CHECK(count("quebec") == 0);
  CHECK(count("romeo") == 0);
  CHECK(count("shared") == 3);
  CHECK(count("example") == 3);  // the email, split into words
  {
    // The whole transaction rolled back, as SQLite does by itself after an I/O error: nothing
    // it held is indexed, and the next transaction starts clean.
    Tx tx(*f.db);
    insert("Sierra Person");
    REQUIRE(f.db->query("ROLLBACK").run() == 101);
    CHECK(f.db->text_inserts().empty());
  }
  insert("Tango Person");  // outside a transaction: indexed at once
  CHECK(f.db->text_inserts().empty());
  CHECK(count("sierra") == 0);
  CHECK(count("tango") == 1);
  REQUIRE(f.db->query("INSERT INTO contacts_fts(contacts_fts, rank) VALUES ('integrity-check', 1)").run() == 101);
}

TEST_CASE("a database whose insert trigger queued text-index changes loses it at start, its index rebuilt") {
  RecordStoreFixture f;
  auto count = [&](const std::string& text) {
    RecordQuery q{.workspace_id = f.ws, .text = text};
    return f.store.list(contacts(), q)->records.size();
  };
  auto triggers = [&] {
    auto q = f.db->query("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name = 'contacts_fts_insert'");
    q.next();
    return q.integer(0);
  };
  CHECK(triggers() == 0);
  // The schema an earlier slab5d made: an insert trigger that queues, besides the record store.
  f.db->exec(
      "CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN INSERT INTO text_index_pending (tbl, op, "
      "rid, vals) VALUES ('contacts', NULL, new.rowid, json_array(new.name, new.email, new.company_name, "
      "new.notes)); END; DELETE FROM meta WHERE key = 'record_tables';");
  REQUIRE(f.db->query("INSERT INTO contacts (id, workspace_id, tenant_id, created_at, updated_at, version, origin, "
                      "custom_fields, name) VALUES ('con_01j0000000000000000000shell', ?, 'ten_x', "
                      "'2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 1, 'api', '{}', 'Uniform Person')",
                      f.ws)
              .run() == 101);
  sync_record_tables(*f.db);  // what a start does
  CHECK(triggers() == 0);
  CHECK(count("uniform") == 1);  // the rebuild indexed the row the old trigger queued
  REQUIRE(f.store.insert(contacts(), f.record(contacts(), {{"name", "Victor Person"}})));
  CHECK(count("victor") == 1);
  REQUIRE(f.db->query("INSERT INTO contacts_fts(contacts_fts, rank) VALUES ('integrity-check', 1)").run() == 101);
}

TEST_CASE("a connection whose file lost the text-index queue (an older state restored) still commits") {
  RecordStoreFixture f;
  REQUIRE(f.store.insert(contacts(), f.record(contacts(), {{"name", "Golf Person"}})));  // the queue is seen
  // What a state saved by an earlier slab5d looks like: triggers that write FTS5 directly.
  f.db->exec(
      "DROP TABLE text_index_pending; CREATE TRIGGER contacts_fts_insert AFTER "
      "INSERT "
      "ON contacts BEGIN INSERT INTO contacts_fts(rowid, name, email, company_name, notes) VALUES (new.rowid, "
      "new.name, "
      "new.email, new.company_name, new.notes); END;");
  {
    Tx tx(*f.db);
    REQUIRE(f.store.insert(contacts(), f.record(contacts(), {{"name", "Hotel Person"}})));
    tx.commit();
  }
  RecordQuery q{.workspace_id = f.ws, .text = "hotel"};
  CHECK(f.store.list(contacts(), q)->records.size() == 1);
}

TEST_CASE("a text query pages the same whether few or many rows match") {
  // Few matches are sorted from the FTS index, many are met along the sort index
  // (record_store.cpp, kFtsDriveLimit = 2000); both must give the same pages.
  RecordStoreFixture f;
  std::string other = slab5::new_id("wrk");
  f.add_workspace(other);
  REQUIRE(f.db->query("BEGIN").run() == 101);
  std::vector<std::string> janes;  // newest first
  for (int i = 0; i < 2100; ++i) {
    bool jane = i % 700 == 0;  // 3 of them, plus 2,100 "common" rows
    auto r = f.record(contacts(), {{"name", (jane ? "Jane " : "Common ") + std::to_string(i)}},
                      i % 3 == 0 && !jane ? other : "");
    r["updated_at"] = slab5::format_rfc3339(1700000000000 + i);
    REQUIRE(f.store.insert(contacts(), r));
    if (jane) janes.insert(janes.begin(), r["id"].get<std::string>());
  }
  f.db->commit();  // applies the queued text-index changes, then COMMIT

  RecordQuery q{.workspace_id = f.ws, .text = "jane", .limit = 2};
  q.sort = RecordSort::UpdatedDesc;
  auto p1 = f.store.list(contacts(), q);
  REQUIRE(p1);
  REQUIRE(p1->records.size() == 2);
  CHECK(p1->more);
  CHECK(p1->records[0]["id"] == janes[0]);
  CHECK(p1->records[1]["id"] == janes[1]);
  q.after = p1->last;
  auto p2 = f.store.list(contacts(), q);
  REQUIRE(p2);
  REQUIRE(p2->records.size() == 1);
  CHECK(p2->records[0]["id"] == janes[2]);
  CHECK_FALSE(p2->more);

  // "common" matches 2,097 rows, 1,398 of them in this workspace: the dense path.
  RecordQuery c{.workspace_id = f.ws, .text = "common", .limit = 50};
  c.sort = RecordSort::UpdatedDesc;
  std::size_t seen = 0;
  std::string previous = "9999";
  for (;;) {
    auto page = f.store.list(contacts(), c);
    REQUIRE(page);
    for (const auto& r : page->records) {
      CHECK(r["workspace_id"] == f.ws);
      CHECK(r["updated_at"].get<std::string>() < previous);  // newest first, no repeats
      previous = r["updated_at"].get<std::string>();
    }
    seen += page->records.size();
    if (!page->more) break;
    c.after = page->last;
  }
  CHECK(seen == 1398);  // the rows with i % 3 != 0 that are not Janes
}

TEST_CASE("merges while idle leave a text index in one segment, due again after a twentieth of its rows") {
  slab5d::testing::ScratchDir dir;  // a file of its own: the upkeep's state is kept per file
  RecordStoreFixture f(dir.path + "/slab5.db");
  auto segments = [&] {
    auto q = f.db->query("SELECT count(DISTINCT segid) FROM contacts_fts_idx");
    q.next();
    return q.integer(0);
  };
  auto count = [&](const std::string& text) {
    RecordQuery q{.workspace_id = f.ws, .text = text};
    return f.store.list(contacts(), q)->records.size();
  };
  auto merge_all = [&] {
    int steps = 0;
    while (merge_text_index_step(*f.db) && ++steps < 1000) {
    }
    return steps;
  };
  // Every table with a text index is looked at once after start; empty ones merge at once.
  CHECK(text_index_merge_due(*f.db));
  merge_all();
  CHECK_FALSE(text_index_merge_due(*f.db));
  // Three commits, three segments: FTS5 merges by itself only at four of a size.
  for (const char* name : {"Jane Alpha", "Jane Beta", "Bob Gamma"})
    REQUIRE(f.store.insert(contacts(), f.record(contacts(), {{"name", name}})));
  CHECK(segments() == 3);
  CHECK(text_index_merge_due(*f.db));
  CHECK(merge_all() < 1000);
  CHECK(segments() == 1);
  CHECK_FALSE(text_index_merge_due(*f.db));
  CHECK(count("jane") == 2);
  CHECK(count("gam") == 1);
  REQUIRE(f.db->query("INSERT INTO contacts_fts(contacts_fts, rank) VALUES ('integrity-check', 1)").run() == 101);

  // 37 more rows in one transaction (one segment), merged: 40 rows at the last merge.
  {
    Tx tx(*f.db);
    for (int i = 0; i < 37; ++i)
      REQUIRE(f.store.insert(contacts(), f.record(contacts(), {{"name", "Filler " + std::to_string(i)}})));
    tx.commit();
  }
  CHECK(text_index_merge_due(*f.db));
  merge_all();
  CHECK(segments() == 1);
  // One change in 40 is not yet worth rewriting the index; two (a twentieth) are.
  REQUIRE(f.store.insert(contacts(), f.record(contacts(), {{"name", "Jane Delta"}})));
  CHECK_FALSE(text_index_merge_due(*f.db));
  CHECK(segments() == 2);
  CHECK(count("jane") == 3);  // a second segment is searched all the same
  REQUIRE(f.store.insert(contacts(), f.record(contacts(), {{"name", "Jane Epsilon"}})));
  CHECK(text_index_merge_due(*f.db));
  merge_all();
  CHECK(segments() == 1);
  CHECK(count("jane") == 4);
  REQUIRE(f.db->query("INSERT INTO contacts_fts(contacts_fts, rank) VALUES ('integrity-check', 1)").run() == 101);

  // Changes count once committed (Db::commit reports them after COMMIT), not when applied to
  // the index inside the transaction: a merge that looked before the COMMIT would find the
  // index as it was, call it merged, and not look again. Rolled back, they never count.
  merge_all();
  {
    Tx tx(*f.db);
    for (int i = 0; i < 10; ++i)
      REQUIRE(f.store.insert(contacts(), f.record(contacts(), {{"name", "Late " + std::to_string(i)}})));
    auto applied = flush_text_index(*f.db);
    REQUIRE(applied.size() == 1);
    CHECK(applied[0].first == "contacts");
    CHECK(applied[0].second == 10);
    CHECK_FALSE(text_index_merge_due(*f.db));
  }  // rolled back
  CHECK_FALSE(text_index_merge_due(*f.db));
  CHECK(count("late") == 0);
  {
    Tx tx(*f.db);
    for (int i = 0; i < 10; ++i)
      REQUIRE(f.store.insert(contacts(), f.record(contacts(), {{"name", "Late " + std::to_string(i)}})));
    CHECK_FALSE(text_index_merge_due(*f.db));
    tx.commit();
  }
  CHECK(text_index_merge_due(*f.db));
  CHECK(count("late") == 10);
}
