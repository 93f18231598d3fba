// lib/slab5/api/resource_validation: input checked against the resource table, every bad
// field at once.
#include <doctest/doctest.h>

#include <set>

#include "slab5/api/resource_validation.hpp"

using namespace slab5::api;
using Json = nlohmann::json;

namespace {
std::set<std::string> bad_fields(const slab5::Error& e) {
  std::set<std::string> out;
  for (const auto& fe : e.extra["field_errors"]) out.insert(fe["field"].get<std::string>());
  return out;
}
const ResourceSpec& res(std::string_view route) { return *find_resource(route); }
}  // namespace

TEST_CASE("a valid create is normalised: strings trimmed, defaults applied") {
  auto r = validate_input(res("deals"), Json{{"name", "  Renewal "}, {"currency", "eur"}, {"amount_cents", 1200}},
                          WriteMode::Create);
  REQUIRE(r.has_value());
  CHECK(r->values["name"] == "Renewal");
  CHECK(r->values["currency"] == "EUR");
  CHECK(r->values["amount_cents"] == 1200);
  CHECK(r->custom_fields == Json::object());
  auto lead = validate_input(res("leads"), Json{{"name", "Sam"}}, WriteMode::Create);
  REQUIRE(lead.has_value());
  CHECK(lead->values["status"] == "new");
  CHECK(lead->values["source"] == "manual");
}

TEST_CASE("every bad field is reported at once") {
  Json body{{"email", "not-an-address"}, {"company_id", "cmp_short"}, {"phone", std::string(51, '1')}};
  auto r = validate_input(res("contacts"), body, WriteMode::Create);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == "validation_failed");
  CHECK(bad_fields(r.error()) == std::set<std::string>{"name", "email", "company_id", "phone"});
}

TEST_CASE("a required string that is empty after trimming is missing") {
  auto r = validate_input(res("contacts"), Json{{"name", "   "}}, WriteMode::Create);
  REQUIRE_FALSE(r.has_value());
  CHECK(bad_fields(r.error()) == std::set<std::string>{"name"});
}

TEST_CASE("wrong types are named") {
  auto r = validate_input(res("companies"),
                          Json{{"name", 5}, {"employee_count", -1}, {"website", "ftp://x.example"}, {"domain", "no"}},
                          WriteMode::Create);
  REQUIRE_FALSE(r.has_value());
  CHECK(bad_fields(r.error()) == std::set<std::string>{"name", "employee_count", "website", "domain"});
  auto f = validate_input(res("companies"), Json{{"name", "A"}, {"employee_count", 1.5}}, WriteMode::Create);
  REQUIRE_FALSE(f.has_value());
  CHECK(bad_fields(f.error()) == std::set<std::string>{"employee_count"});
}

TEST_CASE("a body that is not an object is invalid_request") {
  auto r = validate_input(res("contacts"), Json::array(), WriteMode::Create);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == "invalid_request");
}

TEST_CASE("enum values reserved for actions cannot be set directly") {
  auto r = validate_input(res("leads"), Json{{"name", "Sam"}, {"status", "converted"}}, WriteMode::Create);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().extra["field_errors"][0]["message"].get<std::string>().find("directly") != std::string::npos);
  CHECK_FALSE(validate_input(res("leads"), Json{{"name", "Sam"}, {"status", "bogus"}}, WriteMode::Create));
}

TEST_CASE("read-only fields are ignored, unknown fields too") {
  auto r = validate_input(res("deals"), Json{{"name", "D"}, {"status", "won"}, {"closed_at", "x"}, {"zzz", 1}},
                          WriteMode::Create);
  REQUIRE(r.has_value());
  CHECK_FALSE(r->values.contains("status"));
  CHECK_FALSE(r->values.contains("zzz"));
}

TEST_CASE("patch: null clears optional fields, refuses required and create-only ones") {
  auto ok = validate_input(res("contacts"), Json{{"email", nullptr}, {"title", "CEO"}}, WriteMode::Patch);
  REQUIRE(ok.has_value());
  CHECK(ok->values["email"].is_null());
  CHECK(ok->values["title"] == "CEO");
  CHECK_FALSE(ok->values.contains("name"));
  CHECK_FALSE(ok->custom_fields.has_value());
  auto bad = validate_input(res("contacts"), Json{{"name", nullptr}}, WriteMode::Patch);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad_fields(bad.error()) == std::set<std::string>{"name"});
  auto asset = validate_input(res("assets"), Json{{"byte_size", 10}}, WriteMode::Patch);
  REQUIRE_FALSE(asset.has_value());
  CHECK(bad_fields(asset.error()) == std::set<std::string>{"byte_size"});
}

TEST_CASE("custom_fields: key pattern, value types, counts and size") {
  auto ok = validate_input(res("contacts"), Json{{"name", "J"}, {"custom_fields", {{"tier", "gold"}, {"n", 3}}}},
                           WriteMode::Create);
  REQUIRE(ok.has_value());
  CHECK((*ok->custom_fields)["tier"] == "gold");
  CHECK_FALSE(
      validate_input(res("contacts"), Json{{"name", "J"}, {"custom_fields", {{"Bad-Key", 1}}}}, WriteMode::Create));
  CHECK_FALSE(validate_input(res("contacts"), Json{{"name", "J"}, {"custom_fields", {{"k", Json::array()}}}},
                             WriteMode::Create));
  CHECK_FALSE(validate_input(res("contacts"), Json{{"name", "J"}, {"custom_fields", {{"k", std::string(2001, 'x')}}}},
                             WriteMode::Create));
  Json many = Json::object();
  for (int i = 0; i < 51; ++i) many["k" + std::to_string(i)] = i;
  CHECK_FALSE(validate_input(res("contacts"), Json{{"name", "J"}, {"custom_fields", many}}, WriteMode::Create));
  Json big = Json::object();
  for (int i = 0; i < 10; ++i) big["k" + std::to_string(i)] = std::string(1900, 'x');
  CHECK_FALSE(validate_input(res("contacts"), Json{{"name", "J"}, {"custom_fields", big}}, WriteMode::Create));
  // In a patch, null removes a key.
  auto patch = validate_input(res("contacts"), Json{{"custom_fields", {{"tier", nullptr}}}}, WriteMode::Patch);
  REQUIRE(patch.has_value());
  Json stored{{"tier", "gold"}, {"n", 3}};
  merge_patch(stored, *patch->custom_fields);
  CHECK(stored == Json{{"n", 3}});
}

TEST_CASE("related_resource_id must match related_resource_type") {
  auto mismatch = validate_input(
      res("tasks"),
      Json{
          {"title", "t"}, {"related_resource_type", "deal"}, {"related_resource_id", "con_01jabcdefghjkmnpqrstvwxyz0"}},
      WriteMode::Create);
  REQUIRE_FALSE(mismatch.has_value());
  CHECK(bad_fields(mismatch.error()) == std::set<std::string>{"related_resource_id"});
  auto missing_type = validate_input(
      res("tasks"), Json{{"title", "t"}, {"related_resource_id", "con_01jabcdefghjkmnpqrstvwxyz0"}}, WriteMode::Create);
  REQUIRE_FALSE(missing_type.has_value());
  CHECK(bad_fields(missing_type.error()) == std::set<std::string>{"related_resource_type"});
}

TEST_CASE("patterns, dates and times") {
  CHECK(validate_input(res("cms-entries"), Json{{"title", "T"}, {"collection", "blog-posts"}}, WriteMode::Create));
  CHECK_FALSE(validate_input(res("cms-entries"), Json{{"title", "T"}, {"collection", "Blog"}}, WriteMode::Create));
  CHECK_FALSE(validate_input(res("activities"), Json{{"type", "Call!"}, {"summary", "s"}}, WriteMode::Create));
  CHECK(validate_input(res("deals"), Json{{"name", "D"}, {"expected_close_date", "2028-02-29"}}, WriteMode::Create));
  CHECK_FALSE(
      validate_input(res("deals"), Json{{"name", "D"}, {"expected_close_date", "2027-02-29"}}, WriteMode::Create));
  auto t = validate_input(res("tasks"), Json{{"title", "t"}, {"due_at", "2026-12-01T09:00:00Z"}}, WriteMode::Create);
  REQUIRE(t.has_value());
  CHECK(t->values["due_at"] == "2026-12-01T09:00:00.000Z");
  CHECK_FALSE(validate_input(res("tasks"), Json{{"title", "t"}, {"due_at", "tomorrow"}}, WriteMode::Create));
}

TEST_CASE("action input") {
  const auto& convert = res("leads").actions.at(0);
  auto ok = validate_action_input(convert, Json{{"create_deal", true}, {"currency", "usd"}});
  REQUIRE(ok.has_value());
  CHECK((*ok)["currency"] == "USD");
  CHECK_FALSE(validate_action_input(convert, Json{{"create_deal", "yes"}}));
}

TEST_CASE("slugs and lengths") {
  CHECK(slugify("Hello, World!") == "hello-world");
  CHECK(slugify("  --  ") == "entry");
  CHECK(slugify(std::string(300, 'a')).size() == 120);
  CHECK(utf8_length("Zoë") == 3);
}
