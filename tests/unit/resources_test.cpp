// lib/slab5/api/resources: the resource table is complete and consistent with the module,
// scope and id tables it names.
#include <doctest/doctest.h>

#include <set>

#include "slab5/access.hpp"
#include "slab5/api/resources.hpp"

using namespace slab5::api;

TEST_CASE("the table has the twelve resource types of api.md §8.2, each once") {
  std::set<std::string> singulars, prefixes;
  for (const auto& r : resource_table()) {
    CHECK(singulars.insert(std::string(r.singular)).second);
    CHECK(prefixes.insert(std::string(r.id_prefix)).second);
  }
  CHECK(singulars == std::set<std::string>{"contact", "company", "lead", "deal_stage", "deal", "task", "activity",
                                           "support_ticket", "support_ticket_message", "support_ticket_comment",
                                           "cms_entry", "asset"});
}

TEST_CASE("every resource names a known module and that module's scope") {
  for (const auto& r : resource_table()) {
    CAPTURE(r.route);
    const auto* m = slab5::find_module(r.module);
    REQUIRE(m != nullptr);
    CHECK(m->scope_prefix == r.scope);
    CHECK(slab5::find_scope(std::string(r.scope) + ":read") != nullptr);
    CHECK(slab5::find_scope(std::string(r.scope) + ":write") != nullptr);
  }
}

TEST_CASE("filters, text fields and references name fields and resources that exist") {
  for (const auto& r : resource_table()) {
    CAPTURE(r.route);
    for (const auto& f : r.filters) CHECK_MESSAGE(r.field(f.field) != nullptr, f.param);
    for (auto t : r.text_fields) CHECK_MESSAGE(r.field(t) != nullptr, t);
    for (const auto& f : r.fields)
      if (f.type == FieldType::Reference) CHECK_MESSAGE(find_resource(f.references) != nullptr, f.name);
    for (const auto& g : r.delete_guards) {
      const auto* other = find_resource(g.route);
      REQUIRE(other != nullptr);
      const auto* field = other->field(g.field);
      REQUIRE(field != nullptr);
      CHECK(field->references == r.route);
    }
    if (r.is_child()) CHECK(find_resource(r.parent) != nullptr);
    for (const auto& f : r.fields)
      if (f.type == FieldType::Enum) CHECK(!f.values.empty());
  }
}

TEST_CASE("look-ups by route, id prefix and parent") {
  REQUIRE(find_resource("contacts") != nullptr);
  CHECK(find_resource("contacts")->singular == "contact");
  CHECK(find_resource("messages") == nullptr);  // children are found through their parent
  REQUIRE(find_child("support-tickets", "messages") != nullptr);
  CHECK(find_child("support-tickets", "messages")->singular == "support_ticket_message");
  CHECK(children_of("support-tickets").size() == 2);
  CHECK(find_resource_by_prefix("deal_01jabcdefghjkmnpqrstvwxyz0")->route == "deals");
  CHECK(find_resource_by_prefix("nope_01jabcdefghjkmnpqrstvwxyz0") == nullptr);
  CHECK(find_resource("deal-stages")->table_name() == "deal_stages");
  CHECK(find_child("support-tickets", "comments")->table_name() == "support_ticket_comments");
}

TEST_CASE("currency codes are ISO 4217") {
  CHECK(is_currency_code("USD"));
  CHECK(is_currency_code("EUR"));
  CHECK_FALSE(is_currency_code("usd"));
  CHECK_FALSE(is_currency_code("XXX1"));
  CHECK_FALSE(is_currency_code(""));
}
