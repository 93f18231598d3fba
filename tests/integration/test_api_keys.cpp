// API keys (api.md §5): create, list, show, edit, rotate, revoke, the scope and escalation
// rules, their audit events and usage events, and their effect on the very next request.
#include <atomic>
#include <chrono>
#include <ctime>
#include <set>
#include <thread>

#include "credential_support.hpp"
#include "slab5/time.hpp"

using namespace testing;

namespace {
const std::vector<std::string> kAdmin = {"settings:admin"};

long status_with(const Server& s, const std::string& token) {
  return api("GET", s.api_url + "/workspace", token).status;
}

// An RFC 3339 time from the API as a system_clock time point.
std::chrono::system_clock::time_point slab5_time_of(const Json& t) {
  auto ms = slab5::parse_rfc3339(t.get<std::string>());
  REQUIRE(ms);
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(*ms));
}

Json get_key(const Server& s, const std::string& id) {
  auto r = api("GET", keys_url(s) + "/" + id, s.token);
  INFO(r.body);
  REQUIRE(r.status == 200);
  return r.json["data"];
}
}  // namespace

TEST_CASE("creating a key returns the key object and its secret once; the secret works") {
  Server s;
  auto k = create_credential(keys_url(s), s.token, "ci deploy", {"crm:read", "settings:admin"},
                             {{"description", "for the pipeline"}});
  CHECK(k["id"].get<std::string>().rfind("key_", 0) == 0);
  CHECK(k["name"] == "ci deploy");
  CHECK(k["description"] == "for the pipeline");
  CHECK(k["status"] == "active");
  CHECK(k["scopes"] == Json::array({"crm:read", "settings:admin"}));
  CHECK(k["last_used_at"].is_null());
  CHECK(k["expires_at"].is_null());
  CHECK(k["revoked_at"].is_null());
  CHECK(k["created_by"]["type"] == "api_key");
  std::string secret = k["secret"];
  CHECK(secret.rfind("slab5_sk_", 0) == 0);
  CHECK(k["prefix"] == secret.substr(0, 17));
  CHECK(status_with(s, secret) == 200);

  auto shown = get_key(s, k["id"]);
  CHECK(!shown.contains("secret"));
  CHECK(shown["name"] == "ci deploy");
  auto list = api("GET", keys_url(s), s.token);
  REQUIRE(list.status == 200);
  CHECK(list.body.find(secret) == std::string::npos);
  CHECK(list.json["data"].size() == 2);          // the first-start key and this one
  CHECK(list.json["data"][0]["id"] == k["id"]);  // newest first
  CHECK(!list.json.contains("next_cursor"));
}

TEST_CASE("last_used_at is set by use") {
  Server s;
  auto k = create_credential(keys_url(s), s.token, "used", kAdmin);
  REQUIRE(status_with(s, k["secret"]) == 200);
  CHECK(get_key(s, k["id"])["last_used_at"].is_string());
}

TEST_CASE("create refuses invalid names, scopes, descriptions and expiry with field errors") {
  Server s;
  auto post = [&](Json body) { return api("POST", keys_url(s), s.token, body); };
  auto r = post({{"scopes", {"crm:read"}}});
  check_error(r, 422, "validation_failed");
  CHECK(has_field_error(r, "name"));
  check_error(post({{"name", ""}, {"scopes", {"crm:read"}}}), 422, "validation_failed");
  check_error(post({{"name", "   "}, {"scopes", {"crm:read"}}}), 422, "validation_failed");
  check_error(post({{"name", std::string(101, 'a')}, {"scopes", {"crm:read"}}}), 422, "validation_failed");
  CHECK(post({{"name", std::string(100, 'a')}, {"scopes", {"crm:read"}}}).status == 201);
  std::string hundred_umlauts;
  for (int i = 0; i < 100; ++i) hundred_umlauts += "\xc3\xa4";
  CHECK(post({{"name", hundred_umlauts}, {"scopes", {"crm:read"}}}).status == 201);
  check_error(post({{"name", 5}, {"scopes", {"crm:read"}}}), 422, "validation_failed");

  r = post({{"name", "x"}});
  check_error(r, 422, "validation_failed");
  CHECK(has_field_error(r, "scopes"));
  check_error(post({{"name", "x"}, {"scopes", Json::array()}}), 422, "validation_failed");
  check_error(post({{"name", "x"}, {"scopes", "crm:read"}}), 422, "validation_failed");
  check_error(post({{"name", "x"}, {"scopes", {1, 2}}}), 422, "validation_failed");
  r = post({{"name", "x"}, {"scopes", {"crm:read", "crm:admin"}}});
  check_error(r, 422, "validation_failed");
  CHECK(r.body.find("crm:admin") != std::string::npos);
  check_error(post({{"name", "x"}, {"scopes", {"crm:read", "crm:read"}}}), 422, "validation_failed");
  // bi is disabled in a new workspace.
  r = post({{"name", "x"}, {"scopes", {"bi:read"}}});
  check_error(r, 422, "validation_failed");
  CHECK(r.body.find("not enabled") != std::string::npos);

  check_error(post({{"name", "x"}, {"scopes", {"crm:read"}}, {"description", 7}}), 422, "validation_failed");
  check_error(post({{"name", "x"}, {"scopes", {"crm:read"}}, {"description", std::string(1001, 'd')}}), 422,
              "validation_failed");
  r = post({{"name", "x"}, {"scopes", {"crm:read"}}, {"expires_at", "2020-01-01T00:00:00Z"}});
  check_error(r, 422, "validation_failed");
  CHECK(has_field_error(r, "expires_at"));
  check_error(post({{"name", "x"}, {"scopes", {"crm:read"}}, {"expires_at", "next tuesday"}}), 422,
              "validation_failed");
  check_error(post({{"name", "x"}, {"scopes", {"crm:read"}}, {"expires_at", 1893456000}}), 422, "validation_failed");

  // Every problem is reported at once.
  r = post({{"name", ""}, {"scopes", {"nope"}}, {"expires_at", "2001-01-01T00:00:00Z"}});
  CHECK(has_field_error(r, "name"));
  CHECK(has_field_error(r, "scopes"));
  CHECK(has_field_error(r, "expires_at"));
  // Nothing was created by the refusals: the first-start key and the two valid ones.
  CHECK(api("GET", keys_url(s) + "?status=all", s.token).json["data"].size() == 3);
}

TEST_CASE("every key route needs settings:admin") {
  Server s;
  auto weak = create_credential(keys_url(s), s.token, "weak", {"crm:read", "crm:write"});
  auto other = create_credential(keys_url(s), s.token, "other", {"crm:read"});
  std::string t = weak["secret"], id = other["id"], base = keys_url(s);
  std::vector<std::pair<std::string, std::string>> calls = {{"GET", base},
                                                            {"POST", base},
                                                            {"GET", base + "/" + id},
                                                            {"PATCH", base + "/" + id},
                                                            {"POST", base + "/" + id + "/rotate"},
                                                            {"POST", base + "/" + id + "/revoke"}};
  for (auto& [method, url] : calls) {
    INFO(method << " " << url);
    auto r = api(method, url, t, method == "GET" ? Json(nullptr) : Json{{"name", "x"}, {"scopes", {"crm:read"}}});
    check_error(r, 403, "missing_required_scope");
    CHECK(r.json["error"]["required_scope"] == "settings:admin");
  }
  CHECK(get_key(s, id)["status"] == "active");
  // The refused changes (not the reads) are audited, naming the missing scope.
  CHECK(sql(s.db_path, "SELECT action || ' ' || status || ' ' || target_id FROM audit_events WHERE actor_id = '" +
                           weak["id"].get<std::string>() + "' ORDER BY rowid") ==
        "api_key.create_refused 403 \napi_key.update_refused 403 " + id + "\napi_key.rotate_refused 403 " + id +
            "\napi_key.revoke_refused 403 " + id);
  CHECK(sql(s.db_path,
            "SELECT count(*) FROM audit_events WHERE action = 'api_key.create_refused' AND after_json LIKE "
            "'%settings:admin%'") == "1");
}

TEST_CASE("a key cannot create or edit a key to hold a scope it lacks itself") {
  Server s;
  auto admin = create_credential(keys_url(s), s.token, "limited admin", {"settings:admin", "crm:read"});
  std::string t = admin["secret"];
  // Create: within its own scopes is fine, beyond is forbidden.
  CHECK(api("POST", keys_url(s), t, {{"name", "ok"}, {"scopes", {"crm:read"}}}).status == 201);
  auto r = api("POST", keys_url(s), t, {{"name", "more"}, {"scopes", {"crm:read", "crm:write"}}});
  check_error(r, 403, "forbidden");
  CHECK(r.json["error"]["missing_scopes"] == Json::array({"crm:write"}));
  check_error(api("POST", keys_url(s), t, {{"name", "audit"}, {"scopes", {"audit:read"}}}), 403, "forbidden");

  // Edit: its own key cannot grow, a stronger key cannot be re-scoped, extended or rotated.
  check_error(api("PATCH", keys_url(s) + "/" + admin["id"].get<std::string>(), t,
                  {{"scopes", {"settings:admin", "crm:read", "usage:read"}}}),
              403, "forbidden");
  auto strong = create_credential(keys_url(s), s.token, "strong", {"crm:write"});
  std::string sid = strong["id"];
  check_error(api("PATCH", keys_url(s) + "/" + sid, t, {{"scopes", {"crm:write", "crm:read"}}}), 403, "forbidden");
  check_error(api("PATCH", keys_url(s) + "/" + sid, t, {{"expires_at", "2999-01-01T00:00:00Z"}}), 403, "forbidden");
  check_error(api("POST", keys_url(s) + "/" + sid + "/rotate", t, Json::object()), 403, "forbidden");
  auto still = get_key(s, sid);
  CHECK(still["scopes"] == Json::array({"crm:write"}));
  CHECK(still["expires_at"].is_null());
  // Narrowing to what it holds, renaming and revoking are not escalation.
  CHECK(api("PATCH", keys_url(s) + "/" + sid, t, {{"name", "renamed"}}).status == 200);
  CHECK(api("PATCH", keys_url(s) + "/" + sid, t, {{"scopes", {"crm:read"}}}).status == 200);
  CHECK(api("POST", keys_url(s) + "/" + sid + "/revoke", t).status == 200);

  // The refusals are in the audit log, with the attempted scopes and no secret.
  auto refused = sql(s.db_path,
                     "SELECT action || ' ' || status FROM audit_events WHERE action LIKE '%refused' "
                     "ORDER BY rowid");
  CHECK(refused ==
        "api_key.create_refused 403\napi_key.create_refused 403\napi_key.update_refused 403\n"
        "api_key.update_refused 403\napi_key.update_refused 403\napi_key.rotate_refused 403");
  CHECK(sql(s.db_path,
            "SELECT count(*) FROM audit_events WHERE action = 'api_key.create_refused' AND "
            "actor_id = '" +
                admin["id"].get<std::string>() + "' AND after_json LIKE '%crm:write%'") == "1");
}

TEST_CASE("editing changes name, description, scopes and expiry; the next request sees the new scopes") {
  Server s;
  auto k = create_credential(keys_url(s), s.token, "before", {"settings:admin", "crm:read"});
  std::string id = k["id"], t = k["secret"], url = keys_url(s) + "/" + id;
  REQUIRE(api("GET", keys_url(s), t).status == 200);
  // Timestamps have millisecond resolution: let one pass so that updated_at must move.
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto r =
      api("PATCH", url, s.token,
          {{"name", "after"}, {"description", "d"}, {"scopes", {"crm:read"}}, {"expires_at", "2999-01-01T00:00:00Z"}});
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.json["data"]["name"] == "after");
  CHECK(r.json["data"]["description"] == "d");
  CHECK(r.json["data"]["scopes"] == Json::array({"crm:read"}));
  CHECK(r.json["data"]["expires_at"] == "2999-01-01T00:00:00.000Z");
  CHECK(r.json["data"]["updated_at"] != k["updated_at"]);
  CHECK(!r.json["data"].contains("secret"));
  // The scope edit applies at once: the key lost settings:admin.
  check_error(api("GET", keys_url(s), t), 403, "missing_required_scope");
  CHECK(status_with(s, t) == 200);
  // null clears the expiry and the description.
  r = api("PATCH", url, s.token, {{"expires_at", nullptr}, {"description", nullptr}});
  CHECK(r.json["data"]["expires_at"].is_null());
  CHECK(r.json["data"]["description"] == "");

  check_error(api("PATCH", url, s.token, Json::object()), 422, "validation_failed");
  check_error(api("PATCH", url, s.token, {{"name", ""}}), 422, "validation_failed");
  check_error(api("PATCH", url, s.token, {{"scopes", Json::array()}}), 422, "validation_failed");
  check_error(api("PATCH", url, s.token, {{"scopes", nullptr}}), 422, "validation_failed");
  check_error(api("PATCH", url, s.token, {{"scopes", {"bi:write"}}}), 422, "validation_failed");
  check_error(api("PATCH", url, s.token, {{"expires_at", "1999-01-01T00:00:00Z"}}), 422, "validation_failed");
  check_error(api("PATCH", keys_url(s) + "/key_01aaaaaaaaaaaaaaaaaaaaaaaa", s.token, {{"name", "x"}}), 404,
              "resource_not_found");
  check_error(api("GET", keys_url(s) + "/not-an-id", s.token), 404, "resource_not_found");
  CHECK(get_key(s, id)["name"] == "after");

  CHECK(sql(s.db_path, "SELECT count(*) FROM audit_events WHERE action = 'api_key.updated' AND target_id = '" + id +
                           "' AND before_json LIKE '%\"before\"%' AND after_json LIKE '%\"after\"%'") == "1");
}

TEST_CASE("a revoked key is refused on the next request and cannot be edited, rotated or revoked again") {
  Server s;
  auto k = create_credential(keys_url(s), s.token, "doomed", kAdmin);
  std::string id = k["id"], t = k["secret"], url = keys_url(s) + "/" + id;
  REQUIRE(status_with(s, t) == 200);
  auto r = api("POST", url + "/revoke", s.token);
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.json["data"]["status"] == "revoked");
  CHECK(r.json["data"]["revoked_at"].is_string());
  auto refused = api("GET", s.api_url + "/workspace", t);
  check_error(refused, 401, "unauthorized");
  CHECK(refused.body.find(t) == std::string::npos);
  check_error(api("POST", url + "/revoke", s.token), 409, "conflict");
  check_error(api("PATCH", url, s.token, {{"name", "zombie"}}), 409, "conflict");
  check_error(api("POST", url + "/rotate", s.token, Json::object()), 409, "conflict");
  check_error(api("POST", keys_url(s) + "/key_01aaaaaaaaaaaaaaaaaaaaaaaa/revoke", s.token), 404, "resource_not_found");

  // Listing by status.
  auto ids = [&](const std::string& q) {
    std::vector<std::string> out;
    auto r = api("GET", keys_url(s) + q, s.token);
    for (auto& x : r.json["data"]) out.push_back(x["id"]);
    return out;
  };
  CHECK(ids("?status=revoked") == std::vector<std::string>{id});
  auto active = ids("");
  CHECK(std::find(active.begin(), active.end(), id) == active.end());
  CHECK(ids("?status=all").size() == 2);
  check_error(api("GET", keys_url(s) + "?status=gone", s.token), 400, "invalid_request");

  CHECK(sql(s.db_path, "SELECT action FROM audit_events WHERE target_id = '" + id + "' ORDER BY rowid") ==
        "api_key.created\napi_key.revoked\napi_key.revoke_refused\napi_key.update_refused\napi_key.rotate_refused");
}

TEST_CASE("rotation issues a new key with the same name and scopes; the old one works for the overlap") {
  Server s;
  auto k = create_credential(keys_url(s), s.token, "rotating", {"settings:admin", "crm:read"}, {{"description", "d"}});
  std::string id = k["id"], old_secret = k["secret"];
  auto r = api("POST", keys_url(s) + "/" + id + "/rotate", s.token);
  INFO(r.body);
  REQUIRE(r.status == 201);
  auto fresh = r.json["data"];
  CHECK(fresh["id"] != id);
  CHECK(fresh["name"] == "rotating");
  CHECK(fresh["description"] == "d");
  CHECK(fresh["scopes"] == k["scopes"]);
  CHECK(fresh["secret"] != old_secret);
  CHECK(status_with(s, fresh["secret"]) == 200);
  CHECK(status_with(s, old_secret) == 200);  // within the default 24 h overlap
  auto old = get_key(s, id);
  auto expires = old["expires_at"].get<std::string>();
  auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  // expires_at is about now + 86400 s: compare the date part of a day ahead.
  std::time_t tomorrow = std::time_t(now + 86400);
  char day[16];
  std::strftime(day, sizeof day, "%Y-%m-%d", std::gmtime(&tomorrow));
  CHECK(expires.substr(0, 10) == day);

  // overlap 0 stops the old key at once.
  auto r0 =
      api("POST", keys_url(s) + "/" + fresh["id"].get<std::string>() + "/rotate", s.token, {{"overlap_seconds", 0}});
  REQUIRE(r0.status == 201);
  check_error(api("GET", s.api_url + "/workspace", fresh["secret"].get<std::string>()), 401, "unauthorized");
  CHECK(get_key(s, fresh["id"])["status"] == "expired");
  CHECK(status_with(s, r0.json["data"]["secret"]) == 200);

  std::string newest = r0.json["data"]["id"];
  check_error(api("POST", keys_url(s) + "/" + newest + "/rotate", s.token, {{"overlap_seconds", -1}}), 422,
              "validation_failed");
  check_error(api("POST", keys_url(s) + "/" + newest + "/rotate", s.token, {{"overlap_seconds", 604801}}), 422,
              "validation_failed");
  check_error(api("POST", keys_url(s) + "/" + newest + "/rotate", s.token, {{"overlap_seconds", "1h"}}), 422,
              "validation_failed");
  check_error(api("POST", keys_url(s) + "/" + fresh["id"].get<std::string>() + "/rotate", s.token), 409, "conflict");
  CHECK(sql(s.db_path, "SELECT count(*) FROM audit_events WHERE action = 'api_key.rotated'") == "2");
}

TEST_CASE("a rotated key stops working when its overlap ends, also in a second slab5d on the same file") {
  Server a;
  Server b({.db = a.db_path});
  auto k = create_credential(keys_url(a), a.token, "short overlap", kAdmin);
  std::string old_secret = k["secret"];
  CHECK(status_with(b, old_secret) == 200);
  auto r = api("POST", keys_url(a) + "/" + k["id"].get<std::string>() + "/rotate", a.token, {{"overlap_seconds", 2}});
  REQUIRE(r.status == 201);
  std::string new_secret = r.json["data"]["secret"];
  CHECK(status_with(b, old_secret) == 200);
  CHECK(status_with(b, new_secret) == 200);
  auto overlap_end = slab5_time_of(get_key(a, k["id"])["expires_at"]);
  std::this_thread::sleep_until(overlap_end + std::chrono::milliseconds(20));
  CHECK(status_with(b, old_secret) == 401);
  CHECK(status_with(a, old_secret) == 401);
  CHECK(status_with(b, new_secret) == 200);
}

TEST_CASE("revocation and scope edits take effect at once in a second slab5d on the same file") {
  Server a;
  Server b({.db = a.db_path});
  auto k = create_credential(keys_url(a), a.token, "shared", {"settings:admin", "crm:read"});
  std::string t = k["secret"], url = keys_url(a) + "/" + k["id"].get<std::string>();
  // Created in A, used in B.
  REQUIRE(api("GET", keys_url(b), t).status == 200);
  REQUIRE(api("PATCH", url, a.token, {{"scopes", {"crm:read"}}}).status == 200);
  check_error(api("GET", keys_url(b), t), 403, "missing_required_scope");
  REQUIRE(api("PATCH", url, a.token, {{"scopes", {"crm:read", "settings:admin"}}}).status == 200);
  CHECK(api("GET", keys_url(b), t).status == 200);
  REQUIRE(api("POST", url + "/revoke", a.token).status == 200);
  check_error(api("GET", b.api_url + "/workspace", t), 401, "unauthorized");
  // And the other way round: revoked in B, refused in A.
  auto k2 = create_credential(keys_url(b), a.token, "second", kAdmin);
  REQUIRE(status_with(a, k2["secret"]) == 200);
  REQUIRE(api("POST", keys_url(b) + "/" + k2["id"].get<std::string>() + "/revoke", a.token).status == 200);
  CHECK(status_with(a, k2["secret"]) == 401);
}

TEST_CASE("an expired key is refused, also in a second slab5d, and listed as expired") {
  Server a;
  Server b({.db = a.db_path});
  auto soon = std::chrono::system_clock::now() + std::chrono::milliseconds(2000);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(soon.time_since_epoch()).count();
  std::time_t secs = std::time_t(ms / 1000);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", std::gmtime(&secs));
  std::string expires = std::string(buf) + "." + std::to_string(1000 + ms % 1000).substr(1) + "Z";
  auto k = create_credential(keys_url(a), a.token, "brief", kAdmin, {{"expires_at", expires}});
  CHECK(k["expires_at"] == expires);
  std::string t = k["secret"];
  CHECK(status_with(b, t) == 200);
  std::this_thread::sleep_until(soon + std::chrono::milliseconds(50));
  auto r = api("GET", b.api_url + "/workspace", t);
  check_error(r, 401, "unauthorized");
  CHECK(r.json["error"]["message"].get<std::string>().find("expired") != std::string::npos);
  CHECK(status_with(a, t) == 401);
  auto expired = api("GET", keys_url(a) + "?status=expired", a.token).json["data"];
  REQUIRE(expired.size() == 1);
  CHECK(expired[0]["id"] == k["id"]);
  CHECK(expired[0]["status"] == "expired");
  // An expired key stays expired: no PATCH moves its expiry (create a new key instead).
  auto url = keys_url(a) + "/" + k["id"].get<std::string>();
  for (const Json& expiry : {Json("2999-01-01T00:00:00Z"), Json(nullptr)}) {
    auto revived = api("PATCH", url, a.token, {{"expires_at", expiry}});
    check_error(revived, 409, "conflict");
    CHECK(revived.json["error"]["message"].get<std::string>().find("expired") != std::string::npos);
  }
  CHECK(get_key(a, k["id"])["expires_at"] == expires);
  CHECK(status_with(b, t) == 401);
  CHECK(status_with(a, t) == 401);
  // Renaming is still allowed.
  CHECK(api("PATCH", url, a.token, {{"name", "brief, expired"}}).status == 200);
  CHECK(sql(a.db_path, "SELECT count(*) FROM audit_events WHERE action = 'api_key.update_refused'") == "2");
}

TEST_CASE("a rotated-away key cannot be revived by a PATCH of its expiry") {
  Server s;
  for (const auto& url : {keys_url(s), mcp_url(s)}) {
    bool mcp = url == mcp_url(s);  // MCP tokens are refused on REST routes anyway: no probes
    CAPTURE(url);
    auto k = create_credential(url, s.token, "old", mcp ? std::vector<std::string>{"crm:read"} : kAdmin);
    std::string id = k["id"], old_secret = k["secret"];
    // Overlap 0: the old secret stops at once ...
    auto r = api("POST", url + "/" + id + "/rotate", s.token, {{"overlap_seconds", 0}});
    REQUIRE(r.status == 201);
    std::string fresh = r.json["data"]["id"];
    if (!mcp) CHECK(status_with(s, old_secret) == 401);
    // ... and no PATCH of its expiry brings it back, nor pushes it into the future.
    for (const Json& expiry : {Json(nullptr), Json("2999-01-01T00:00:00Z")}) {
      auto p = api("PATCH", url + "/" + id, s.token, {{"expires_at", expiry}});
      check_error(p, 409, "conflict");
      auto msg = p.json["error"]["message"].get<std::string>();
      CHECK(msg.find("rotated") != std::string::npos);
      CHECK(msg.find(fresh) != std::string::npos);
    }
    auto old = api("GET", url + "/" + id, s.token).json["data"];
    CHECK(old["status"] == "expired");
    if (!mcp) CHECK(status_with(s, old_secret) == 401);

    // With an overlap the old key is still active, but its cutoff is fixed as well.
    auto k2 = create_credential(url, s.token, "overlapping", mcp ? std::vector<std::string>{"crm:read"} : kAdmin);
    std::string id2 = k2["id"];
    REQUIRE(api("POST", url + "/" + id2 + "/rotate", s.token, {{"overlap_seconds", 3600}}).status == 201);
    auto cutoff = api("GET", url + "/" + id2, s.token).json["data"]["expires_at"];
    check_error(api("PATCH", url + "/" + id2, s.token, {{"expires_at", nullptr}}), 409, "conflict");
    CHECK(api("GET", url + "/" + id2, s.token).json["data"]["expires_at"] == cutoff);
    if (!mcp) CHECK(status_with(s, k2["secret"]) == 200);
    // Other edits and revoking still work on a rotated-away key.
    CHECK(api("PATCH", url + "/" + id2, s.token, {{"description", "rotated away"}}).status == 200);
    CHECK(api("POST", url + "/" + id2 + "/revoke", s.token).status == 200);
  }
  CHECK(sql(s.db_path,
            "SELECT action || ' ' || count(*) FROM audit_events WHERE action LIKE '%update_refused' "
            "GROUP BY action ORDER BY action") == "api_key.update_refused 3\nmcp_client.update_refused 3");
}

TEST_CASE("pagination walks every page newest first; forged and foreign cursors are refused") {
  Server s({.args = {"--rate-limit", "off"}});
  std::vector<std::string> made;
  for (int i = 0; i < 6; ++i)
    made.push_back(create_credential(keys_url(s), s.token, std::string("k").append(std::to_string(i)), kAdmin)["id"]);
  std::vector<std::string> seen;
  std::string url = keys_url(s) + "?limit=4";
  std::string cursor;
  int pages = 0;
  for (;;) {
    auto r = api("GET", url + (cursor.empty() ? "" : "&cursor=" + cursor), s.token);
    INFO(r.body);
    REQUIRE(r.status == 200);
    ++pages;
    for (auto& k : r.json["data"]) seen.push_back(k["id"]);
    if (!r.json.contains("next_cursor")) break;
    cursor = r.json["next_cursor"];
    REQUIRE(pages < 5);
  }
  CHECK(pages == 2);
  REQUIRE(seen.size() == 7);
  CHECK(std::is_sorted(seen.rbegin(), seen.rend()));
  for (const auto& id : made) CHECK(std::find(seen.begin(), seen.end(), id) != seen.end());

  auto first = api("GET", url, s.token);
  std::string good = first.json["next_cursor"];
  std::string forged = good;
  forged[2] = forged[2] == 'A' ? 'B' : 'A';
  check_error(api("GET", url + "&cursor=" + forged, s.token), 400, "invalid_request");
  check_error(api("GET", url + "&cursor=garbage", s.token), 400, "invalid_request");
  // A cursor is bound to its filters and its route.
  check_error(api("GET", keys_url(s) + "?status=all&limit=4&cursor=" + good, s.token), 400, "invalid_request");
  check_error(api("GET", mcp_url(s) + "?limit=4&cursor=" + good, s.token), 400, "invalid_request");
  check_error(api("GET", keys_url(s) + "?limit=0", s.token), 400, "invalid_request");
  check_error(api("GET", keys_url(s) + "?limit=101", s.token), 400, "invalid_request");
}

TEST_CASE("many clients creating keys at once all succeed with distinct keys") {
  Server s({.args = {"--rate-limit", "off"}});
  constexpr int kThreads = 8, kEach = 4;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = api("POST", keys_url(s), s.token,
                     {{"name", std::string("t").append(std::to_string(t))}, {"scopes", {"crm:read"}}});
        if (r.status != 201)
          ++failures;
        else
          ids[std::size_t(t)].push_back(r.json["data"]["id"]);
      }
    });
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  std::set<std::string> all;
  for (auto& v : ids) all.insert(v.begin(), v.end());
  CHECK(all.size() == kThreads * kEach);
  CHECK(sql(s.db_path, "SELECT count(*) FROM credentials WHERE kind = 'api_key'") ==
        std::to_string(kThreads * kEach + 1));
  CHECK(sql(s.db_path, "SELECT count(*) FROM audit_events WHERE action = 'api_key.created'") ==
        std::to_string(kThreads * kEach + 1));
}

TEST_CASE("creating, rotating and revoking record credential_action usage events") {
  Server s;
  auto k = create_credential(keys_url(s), s.token, "metered", kAdmin);
  std::string id = k["id"];
  REQUIRE(api("POST", keys_url(s) + "/" + id + "/rotate", s.token).status == 201);
  REQUIRE(api("POST", keys_url(s) + "/" + id + "/revoke", s.token).status == 200);
  REQUIRE(api("PATCH", keys_url(s) + "/" + id, s.token, {{"name", "x"}}).status == 409);
  REQUIRE(s.stop() == 0);  // flushes the usage buffer
  CHECK(sql(s.db_path,
            "SELECT route || ' ' || status FROM usage_events WHERE kind = 'credential_action' ORDER BY route") ==
        "POST /v1/workspace/api-keys 201\nPOST /v1/workspace/api-keys/{id}/revoke 200\n"
        "POST /v1/workspace/api-keys/{id}/rotate 201");
  CHECK(sql(s.db_path, "SELECT count(*) FROM usage_events WHERE kind = 'api_request'") == "4");
}

TEST_CASE("no secret reaches the database, its WAL, the audit log or the server log") {
  Server s({.args = {"--log-level", "debug"}});
  std::vector<std::string> secrets = {s.token};
  auto k = create_credential(keys_url(s), s.token, "secretive", kAdmin, {{"idempotency_key", "grep-1"}});
  secrets.push_back(k["secret"]);
  // Replayed, rotated, an MCP client, a refused attempt that names the secret in the body.
  CHECK(api("POST", keys_url(s), s.token, {{"name", "secretive"}, {"scopes", kAdmin}, {"idempotency_key", "grep-1"}})
            .json["data"]["secret"] == k["secret"]);
  auto rot =
      api("POST", keys_url(s) + "/" + k["id"].get<std::string>() + "/rotate", s.token, {{"idempotency_key", "grep-2"}});
  REQUIRE(rot.status == 201);
  secrets.push_back(rot.json["data"]["secret"]);
  secrets.push_back(create_credential(mcp_url(s), s.token, "agent", {"crm:read"})["secret"]);
  api("POST", keys_url(s), k["secret"].get<std::string>(), {{"name", k["secret"]}, {"scopes", {"crm:write"}}});
  for (const auto& t : secrets) api("GET", s.api_url + "/workspace", t);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // usage flush
  check_no_secret_stored(s, secrets);
  CHECK(sql(s.db_path, "SELECT count(*) FROM audit_events WHERE action LIKE 'api_key.%'") != "0");
  REQUIRE(s.stop() == 0);
  std::string db = stored_bytes(s.db_path);
  for (const auto& t : secrets) CHECK(db.find(t) == std::string::npos);
}
