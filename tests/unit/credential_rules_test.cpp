// Unit tests for server/domain/credential_rules: names, scopes, expiry, overlap, escalation.
#include <doctest/doctest.h>

#include "domain/credential_rules.hpp"
#include "slab5/access.hpp"

using namespace slab5d;
using slab5::Json;

namespace {
const std::vector<std::string> kModules = slab5::default_enabled_modules();
const slab5::Millis kNow = 1'800'000'000'000;  // 2027-01-15

std::vector<std::string> fields_of(const slab5::Error& e) {
  std::vector<std::string> out;
  for (const auto& f : e.extra["field_errors"]) out.push_back(f["field"]);
  return out;
}
}  // namespace

TEST_CASE("a valid create input is accepted and its expiry normalised") {
  auto in = parse_credential_input(
      {{"name", "ci"}, {"scopes", {"crm:read", "settings:admin"}}, {"expires_at", "2030-01-01T00:00:00Z"}}, kModules,
      kNow);
  REQUIRE(in);
  CHECK(in->name == "ci");
  CHECK(in->description.empty());
  CHECK(in->scopes.size() == 2);
  CHECK(in->expires_at == "2030-01-01T00:00:00.000Z");
}

TEST_CASE("create input problems are all reported at once") {
  auto in = parse_credential_input({{"name", ""},
                                    {"scopes", {"crm:read", "crm:read", "bi:read", "nope"}},
                                    {"description", 3},
                                    {"expires_at", "2001-01-01T00:00:00Z"}},
                                   kModules, kNow);
  REQUIRE(!in);
  CHECK(in.error().code == "validation_failed");
  auto f = fields_of(in.error());
  CHECK(std::count(f.begin(), f.end(), "name") == 1);
  CHECK(std::count(f.begin(), f.end(), "scopes") == 3);
  CHECK(std::count(f.begin(), f.end(), "description") == 1);
  CHECK(std::count(f.begin(), f.end(), "expires_at") == 1);
  CHECK(!parse_credential_input({{"name", "x"}}, kModules, kNow));
  CHECK(!parse_credential_input({{"name", "x"}, {"scopes", Json::array()}}, kModules, kNow));
  CHECK(!parse_credential_input({{"name", "x"}, {"scopes", "crm:read"}}, kModules, kNow));
}

TEST_CASE("an unknown scope is echoed only when it looks like a scope, never a pasted token") {
  auto named = parse_credential_input({{"name", "x"}, {"scopes", {"crm:admin"}}}, kModules, kNow);
  CHECK(named.error().extra.dump().find("crm:admin") != std::string::npos);
  std::string token = "slab5_sk_abcdefghijklmnopqrstuvwxyz0123456789AB";
  auto pasted = parse_credential_input({{"name", "x"}, {"scopes", {token}}}, kModules, kNow);
  REQUIRE(!pasted);
  CHECK(pasted.error().extra.dump().find(token) == std::string::npos);
  CHECK(pasted.error().effective_message().find(token) == std::string::npos);
}

TEST_CASE("names are counted in characters, not bytes") {
  std::string hundred;
  for (int i = 0; i < 100; ++i) hundred += "\xe2\x82\xac";  // €
  CHECK(utf8_length(hundred) == 100);
  CHECK(parse_credential_input({{"name", hundred}, {"scopes", {"crm:read"}}}, kModules, kNow));
  CHECK(!parse_credential_input({{"name", hundred + "x"}, {"scopes", {"crm:read"}}}, kModules, kNow));
  CHECK(!parse_credential_input({{"name", " \t "}, {"scopes", {"crm:read"}}}, kModules, kNow));
}

TEST_CASE("a patch changes only what it names; null clears expiry and description") {
  auto p = parse_credential_patch({{"name", "n"}}, kModules, kNow);
  REQUIRE(p);
  CHECK(p->name == "n");
  CHECK(!p->scopes);
  CHECK(!p->change_expiry);
  auto clear = parse_credential_patch({{"expires_at", nullptr}, {"description", nullptr}}, kModules, kNow);
  REQUIRE(clear);
  CHECK(clear->change_expiry);
  CHECK(!clear->expires_at);
  CHECK(clear->description == "");
  CHECK(!parse_credential_patch(Json::object(), kModules, kNow));
  CHECK(!parse_credential_patch({{"scopes", nullptr}}, kModules, kNow));
  CHECK(!parse_credential_patch({{"name", nullptr}}, kModules, kNow));
  CHECK(!parse_credential_patch({{"expires_at", "yesterday"}}, kModules, kNow));
}

TEST_CASE("overlap_seconds is 0 to 604800, default 86400") {
  CHECK(*parse_overlap_seconds(Json::object()) == 86400);
  CHECK(*parse_overlap_seconds({{"overlap_seconds", 0}}) == 0);
  CHECK(*parse_overlap_seconds({{"overlap_seconds", 604800}}) == 604800);
  CHECK(!parse_overlap_seconds({{"overlap_seconds", 604801}}));
  CHECK(!parse_overlap_seconds({{"overlap_seconds", -1}}));
  CHECK(!parse_overlap_seconds({{"overlap_seconds", 1.5}}));
  CHECK(!parse_overlap_seconds({{"overlap_seconds", "60"}}));
}

TEST_CASE("escalation: a credential may grant only scopes it holds; a session's come from its role") {
  Actor key{.type = "api_key", .id = "key_test"};
  key.scopes = {"settings:admin", "crm:read"};
  CHECK(check_no_escalation(key, {"crm:read"}, api_key_kind()));
  auto refused = check_no_escalation(key, {"crm:read", "crm:write", "audit:read"}, api_key_kind());
  REQUIRE(!refused);
  CHECK(refused.error().code == "forbidden");
  CHECK(refused.error().extra["missing_scopes"] == Json::array({"crm:write", "audit:read"}));

  Actor admin{.type = "user", .id = "usr_admin"};
  admin.scopes = slab5::scopes_for_role("admin");
  CHECK(check_no_escalation(admin, slab5::all_scopes(), mcp_client_kind()));
  Actor member{.type = "user", .id = "usr_member"};
  member.scopes = slab5::scopes_for_role("member");
  CHECK(!check_no_escalation(member, {"settings:admin"}, api_key_kind()));
}
