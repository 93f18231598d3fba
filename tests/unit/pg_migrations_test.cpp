// Unit tests for PostgreSQL's schema migrations (store/postgres/migrations.hpp): applied once
// (also by two processes at once), a newer database refused, and the schema the same as
// SQLite's, table by table and column by column.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "pg_test_db.hpp"
#include "store/postgres/migrations.hpp"
#include "store/postgres/record_schema.hpp"
#include "store/sqlite/migrations.hpp"
#include "temp_db.hpp"

using namespace slab5d;
using slab5d::testing::PgTestDb;
using slab5d::testing::TempDb;

namespace {

std::vector<std::string> pg_column(PgConn& c, const std::string& sql, const std::string& arg = {}) {
  auto r = arg.empty() ? c.exec(sql) : c.exec(sql, arg);
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
  return out;
}

std::vector<std::string> sqlite_column(Db& db, const std::string& sql, const std::string& arg = {}) {
  auto q = arg.empty() ? db.query(sql) : db.query(sql, arg);
  std::vector<std::string> out;
  while (q.next()) out.push_back(q.text(0));
  return out;
}

// SQLite's text-index machinery, which PostgreSQL does without (a generated tsvector column):
// the queue of pending changes and the FTS5 tables with their shadow tables.
bool sqlite_text_index_table(const std::string& name) {
  return name == "text_index_pending" || name.find("_fts") != std::string::npos;
}

}  // namespace

TEST_CASE("PostgreSQL's migrations keep up with SQLite's") {
  // A new SQLite migration needs its PostgreSQL counterpart appended to kPgMigrations.
  CHECK(pg_matching_sqlite_version() == latest_schema_version());
}

TEST_CASE("migrations create the schema once and record each version") {
  PgTestDb db;
  auto c = db.connect();
  CHECK(pg_schema_version(*c) == 0);
  auto first = pg_migrate(*c);
  CHECK(first.created);
  CHECK(first.from == 0);
  CHECK(first.to == pg_latest_schema_version());
  CHECK(pg_schema_version(*c) == pg_latest_schema_version());
  auto versions = c->exec("SELECT version, applied_at IS NOT NULL FROM schema_migrations ORDER BY version");
  REQUIRE(versions.rows() == pg_latest_schema_version());
  for (int i = 0; i < versions.rows(); ++i) {
    CHECK(versions.integer(i, 0) == i + 1);
    CHECK(versions.boolean(i, 1));
  }
  auto again = pg_migrate(*c);
  CHECK_FALSE(again.created);
  CHECK(again.from == pg_latest_schema_version());
  CHECK(again.to == pg_latest_schema_version());
  CHECK(c->exec("SELECT count(*) FROM schema_migrations").integer(0, 0) == pg_latest_schema_version());
  CHECK_FALSE(c->in_transaction());
}

TEST_CASE("two processes migrating one new database at once apply each migration once") {
  PgTestDb db;
  auto a = db.connect();
  auto b = db.connect();
  // A third connection holds the migration lock until both migrations wait for it, so that
  // they start at the same moment.
  auto holder = db.connect();
  PgTx hold(*holder);
  (void)holder->exec("SELECT pg_advisory_xact_lock($1)", kPgMigrationLock);
  PgMigrationOutcome out_a, out_b;
  std::string error_a, error_b;
  auto run = [](PgConn& c, PgMigrationOutcome& out, std::string& error) {
    try {
      out = pg_migrate(c);
    } catch (const std::exception& e) {
      error = e.what();
    }
  };
  std::thread ta(run, std::ref(*a), std::ref(out_a), std::ref(error_a));
  std::thread tb(run, std::ref(*b), std::ref(out_b), std::ref(error_b));
  std::int64_t waiting = 0;
  for (int i = 0; i < 500 && waiting < 2; ++i) {
    waiting = holder->exec("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").integer(0, 0);
    if (waiting < 2) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(waiting == 2);
  hold.commit();  // releases the lock
  ta.join();
  tb.join();
  CHECK(error_a == "");
  CHECK(error_b == "");
  CHECK(int(out_a.created) + int(out_b.created) == 1);
  CHECK(out_a.to == pg_latest_schema_version());
  CHECK(out_b.to == pg_latest_schema_version());
  CHECK(a->exec("SELECT count(*) FROM schema_migrations").integer(0, 0) == pg_latest_schema_version());
  CHECK(a->exec("SELECT count(*) FROM meta WHERE key = 'record_tables'").integer(0, 0) == 1);
}

TEST_CASE("a database from a newer slab5d is refused and left untouched") {
  PgTestDb db;
  auto c = db.connect();
  (void)pg_migrate(*c);
  (void)c->exec("INSERT INTO schema_migrations (version) VALUES ($1)", pg_latest_schema_version() + 1);
  auto tables_before = c->exec("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").integer(0, 0);
  try {
    (void)pg_migrate(*c);
    FAIL("a newer database was migrated");
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    CHECK(what.find("newer than this slab5d understands") != std::string::npos);
    CHECK(what.find(std::to_string(pg_latest_schema_version() + 1)) != std::string::npos);
    CHECK(what.find(db.name()) == std::string::npos);  // nothing of the URL
  }
  CHECK(c->exec("SELECT max(version) FROM schema_migrations").integer(0, 0) == pg_latest_schema_version() + 1);
  CHECK(c->exec("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").integer(0, 0) == tables_before);
  CHECK_FALSE(c->in_transaction());
}

TEST_CASE("a database with tables but no slab5 schema is refused") {
  PgTestDb db;
  auto c = db.connect();
  c->exec_script("CREATE TABLE someone_elses (id BIGINT)");
  CHECK_THROWS_WITH_AS(pg_migrate(*c), doctest::Contains("no slab5 schema version"), std::runtime_error);
  CHECK(pg_schema_version(*c) == 0);
  CHECK(c->exec("SELECT to_regclass('users') IS NULL").boolean(0, 0));
}

TEST_CASE("PostgreSQL's schema has every table of SQLite's, with the same columns in the same order") {
  TempDb lite;  // SQLite at its latest version, app-plane tables included
  PgTestDb db;
  auto c = db.connect();
  (void)pg_migrate(*c);

  std::vector<std::string> sqlite_tables;
  for (const auto& t : sqlite_column(*lite.db,
                                     "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE "
                                     "'sqlite_%' ORDER BY name"))
    // auth_version is how SQLite tells the credential cache which commits matter
    // (store/sqlite/auth_version.hpp); PostgreSQL keeps none.
    if (!sqlite_text_index_table(t) && t != "auth_version") sqlite_tables.push_back(t);
  auto pg_tables = pg_column(*c,
                             "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() AND tablename "
                             "<> 'schema_migrations' ORDER BY tablename COLLATE \"C\"");
  CHECK(pg_tables == sqlite_tables);
  CHECK(sqlite_tables.size() > 30);

  for (const auto& t : sqlite_tables) {
    CAPTURE(t);
    auto sqlite_cols = sqlite_column(*lite.db, "SELECT name FROM pragma_table_info(?) ORDER BY cid", t);
    auto pg_cols = pg_column(*c,
                             "SELECT column_name::text FROM information_schema.columns WHERE table_schema = "
                             "current_schema() AND table_name = $1 ORDER BY ordinal_position",
                             t);
    // The text-search column stands where SQLite keeps an FTS5 table.
    pg_cols.erase(std::remove(pg_cols.begin(), pg_cols.end(), std::string(kPgTextColumn)), pg_cols.end());
    CHECK(pg_cols == sqlite_cols);
  }
}

TEST_CASE("every index SQLite's schema names exists in PostgreSQL's, and every text index") {
  TempDb lite;
  PgTestDb db;
  auto c = db.connect();
  (void)pg_migrate(*c);
  auto pg_indexes = pg_column(*c, "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema()");
  std::set<std::string> have(pg_indexes.begin(), pg_indexes.end());
  for (const auto& i :
       sqlite_column(*lite.db, "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL"))
    CHECK_MESSAGE(have.count(i) == 1, "missing index " << i);
  for (const auto& spec : slab5::api::resource_table()) {
    if (spec.text_fields.empty()) continue;
    CHECK_MESSAGE(have.count(spec.table_name() + "_fts") == 1, "missing text index of " << spec.table_name());
  }
  CHECK(have.count("webhook_deliveries_due") == 0);  // dropped by SQLite's migration 7
}

TEST_CASE("a later start adds what the resource table gained, and records nothing twice") {
  PgTestDb db;
  auto c = db.connect();
  (void)pg_migrate(*c);
  // As if the binary that made the database knew contacts without notes.
  c->exec_script("ALTER TABLE contacts DROP COLUMN notes CASCADE; DROP INDEX contacts_by_email");
  (void)c->exec("UPDATE meta SET value = 'older' WHERE key = 'record_tables'");
  auto again = pg_migrate(*c);
  CHECK_FALSE(again.created);
  CHECK(c->exec("SELECT count(*) FROM information_schema.columns WHERE table_name = 'contacts' AND column_name = "
                "'notes'")
            .integer(0, 0) == 1);
  CHECK(c->exec("SELECT to_regclass('contacts_by_email') IS NOT NULL").boolean(0, 0));
  CHECK(c->exec("SELECT to_regclass('contacts_fts') IS NOT NULL").boolean(0, 0));
  CHECK(c->exec("SELECT value FROM meta WHERE key = 'record_tables'").text(0, 0) != "older");
}
