// lib/slab5/api/resource_schema: the JSON Schema derived from the table says what validation
// accepts.
#include <doctest/doctest.h>

#include <algorithm>

#include "slab5/api/resource_schema.hpp"

using namespace slab5::api;
using Json = nlohmann::json;

TEST_CASE("a record schema lists every record field and every resource field as required") {
  for (const auto& r : resource_table()) {
    CAPTURE(r.route);
    auto s = record_schema(r);
    CHECK(s["type"] == "object");
    CHECK(s["additionalProperties"] == false);
    for (auto name : record_fields()) CHECK(s["properties"].contains(name));
    for (const auto& f : r.fields) CHECK(s["properties"].contains(f.name));
    CHECK(s["required"].size() == s["properties"].size());
  }
}

TEST_CASE("create schemas require the table's required fields and omit read-only ones") {
  auto s = create_schema(*find_resource("deals"));
  CHECK(s["required"] == Json::array({"name"}));
  CHECK_FALSE(s["properties"].contains("status"));
  CHECK(s["properties"]["currency"]["default"] == "USD");
  auto leads = create_schema(*find_resource("leads"));
  CHECK(leads["properties"]["status"]["enum"].size() == 4);  // converted only via the action
}

TEST_CASE("patch schemas allow null on optional fields only") {
  auto s = patch_schema(*find_resource("contacts"));
  CHECK(s["properties"]["name"]["type"] == "string");
  CHECK(s["properties"]["email"]["type"] == Json::array({"string", "null"}));
  auto assets = patch_schema(*find_resource("assets"));
  CHECK_FALSE(assets["properties"].contains("byte_size"));
}

TEST_CASE("an optional enum field may be null on a record and in a patch") {
  // A task without a related record answers "related_resource_type": null.
  const auto* tasks = find_resource("tasks");
  REQUIRE(tasks != nullptr);
  for (const auto& s : {record_schema(*tasks), patch_schema(*tasks)}) {
    const auto& type = s["properties"]["related_resource_type"];
    CHECK(type["type"] == Json::array({"string", "null"}));
    CHECK(std::find(type["enum"].begin(), type["enum"].end(), nullptr) != type["enum"].end());
  }
  // A required field may not.
  CHECK(record_schema(*tasks)["properties"]["title"]["type"] == "string");
}

TEST_CASE("pattern fields become anchored regular expressions") {
  const auto* f = find_resource("cms-entries")->field("collection");
  CHECK(field_schema(*f)["pattern"] == "^[a-z0-9-]{1,64}$");
  const auto* type = find_resource("activities")->field("type");
  CHECK(field_schema(*type)["pattern"] == "^[a-z_]{1,40}$");
}

TEST_CASE("list parameters hold the filters, query and sort") {
  auto p = list_parameters(*find_resource("tasks"));
  for (auto name : {"limit", "cursor", "status", "assignee_id", "due_before", "due_after", "query", "sort",
                    "created_after", "created_before", "updated_since"})
    CHECK_MESSAGE(p.contains(name), name);
}
