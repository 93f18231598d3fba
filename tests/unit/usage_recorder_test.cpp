// server/usage_recorder: the buffered usage events reach the database field for field,
// through the UsageStore's multi-row insert.
#include <doctest/doctest.h>

#include "usage_recorder.hpp"
#include "workspace_fixture.hpp"

using namespace slab5d;
using slab5d::testing::TempDb;

TEST_CASE("the usage recorder stores every recorded event field for field, empty fields as empty text") {
  TempDb t;
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
    return std::to_string(q.integer(0)) + "|" + q.text(1) + "|" + q.text(2) + "|" + std::to_string(q.integer(3)) + "|" +
           std::to_string(q.integer(4)) + "|" + q.text(5) + "|" + q.text(6);
  };
  CHECK(row(ids[5]) == "0||GET /v1/r5|205|3|api_request|req");  // empty, not NULL, not dropped
  CHECK(row(ids[9]) == "0|key_1|GET /v1/r9|209|1|api_request|req_nine");
  CHECK(row(ids[69]) == "0|key_1|GET /v1/r69|269|1|api_request|req");
}

TEST_CASE("write_usage_events binds an empty view as empty text, never as NULL") {
  TempDb t;
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
