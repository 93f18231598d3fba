// Unit tests for workspace names and slugs, and the usage summary query.
#include <doctest/doctest.h>

#include <deque>
#include <filesystem>

#include "domain/usage_query.hpp"
#include "domain/workspace_admin.hpp"
#include "domain/workspaces.hpp"
#include "store/migrations.hpp"
#include "usage_recorder.hpp"

using namespace slab5d;

namespace {
struct TempDb {
  std::string path;
  std::unique_ptr<Db> db;
  explicit TempDb(const char* name) {
    path = (std::filesystem::temp_directory_path() / name).string();
    clean();
    db = Db::open(path, true);
    migrate(*db);
  }
  ~TempDb() {
    db.reset();
    clean();
  }
  void clean() {
    for (auto s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s);
  }
};
}  // namespace

TEST_CASE("workspace names are trimmed, 1-100 characters (not bytes), without control characters") {
  CHECK(validate_workspace_name("  Acme  ").value() == "Acme");
  CHECK_FALSE(validate_workspace_name("").has_value());
  CHECK_FALSE(validate_workspace_name(" \t ").has_value());
  CHECK(validate_workspace_name(std::string(100, 'a')).has_value());
  CHECK_FALSE(validate_workspace_name(std::string(101, 'a')).has_value());
  std::string accented;
  for (int i = 0; i < 100; ++i) accented += "\xc3\xa9";
  CHECK(validate_workspace_name(accented).has_value());
  CHECK_FALSE(validate_workspace_name("a\x01" "b").has_value());
  auto e = validate_workspace_name("");
  CHECK(e.error().code == "validation_failed");
  CHECK(e.error().extra["field_errors"][0]["field"] == "name");
}

TEST_CASE("slugs are [a-z0-9-]{3,48}") {
  CHECK(valid_slug("acme"));
  CHECK(valid_slug("a-1"));
  CHECK(valid_slug(std::string(48, 'a')));
  CHECK_FALSE(valid_slug("ab"));
  CHECK_FALSE(valid_slug(std::string(49, 'a')));
  CHECK_FALSE(valid_slug("Acme"));
  CHECK_FALSE(valid_slug("acme_corp"));
  CHECK_FALSE(valid_slug("acmé"));
}

TEST_CASE("derived slugs are valid and unique") {
  TempDb t("slab5-unit-slug.db");
  CHECK(derive_slug(*t.db, "Acme Corp!") == "acme-corp");
  CHECK(valid_slug(derive_slug(*t.db, "é")));
  CHECK(valid_slug(derive_slug(*t.db, std::string(200, 'x'))));
  Tx tx(*t.db);
  create_workspace(*t.db, "Acme Corp", "acme-corp", "", "");
  tx.commit();
  CHECK(derive_slug(*t.db, "Acme Corp") == "acme-corp-2");
}

TEST_CASE("usage summaries count requests, units and errors per group") {
  TempDb t("slab5-unit-usage.db");
  std::vector<UsageEvent> evs;
  std::deque<std::string> times;  // the events' views point here
  auto ev = [&](std::string_view id, std::string_view route, int status, std::string day) {
    UsageEvent e;
    e.id = id;
    e.workspace_id = "wrk_a";
    e.credential_type = "api_key";
    e.credential_id = "key_1";
    e.route = route;
    e.status = status;
    e.request_id = "req";
    e.created_at = times.emplace_back(day + "T10:00:00.000Z");
    evs.push_back(e);
  };
  ev("use_1", "GET /v1/workspace", 200, "2026-11-20");
  ev("use_2", "GET /v1/workspace", 404, "2026-11-21");
  ev("use_3", "PATCH /v1/workspace", 200, "2026-11-21");
  write_usage_events(*t.db, evs);
  auto by_route = summarize_usage(*t.db, "wrk_a", {}, UsageGroup::Route);
  REQUIRE(by_route.size() == 2);
  CHECK(by_route[0].key == "GET /v1/workspace");
  CHECK(by_route[0].requests == 2);
  CHECK(by_route[0].errors == 1);
  auto by_day = summarize_usage(*t.db, "wrk_a", {}, UsageGroup::Day);
  REQUIRE(by_day.size() == 2);
  CHECK(by_day[0].key == "2026-11-20");  // days ascending
  CHECK(by_day[1].units == 2);
  auto window = summarize_usage(*t.db, "wrk_a", {"2026-11-21T00:00:00.000Z", std::nullopt}, UsageGroup::Kind);
  REQUIRE(window.size() == 1);
  CHECK(window[0].requests == 2);
  CHECK(summarize_usage(*t.db, "wrk_b", {}, UsageGroup::Day).empty());
  CHECK(parse_usage_group("credential") == UsageGroup::Credential);
  CHECK_FALSE(parse_usage_group("month").has_value());
}

TEST_CASE("the usage recorder stores every recorded event field for field, empty fields as empty text") {
  TempDb t("slab5-unit-recorder.db");
  // 70 events: two statements of 32 rows and six single rows; ids of varied length.
  std::vector<std::string> ids, routes;
  for (int i = 0; i < 70; ++i) {
    ids.push_back("use_" + std::string(std::size_t(i % 7), 'x') + std::to_string(100 + i));
    routes.push_back("GET /v1/r" + std::to_string(i));
  }
  {
    UsageRecorder rec([&] { return Db::open(t.path, false); });
    for (int i = 0; i < 70; ++i) {
      UsageEvent e;
      e.id = ids[std::size_t(i)];
      e.workspace_id = "wrk_a";
      e.credential_type = "api_key";
      e.credential_id = i == 5 ? std::string_view() : std::string_view("key_1");
      e.route = routes[std::size_t(i)];
      e.status = 200 + i;
      e.units = i % 3 + 1;
      e.request_id = i == 9 ? "req_nine" : "req";
      e.created_at = "2026-11-21T10:00:00.000Z";
      rec.record(e);
    }
    rec.stop();  // flushes what is buffered
  }
  auto count = [&] {
    auto q = t.db->query("SELECT count(*) FROM usage_events");
    q.next();
    return q.integer(0);
  };
  CHECK(count() == 70);
  auto row = [&](const std::string& id) {
    auto q = t.db->query(
        "SELECT credential_id IS NULL, credential_id, route, status, units, kind, request_id FROM usage_events "
        "WHERE id = ?",
        id);
    REQUIRE(q.next());
    return std::to_string(q.integer(0)) + "|" + q.text(1) + "|" + q.text(2) + "|" + std::to_string(q.integer(3)) +
           "|" + std::to_string(q.integer(4)) + "|" + q.text(5) + "|" + q.text(6);
  };
  CHECK(row(ids[5]) == "0||GET /v1/r5|205|3|api_request|req");  // empty, not NULL, not dropped
  CHECK(row(ids[9]) == "0|key_1|GET /v1/r9|209|1|api_request|req_nine");
  CHECK(row(ids[69]) == "0|key_1|GET /v1/r69|269|1|api_request|req");
}

TEST_CASE("write_usage_events binds an empty view as empty text, never as NULL") {
  TempDb t("slab5-unit-usage-empty.db");
  UsageEvent e;  // every view default-constructed (no data pointer) except the required ones
  e.id = "use_empty";
  e.workspace_id = "wrk_a";
  e.status = 200;
  write_usage_events(*t.db, {e});
  auto q = t.db->query("SELECT credential_id IS NULL, length(credential_id), route FROM usage_events WHERE id = ?",
                       "use_empty");
  REQUIRE(q.next());  // a NULL would break NOT NULL and OR IGNORE would drop the row
  CHECK(q.integer(0) == 0);
  CHECK(q.integer(1) == 0);
  CHECK(q.text(2).empty());
}
