// Unit tests for PostgreSQL's app-plane tables (store/postgres/record_schema.hpp): a record
// written with the generated INSERT, found by its text, and the initial records of a table
// made while workspaces exist.
#include <doctest/doctest.h>

#include <string>

#include "pg_test_db.hpp"
#include "slab5/api/resources.hpp"
#include "store/postgres/migrations.hpp"
#include "store/postgres/record_schema.hpp"

using namespace slab5d;
using slab5d::testing::PgTestDb;
using Json = nlohmann::json;

namespace {

void add_workspace(PgConn& c, const std::string& id) {
  (void)c.exec("INSERT INTO tenants VALUES ($1, 't', '2026-01-01T00:00:00.000Z') ON CONFLICT DO NOTHING", "ten_1");
  (void)c.exec(
      "INSERT INTO workspaces VALUES ($1, 'ten_1', $1, 'W', '[]', '2026-01-01T00:00:00.000Z', "
      "'2026-01-01T00:00:00.000Z')",
      id);
}

Json contact(const std::string& id, const std::string& name, const std::string& email) {
  return {{"id", id},
          {"workspace_id", "wrk_1"},
          {"tenant_id", "ten_1"},
          {"created_at", "2026-01-01T00:00:00.000Z"},
          {"updated_at", "2026-01-01T00:00:00.000Z"},
          {"version", 1},
          {"source", "api"},
          {"created_by", {{"type", "user"}, {"id", "usr_1"}}},
          {"custom_fields", {{"tier", "gold"}}},
          {"name", name},
          {"email", email}};
}

PgRun insert(PgConn& c, const slab5::api::ResourceSpec& spec, const Json& record) {
  PgParams p;
  pg_bind_record(p, spec, record);
  return c.run_params(pg_record_insert_sql(spec), p);
}

std::vector<std::string> found(PgConn& c, const std::string& text) {
  auto r = c.exec(
      "SELECT id FROM contacts WHERE workspace_id = 'wrk_1' AND text_search @@ slab5_text_query($1) ORDER "
      "BY id",
      text);
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
  return out;
}

}  // namespace

TEST_CASE("a record written with the generated INSERT reads back column by column") {
  PgTestDb db;
  auto c = db.connect();
  (void)pg_migrate(*c);
  add_workspace(*c, "wrk_1");
  const auto& spec = *slab5::api::find_resource("contacts");
  REQUIRE(insert(*c, spec, contact("con_1", "Jan Doe", "jan@example.com")).ok());
  auto r = c->exec(
      "SELECT origin, created_by_type, created_by_id, custom_fields->>'tier', version, notes IS NULL FROM contacts "
      "WHERE id = 'con_1'");
  REQUIRE(r.rows() == 1);
  CHECK(r.text(0, 0) == "api");
  CHECK(r.text(0, 1) == "user");
  CHECK(r.text(0, 2) == "usr_1");
  CHECK(r.text(0, 3) == "gold");
  CHECK(r.integer(0, 4) == 1);
  CHECK(r.boolean(0, 5));
  // The same id again is a constraint hit, reported as a value.
  CHECK(insert(*c, spec, contact("con_1", "Other", "o@example.com")).constraint == PgConstraint::Unique);
  // A record of a workspace that does not exist is refused by its foreign key.
  auto stray = contact("con_2", "Stray", "s@example.com");
  stray["workspace_id"] = "wrk_missing";
  CHECK(insert(*c, spec, stray).constraint == PgConstraint::ForeignKey);
}

TEST_CASE("records are found by prefixes of their words, whatever the case and diacritics") {
  PgTestDb db;
  auto c = db.connect();
  (void)pg_migrate(*c);
  add_workspace(*c, "wrk_1");
  const auto& spec = *slab5::api::find_resource("contacts");
  REQUIRE(insert(*c, spec, contact("con_1", "Jan Doe", "jan@example.com")).ok());
  REQUIRE(insert(*c, spec, contact("con_2", "Émile Zola", "emile@zola.fr")).ok());
  REQUIRE(insert(*c, spec, contact("con_3", "Janet O'Neil", "janet@another.org")).ok());
  CHECK(found(*c, "jan") == std::vector<std::string>{"con_1", "con_3"});
  CHECK(found(*c, "jan doe") == std::vector<std::string>{"con_1"});
  CHECK(found(*c, "DOE") == std::vector<std::string>{"con_1"});
  CHECK(found(*c, "emi") == std::vector<std::string>{"con_2"});  // diacritics removed on both sides
  CHECK(found(*c, "Émile") == std::vector<std::string>{"con_2"});
  CHECK(found(*c, "example") == std::vector<std::string>{"con_1"});  // an address is split into words
  CHECK(found(*c, "o'neil") == std::vector<std::string>{"con_3"});
  CHECK(found(*c, "nobody").empty());
  CHECK(found(*c, "'&|!:*()").empty());  // no words: no match, and no tsquery syntax error
  // The column follows updates.
  (void)c->exec("UPDATE contacts SET name = 'Jo Doe', email = 'jo@example.com' WHERE id = 'con_1'");
  CHECK(found(*c, "jan doe").empty());
  CHECK(found(*c, "jo doe") == std::vector<std::string>{"con_1"});
}

TEST_CASE("a table made while workspaces exist gets their initial records") {
  PgTestDb db;
  auto c = db.connect();
  (void)pg_migrate(*c);
  add_workspace(*c, "wrk_1");
  add_workspace(*c, "wrk_2");
  const auto& stages = *slab5::api::find_resource("deal-stages");
  REQUIRE_FALSE(stages.initial.empty());
  auto initial = Json::parse(stages.initial).size();
  // As if the binary that made the database knew no deal stages.
  c->exec_script("DROP TABLE " + stages.table_name() + " CASCADE");
  (void)c->exec("UPDATE meta SET value = 'older' WHERE key = 'record_tables'");
  (void)pg_migrate(*c);
  for (const char* ws : {"wrk_1", "wrk_2"}) {
    CAPTURE(ws);
    CHECK(c->exec("SELECT count(*) FROM " + stages.table_name() + " WHERE workspace_id = $1 AND origin = 'admin'", ws)
              .integer(0, 0) == std::int64_t(initial));
  }
  // Only a table made now gets them: another start writes none again.
  (void)c->exec("UPDATE meta SET value = 'older' WHERE key = 'record_tables'");
  (void)pg_migrate(*c);
  CHECK(c->exec("SELECT count(*) FROM " + stages.table_name()).integer(0, 0) == std::int64_t(2 * initial));
}
