// server/store/sqlite/record_store: app-plane records stored, found, listed and searched
// through the tables generated from the resource table.
#include <doctest/doctest.h>

#include "slab5/ids.hpp"
#include "slab5/time.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/record_store.hpp"
#include "store/sqlite/text_index_upkeep.hpp"
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
}  // namespace

TEST_CASE("a stored record reads back as it was written") {
  RecordStoreFixture f;
  auto r = f.record(contacts(),
                    {{"name", "Jane Doe"}, {"email", "jane@example.com"}, {"custom_fields", {{"tier", "gold"}}}});
  REQUIRE(f.store.insert(contacts(), r));
  auto got = f.store.get(contacts(), f.ws, r["id"]);
  REQUIRE(got);
  REQUIRE(got->has_value());
  CHECK((**got)["name"] == "Jane Doe");
  CHECK((**got)["custom_fields"]["tier"] == "gold");
  CHECK((**got)["created_by"] == Json{{"type", "user"}, {"id", "usr_x"}});
  CHECK((**got)["phone"].is_null());
}

TEST_CASE("a record of another workspace is not found") {
  RecordStoreFixture f;
  auto other = slab5::new_id("wrk");
  f.add_workspace(other);
  auto r = f.record(contacts(), {{"name", "A"}}, other);
  REQUIRE(f.store.insert(contacts(), r));
  auto got = f.store.get(contacts(), f.ws, r["id"]);
  REQUIRE(got);
  CHECK_FALSE(got->has_value());
}

TEST_CASE("an insert into a workspace that does not exist is an error, not a success") {
  RecordStoreFixture f;
  auto r = f.record(contacts(), {{"name", "A"}}, slab5::new_id("wrk"));
  auto st = f.store.insert(contacts(), r);
  REQUIRE_FALSE(st);
  CHECK(st.error().code == "conflict");
}

TEST_CASE("update checks the version it read") {
  RecordStoreFixture f;
  auto r = f.record(contacts(), {{"name", "A"}});
  REQUIRE(f.store.insert(contacts(), r));
  r["name"] = "B";
  r["version"] = 2;
  REQUIRE(f.store.update(contacts(), r, 1));
  r["name"] = "C";
  r["version"] = 3;
  auto stale = f.store.update(contacts(), r, 1);
  REQUIRE_FALSE(stale);
  CHECK(stale.error().code == "precondition_failed");
  CHECK((**f.store.get(contacts(), f.ws, r["id"]))["name"] == "B");
}

TEST_CASE("unique keys are a conflict") {
  RecordStoreFixture f;
  const auto& cms = *api::find_resource("cms-entries");
  REQUIRE(f.store.insert(cms, f.record(cms, {{"title", "T"}, {"collection", "blog"}, {"slug", "hello"}})));
  auto dup = f.store.insert(cms, f.record(cms, {{"title", "U"}, {"collection", "blog"}, {"slug", "hello"}}));
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == "conflict");
  CHECK(f.store.insert(cms, f.record(cms, {{"title", "U"}, {"collection", "news"}, {"slug", "hello"}})));
}

TEST_CASE("lists are newest first, paginated by keyset, filtered and searched") {
  RecordStoreFixture f;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    auto r = f.record(contacts(), {{"name", "Person " + std::to_string(i)},
                                   {"email", i % 2 ? "odd@example.com" : "even@example.com"},
                                   {"notes", i == 3 ? "Met Janet at the fair" : "nothing"}});
    REQUIRE(f.store.insert(contacts(), r));
    ids.push_back(r["id"]);
  }
  RecordQuery q{.workspace_id = f.ws, .limit = 2};
  auto p1 = f.store.list(contacts(), q);
  REQUIRE(p1);
  CHECK(p1->records.size() == 2);
  CHECK(p1->more);
  CHECK(p1->records[0]["id"] == ids[4]);
  q.after = p1->last;
  auto p2 = f.store.list(contacts(), q);
  REQUIRE(p2);
  CHECK(p2->records[0]["id"] == ids[2]);
  q.after.reset();
  q.limit = 25;
  q.filters = {{"email", RecordFilter::Op::Eq, "odd@example.com"}};
  CHECK(f.store.list(contacts(), q)->records.size() == 2);
  q.filters.clear();
  q.text = "jan";
  auto found = f.store.list(contacts(), q);
  REQUIRE(found);
  REQUIRE(found->records.size() == 1);
  CHECK(found->records[0]["id"] == ids[3]);
  q.text = "!!!";
  CHECK(f.store.list(contacts(), q)->records.empty());
}

TEST_CASE("custom field filters compare the stored value") {
  RecordStoreFixture f;
  REQUIRE(
      f.store.insert(contacts(), f.record(contacts(), {{"name", "A"}, {"custom_fields", {{"vip", true}, {"n", 3}}}})));
  REQUIRE(f.store.insert(contacts(), f.record(contacts(), {{"name", "B"}, {"custom_fields", {{"vip", false}}}})));
  RecordQuery q{.workspace_id = f.ws};
  q.filters = {{"custom_fields.vip", RecordFilter::Op::Eq, "true"}};
  CHECK(f.store.list(contacts(), q)->records.size() == 1);
  q.filters = {{"custom_fields.n", RecordFilter::Op::Eq, "3"}};
  CHECK(f.store.list(contacts(), q)->records.size() == 1);
}

TEST_CASE("references are counted and cleared with a new version") {
  RecordStoreFixture f;
  const auto& companies = *api::find_resource("companies");
  auto c = f.record(companies, {{"name", "Acme"}});
  REQUIRE(f.store.insert(companies, c));
  auto p = f.record(contacts(), {{"name", "A"}, {"company_id", c["id"]}});
  REQUIRE(f.store.insert(contacts(), p));
  CHECK(*f.store.count_referencing(contacts(), "company_id", f.ws, c["id"]) == 1);
  auto before = f.store.clear_references(contacts(), "company_id", f.ws, c["id"], "2030-01-01T00:00:00.000Z");
  REQUIRE(before);
  CHECK(before->size() == 1);
  auto after = **f.store.get(contacts(), f.ws, p["id"]);
  CHECK(after["company_id"].is_null());
  CHECK(after["version"] == 2);
}

TEST_CASE("a lead keeps its own source and its record origin apart") {
  RecordStoreFixture f;
  const auto& leads = *api::find_resource("leads");
  auto r = f.record(leads, {{"name", "L"}, {"source", "website"}, {"status", "new"}});
  r["__origin"] = "mcp";
  REQUIRE(f.store.insert(leads, r));
  auto got = **f.store.get(leads, f.ws, r["id"]);
  CHECK(got["source"] == "website");
  auto q = f.db->query("SELECT origin FROM leads WHERE id = ?", r["id"].get<std::string>());
  REQUIRE(q.next());
  CHECK(q.text(0) == "mcp");
}

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
    CHECK(queued() == 4);  // b in; a out and in again; b out
    tx.commit();
  }
  CHECK(queued() == 0);
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
  CHECK(count("delta") == 0);
  // A change committed by something else (a raw COMMIT) is applied by the next commit.
  REQUIRE(f.db->query("BEGIN").run() == 101);
  REQUIRE(f.store.insert(contacts(), f.record(contacts(), {{"name", "Echo Person"}})));
  REQUIRE(f.db->query("COMMIT").run() == 101);
  CHECK(count("echo") == 0);
  CHECK(queued() == 1);
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

TEST_CASE("a connection whose file lost the text-index queue (an older state restored) still commits") {
  RecordStoreFixture f;
  REQUIRE(f.store.insert(contacts(), f.record(contacts(), {{"name", "Golf Person"}})));  // the queue is seen
  // What a state saved by an earlier slab5d looks like: triggers that write FTS5 directly.
  f.db->exec(
      "DROP TRIGGER contacts_fts_insert; DROP TABLE text_index_pending; CREATE TRIGGER contacts_fts_insert AFTER "
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
