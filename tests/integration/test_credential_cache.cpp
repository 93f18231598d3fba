// The credential cache (docs/performance.md): slab5d keeps credential and workspace lookups
// in memory, and a change written by any other process on the same database is seen by the
// very next request. The writes here come from this test process through its own SQLite or
// PostgreSQL connection, the way another slab5d process (or the sqlite3 shell, or psql) would.
#include <doctest/doctest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <memory>

#include <stdexcept>

#include "harness.hpp"
#include "slab5/encoding.hpp"
#include "slab5/time.hpp"
#include "slab5/token.hpp"

using namespace testing;

namespace {

// One statement on a PostgreSQL database; returns its result (nullptr when it failed).
std::unique_ptr<PGresult, decltype(&PQclear)> pg(const std::string& url, const std::string& statement,
                                                 std::string& error) {
  PGconn* c = PQconnectdb(url.c_str());
  PGresult* r = PQstatus(c) == CONNECTION_OK ? PQexec(c, statement.c_str()) : nullptr;
  auto st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    error = r ? PQresultErrorMessage(r) : PQerrorMessage(c);
    PQclear(r);
    r = nullptr;
  }
  PQfinish(c);
  return {r, &PQclear};
}

// One statement on the database from outside slab5d; returns the rows changed.
int sql(const std::string& db_path, const std::string& statement) {
  if (db_path.rfind("postgres://", 0) == 0) {
    std::string error;
    auto r = pg(db_path, statement, error);
    if (!r) throw std::runtime_error("sql failed: " + error);
    return std::atoi(PQcmdTuples(r.get()));
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
    throw std::runtime_error("cannot open " + db_path);
  sqlite3_busy_timeout(db, 10000);
  char* err = nullptr;
  int rc = sqlite3_exec(db, ("PRAGMA foreign_keys=ON; " + statement).c_str(), nullptr, nullptr, &err);
  std::string msg = err ? err : "";
  sqlite3_free(err);
  int changed = sqlite3_changes(db);
  sqlite3_close(db);
  if (rc != SQLITE_OK) throw std::runtime_error("sql failed: " + msg);
  return changed;
}

std::string sql_value(const std::string& db_path, const std::string& query) {
  if (db_path.rfind("postgres://", 0) == 0) {
    std::string error;
    auto r = pg(db_path, query, error);
    if (!r || PQntuples(r.get()) == 0) return "<none>";
    return PQgetisnull(r.get(), 0, 0) ? "<null>" : PQgetvalue(r.get(), 0, 0);
  }
  sqlite3* db = nullptr;
  sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  std::string out = "<none>";
  if (sqlite3_prepare_v2(db, query.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    out = sqlite3_column_type(st, 0) == SQLITE_NULL ? "<null>"
                                                    : reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

std::string sq(const std::string& s) { return "'" + s + "'"; }

// Enough requests that every I/O thread has the credential in its cache.
void warm(const Server& s, const std::string& token) {
  for (int i = 0; i < 8; ++i) REQUIRE(api("GET", s.api_url + "/workspace", token).status == 200);
}

std::string message(const Response& r) { return r.json["error"]["message"].get<std::string>(); }

}  // namespace

TEST_CASE("a key revoked by another process is refused on the very next request") {
  Server s;
  warm(s, s.token);
  REQUIRE(sql(s.db_path, "UPDATE credentials SET revoked_at = '2026-01-01T00:00:00.000Z' WHERE kind = 'api_key'") == 1);
  for (int i = 0; i < 8; ++i) {
    auto r = api("GET", s.api_url + "/workspace", s.token);
    CHECK(r.status == 401);
    CHECK(r.json["error"]["code"] == "unauthorized");
    CHECK(message(r).find("revoked") != std::string::npos);
  }
}

TEST_CASE("two slab5d processes on one database both see a revocation at once") {
  Server a;
  Server b({.db = a.db_path});
  warm(a, a.token);
  warm(b, a.token);
  sql(a.db_path, "UPDATE credentials SET revoked_at = '2026-01-01T00:00:00.000Z'");
  CHECK(api("GET", a.api_url + "/workspace", a.token).status == 401);
  CHECK(api("GET", b.api_url + "/workspace", a.token).status == 401);
  // And back: clearing the revocation (only possible from outside) is seen as well.
  sql(a.db_path, "UPDATE credentials SET revoked_at = NULL");
  CHECK(api("GET", a.api_url + "/workspace", a.token).status == 200);
  CHECK(api("GET", b.api_url + "/workspace", a.token).status == 200);
}

TEST_CASE("an expiry moved into the past by another process applies to the next request") {
  Server s;
  warm(s, s.token);
  sql(s.db_path, "UPDATE credentials SET expires_at = " + sq(slab5::format_rfc3339(slab5::now_millis() - 1000)));
  auto r = api("GET", s.api_url + "/workspace", s.token);
  CHECK(r.status == 401);
  CHECK(message(r).find("expired") != std::string::npos);
}

TEST_CASE("a key created by another process works at once; unknown keys stay unknown") {
  Server s;
  warm(s, s.token);
  std::string token = slab5::generate_token(slab5::kApiKeyPrefix);
  // Unknown first: the miss must not be remembered.
  auto before = api("GET", s.api_url + "/workspace", token);
  CHECK(before.status == 401);
  CHECK(message(before).find("not valid") != std::string::npos);
  sql(s.db_path,
      "INSERT INTO credentials (id, kind, workspace_id, name, prefix, token_hash, scopes, created_at, updated_at, "
      "created_by_type, created_by_id) VALUES ('key_fromoutside', 'api_key', " +
          sq(s.workspace_id) + ", 'outside', " + sq(slab5::token_display_prefix(token)) + ", " +
          sq(slab5::token_hash(token)) +
          ", '[\"crm:read\"]', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 'system', 'system')");
  auto after = api("GET", s.api_url + "/workspace", token);
  CHECK(after.status == 200);
  CHECK(after.json["data"]["id"] == s.workspace_id);
}

TEST_CASE("a workspace deleted by another process takes its keys with it at once") {
  Server s;
  warm(s, s.token);
  sql(s.db_path, "DELETE FROM memberships; DELETE FROM workspaces WHERE id = " + sq(s.workspace_id));
  auto r = api("GET", s.api_url + "/workspace", s.token);
  CHECK(r.status == 401);
}

TEST_CASE("last_used_at is written at most once a minute, not on every request") {
  Server s;
  REQUIRE(api("GET", s.api_url + "/workspace", s.token).status == 200);
  std::string q = "SELECT last_used_at FROM credentials WHERE kind = 'api_key'";
  auto first = sql_value(s.db_path, q);
  REQUIRE(first != "<null>");
  CHECK(slab5::parse_rfc3339(first).has_value());

  // Used 30 seconds ago: further requests leave it alone.
  auto recent = slab5::format_rfc3339(slab5::now_millis() - 30000);
  sql(s.db_path, "UPDATE credentials SET last_used_at = " + sq(recent));
  warm(s, s.token);
  CHECK(sql_value(s.db_path, q) == recent);

  // Used two minutes ago: the next request records the use again.
  auto old = slab5::format_rfc3339(slab5::now_millis() - 120000);
  sql(s.db_path, "UPDATE credentials SET last_used_at = " + sq(old));
  REQUIRE(api("GET", s.api_url + "/workspace", s.token).status == 200);
  auto now = sql_value(s.db_path, q);
  CHECK(now != old);
  CHECK(slab5::parse_rfc3339(now).value_or(0) > slab5::now_millis() - 10000);
}

TEST_CASE("a token with a bad checksum is refused before any lookup, cached or not") {
  Server s;
  warm(s, s.token);
  std::string bad = s.token;
  bad.back() = bad.back() == 'a' ? 'b' : 'a';
  auto r = api("GET", s.api_url + "/workspace", bad);
  CHECK(r.status == 401);
  CHECK(message(r).find("checksum") != std::string::npos);
}

TEST_CASE("a key revoked through the API in one slab5d process is refused by another at once") {
  Server a;
  Server b({.db = a.db_path});
  auto created =
      api("POST", a.api_url + "/workspace/api-keys", a.token, {{"name", "shared"}, {"scopes", {"crm:read"}}});
  if (created.status == 404 || created.status == 405) {
    MESSAGE("POST /v1/workspace/api-keys is not served by this build; the SQL-written revocations above cover it");
    return;
  }
  REQUIRE(created.status == 201);
  std::string key = created.json["data"]["secret"].get<std::string>();
  std::string id = created.json["data"]["id"].get<std::string>();
  warm(a, key);
  warm(b, key);
  auto revoked = api("POST", a.api_url + "/workspace/api-keys/" + id + "/revoke", a.token);
  REQUIRE(revoked.status == 200);
  for (const Server* s : {&b, &a, &b}) {
    auto r = api("GET", s->api_url + "/workspace", key);
    CHECK(r.status == 401);
    CHECK(message(r).find("revoked") != std::string::npos);
  }
  CHECK(api("GET", b.api_url + "/workspace", a.token).status == 200);  // the other key is untouched
}

// Session tokens and session users' roles are cached the same way (server/app.cpp).
// GET /v1/workspace as the dev owner's session, after enough reads that every I/O thread
// has the session cached.
struct CachedSession {
  const Server& s;
  std::string token = login(s, s.owner_email, s.owner_password, s.workspace_id)["accessToken"];
  explicit CachedSession(const Server& server) : s(server) {
    for (int i = 0; i < 8; ++i) REQUIRE(read().status == 200);
  }
  Response read() const {
    return api("GET", s.api_url + "/workspace", token, nullptr, {{"x-workspace-id", s.workspace_id}});
  }
};

TEST_CASE("a session revoked or ended by another process is refused on the very next request") {
  struct Change {
    const char* statement;
    const char* says;
  };
  for (const auto& change : {Change{"UPDATE sessions SET revoked_at = '2026-01-01T00:00:00.000Z'", "revoked"},
                             Change{"UPDATE sessions SET expires_at = '2020-01-01T00:00:00.000Z'", "expired"}}) {
    CAPTURE(change.statement);
    Server s;
    CachedSession session(s);
    REQUIRE(sql(s.db_path, change.statement) == 1);
    auto r = session.read();
    CHECK(r.status == 401);
    CHECK(message(r).find(change.says) != std::string::npos);
  }
}

TEST_CASE("a cached session is refused from the moment its access token expires") {
  // 2 s: `exp` counts whole seconds from a truncated issue time, so a 1-s token may be valid
  // for only a few milliseconds, less than one request takes under a sanitizer.
  Server s({.args = {"--session-ttl", "2s"}});
  std::string token = login(s, s.owner_email, s.owner_password)["accessToken"];
  std::string payload = token.substr(token.find('.') + 1);
  payload = payload.substr(0, payload.find('.'));
  auto claims = Json::parse(slab5::base64url_decode(payload).value_or("{}"));
  std::int64_t exp_ms = claims["exp"].get<std::int64_t>() * 1000;
  // Requests every few milliseconds across the expiry: between two usage flushes (which empty
  // the cache) they are answered from the cache, which must check the expiry itself.
  int ok = 0, refused = 0;
  while (slab5::now_millis() < exp_ms + 700) {
    auto sent = slab5::now_millis();
    auto r = api("GET", s.api_url + "/me", token);
    if (r.status == 200) {
      ++ok;
      INFO("accepted a request sent " << sent - exp_ms << " ms after expiry");
      CHECK(sent < exp_ms);
    } else {
      ++refused;
      CHECK(r.status == 401);
    }
  }
  CHECK(ok > 0);
  CHECK(refused > 0);
}

TEST_CASE("a role changed or a membership removed by another process applies to the next request") {
  Server s;
  auto admin = add_member(s, "admin");
  auto keys = [&] {
    return api("GET", s.api_url + "/workspace/api-keys", admin.access_token, nullptr,
               {{"x-workspace-id", s.workspace_id}});
  };
  for (int i = 0; i < 8; ++i) REQUIRE(keys().status == 200);
  REQUIRE(sql(s.db_path, "UPDATE memberships SET role = 'member' WHERE user_id = " + sq(admin.user_id)) == 1);
  auto demoted = keys();
  CHECK(demoted.status == 403);
  CHECK(demoted.json["error"]["code"] == "missing_required_scope");
  REQUIRE(sql(s.db_path, "DELETE FROM memberships WHERE user_id = " + sq(admin.user_id)) == 1);
  auto removed = keys();
  CHECK(removed.status == 404);
  CHECK(removed.json["error"]["code"] == "workspace_not_found");
}

TEST_CASE("a record read again after a change made elsewhere is the changed one") {
  // GET /v1/contacts/{id} answers from a per-thread cache that any commit empties: a change
  // by another process (here, straight into the file) or by another slab5d is read at once.
  Server a;
  Server b({.db = a.db_path});
  auto created = api("POST", a.api_url + "/contacts", a.token, {{"name", "Jane Doe"}});
  REQUIRE(created.status == 201);
  std::string url = "/contacts/" + created.json["data"]["id"].get<std::string>();
  for (int i = 0; i < 8; ++i) REQUIRE(api("GET", a.api_url + url, a.token).status == 200);
  REQUIRE(sql(a.db_path, "UPDATE contacts SET name = 'Jane Changed', version = 2") == 1);
  for (int i = 0; i < 4; ++i) {
    auto r = api("GET", a.api_url + url, a.token);
    CHECK(r.json["data"]["name"] == "Jane Changed");
    CHECK(r.header("etag") == "\"2\"");
  }
  auto patched = api("PATCH", b.api_url + url, a.token, {{"title", "CTO"}});
  REQUIRE(patched.status == 200);
  for (int i = 0; i < 4; ++i) {
    auto r = api("GET", a.api_url + url, a.token);
    CHECK(r.json["data"]["title"] == "CTO");
    CHECK(r.header("etag") == "\"3\"");
  }
  REQUIRE(api("DELETE", b.api_url + url, a.token).status == 204);
  CHECK(api("GET", a.api_url + url, a.token).status == 404);
}
