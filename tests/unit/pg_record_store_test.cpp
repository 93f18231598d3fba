// server/store/postgres/record_store: PgRecordStore through the RecordStore interface, with
// the cases SqliteRecordStore passes (store_cases/record_store_cases.hpp).
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "pg_test_db.hpp"
#include "slab5/ids.hpp"
#include "store/postgres/migrations.hpp"
#include "store/postgres/record_store.hpp"
#include "store_cases/record_store_cases.hpp"

using namespace slab5d;

namespace {

struct PgRecordHarness {
  slab5d::testing::PgTestDb db;
  std::unique_ptr<PgConn> conn = db.connect();
  PgRecordStore records{*conn};
  std::string ws = slab5::new_id("wrk");

  PgRecordHarness() {
    (void)pg_migrate(*conn);
    add_workspace(ws);
  }
  RecordStore& store() { return records; }
  void add_workspace(const std::string& id) {
    (void)conn->exec(
        "INSERT INTO tenants (id, name, created_at) VALUES ('ten_t', 't', '2026-01-01T00:00:00.000Z') ON CONFLICT "
        "DO NOTHING");
    (void)conn->exec(
        "INSERT INTO workspaces (id, tenant_id, slug, name, enabled_modules, created_at, updated_at) VALUES ($1, "
        "'ten_t', $2, 'W', '[]', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
        id, id.substr(4));
  }
  void add_member(const std::string& workspace, const std::string& user) {
    (void)conn->exec(
        "INSERT INTO users (id, tenant_id, email, name, created_at, updated_at) VALUES ($1, 'ten_t', $2, 'U', "
        "'2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
        user, user + "@example.com");
    (void)conn->exec(
        "INSERT INTO memberships (workspace_id, user_id, role, joined_at) VALUES ($1, $2, 'member', "
        "'2026-01-01T00:00:00.000Z')",
        workspace, user);
  }
  template <class F>
  void in_tx(F f) {
    PgTx tx(*conn);
    f();
    tx.commit();
  }
  std::string origin_of(const std::string& table, const std::string& id) {
    auto r = conn->exec("SELECT origin FROM " + table + " WHERE id = $1", id);
    REQUIRE(r.rows() == 1);
    return r.text(0, 0);
  }
};

}  // namespace

SLAB5_RECORD_STORE_CASES(PgRecordHarness, "postgres")

TEST_CASE("postgres record store: a text query is one parameter, whatever it holds") {
  PgRecordHarness h;
  const auto& c = record_cases::spec("contacts");
  REQUIRE(h.store().insert(c, record_cases::record(c, h.ws, {{"name", "Jan Doe"}})));
  // A NUL byte separates words, as in fts_query, instead of failing the query.
  CHECK(record_cases::search(h, std::string("jan\0doe", 7)).size() == 1);
  CHECK(record_cases::search(h, std::string("\0", 1)).empty());
  // Nothing the text held ran as SQL: the table is still there.
  CHECK(record_cases::search(h, "'); DROP TABLE contacts; --").empty());
  CHECK(h.store().count(c, h.ws, "", "").value() == 1);
}

TEST_CASE("postgres record store: a NUL byte in a record is refused, not stored cut short") {
  PgRecordHarness h;
  const auto& c = record_cases::spec("contacts");
  auto r = record_cases::record(c, h.ws, {{"name", "N"}, {"notes", std::string("a\0b", 3)}});
  auto st = h.store().insert(c, r);
  REQUIRE_FALSE(st);
  CHECK(st.error().code == "invalid_request");
  r = record_cases::record(c, h.ws, {{"name", "N"}, {"custom_fields", {{"k", std::string("\0", 1)}}}});
  st = h.store().insert(c, r);
  REQUIRE_FALSE(st);
  CHECK(st.error().code == "invalid_request");
}
