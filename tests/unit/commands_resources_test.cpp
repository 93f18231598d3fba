// cli/commands/resources.cpp: walking the resource table gives every resource its commands,
// every action and child its command, and every field and filter its flag, with the table's
// help. A new table entry is covered here without a new line of test.
#include <doctest/doctest.h>

#include <set>

#include "command_table.hpp"
#include "resource_flags.hpp"

using namespace slab5cli;
using slab5::api::ResourceSpec;

namespace {

CLI::App* sub(CLI::App* app, const std::string& name) {
  for (auto* s : app->get_subcommands([](CLI::App*) { return true; }))
    if (s->check_name(name)) return s;
  return nullptr;
}

std::set<std::string> long_flags(CLI::App* app) {
  std::set<std::string> out;
  for (const auto* o : app->get_options())
    for (const auto& l : o->get_lnames()) out.insert(l);
  return out;
}

const CLI::Option* flag(CLI::App* app, const std::string& name) {
  for (const auto* o : app->get_options())
    if (o->check_lname(name)) return o;
  return nullptr;
}

}  // namespace

TEST_CASE("every top-level resource has its command, verbs, actions and children") {
  Context ctx;
  CLI::App app;
  build_command_table(app, ctx);
  std::size_t resources = 0;
  for (const auto& r : slab5::api::resource_table()) {
    if (r.is_child()) continue;
    ++resources;
    CAPTURE(r.route);
    auto* cmd = sub(&app, std::string(r.route));
    REQUIRE(cmd != nullptr);
    for (const auto& a : resource_command_aliases(r.route)) CHECK(sub(&app, a) == cmd);
    for (const char* verb : {"list", "show", "create"}) CHECK(sub(cmd, verb) != nullptr);
    CHECK((sub(cmd, "edit") != nullptr) == !r.append_only);
    CHECK((sub(cmd, "delete") != nullptr) == !r.append_only);
    for (const auto& a : r.actions) {
      auto* act = sub(cmd, std::string(a.name));
      REQUIRE(act != nullptr);
      CHECK(act->get_description() == std::string(a.description));
      for (const auto& f : a.input) CHECK_MESSAGE(flag(act, field_flag(f)) != nullptr, a.name << " --" << f.name);
    }
    for (const auto* child : slab5::api::children_of(r.route)) {
      CHECK(sub(cmd, std::string(child->route)) != nullptr);
      auto* add = sub(cmd, resource_child_verb(r, *child));
      REQUIRE(add != nullptr);
      for (const auto& f : child->fields) CHECK(flag(add, field_flag(f)) != nullptr);
    }
    // Every writable field is a flag of create with the table's description as its help; the
    // ones that may change are flags of edit.
    auto* create = sub(cmd, "create");
    for (const auto& f : r.fields) {
      CAPTURE(f.name);
      const auto* opt = flag(create, field_flag(f));
      CHECK((opt != nullptr) == !f.read_only);
      if (opt) CHECK(opt->get_description().find(std::string(f.description)) == 0);
      if (auto* edit = sub(cmd, "edit"))
        CHECK((flag(edit, field_flag(f)) != nullptr) == (!f.read_only && !f.create_only));
    }
    auto* list = sub(cmd, "list");
    for (const auto& filter : r.filters) CHECK(flag(list, kebab(filter.param)) != nullptr);
    CHECK((flag(list, "query") != nullptr) == !r.text_fields.empty());
  }
  CHECK(resources >= 10);
}

TEST_CASE("the aliases of cli.md: tickets and entries") {
  CHECK(resource_command_aliases("support-tickets") == std::vector<std::string>{"tickets"});
  CHECK(resource_command_aliases("cms-entries") == std::vector<std::string>{"entries"});
  const auto* tickets = slab5::api::find_resource("support-tickets");
  REQUIRE(tickets);
  CHECK(resource_child_verb(*tickets, *slab5::api::find_child("support-tickets", "messages")) == "reply");
  CHECK(resource_child_verb(*tickets, *slab5::api::find_child("support-tickets", "comments")) == "comment");
}

TEST_CASE("no resource flag takes the name of a global flag") {
  Context ctx;
  CLI::App app;
  build_command_table(app, ctx);
  std::set<std::string> globals = long_flags(&app);
  for (const auto* r : resource_commands()) {
    auto* cmd = sub(&app, std::string(r->route));
    REQUIRE(cmd);
    for (auto* verb : cmd->get_subcommands([](CLI::App*) { return true; }))
      for (const auto& l : long_flags(verb)) {
        if (l == "help") continue;
        CHECK_MESSAGE(globals.count(l) == 0, r->route << " " << verb->get_name() << " --" << l);
      }
  }
}

TEST_CASE("every id argument and reference flag completes from the server") {
  Context ctx;
  CLI::App app;
  build_command_table(app, ctx);
  auto* deals = sub(&app, "deals");
  REQUIRE(deals);
  CHECK(dynamic_values_of(sub(deals, "show")->get_option("id")) == "record:deals");
  CHECK(dynamic_values_of(flag(sub(deals, "create"), "company-id")) == "record:companies");
  CHECK(dynamic_values_of(flag(sub(deals, "create"), "stage-id")) == "record:deal-stages");
  auto* leads = sub(&app, "leads");
  REQUIRE(leads);
  CHECK(dynamic_values_of(flag(sub(leads, "create"), "owner-id")) == "member_id");
  const auto* values = choices_of(flag(sub(leads, "list"), "status"));
  REQUIRE(values);
  CHECK(values->size() == 5);  // a filter may ask for converted leads
  values = choices_of(flag(sub(leads, "create"), "status"));
  REQUIRE(values);
  CHECK(values->size() == 4);  // converted comes from the convert action only
}
