// The command table built whole and built for one named command must parse alike.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "command_table.hpp"

using namespace slab5cli;

namespace {

struct Argv {
  std::vector<std::string> words;
  std::vector<const char*> ptrs;
  explicit Argv(std::vector<std::string> w) : words(std::move(w)) {
    words.insert(words.begin(), "slab5");
    for (const auto& s : words) ptrs.push_back(s.c_str());
  }
  int argc() const { return int(ptrs.size()); }
  const char* const* argv() const { return ptrs.data(); }
};

std::vector<std::string> chain(const CLI::App& app) {
  std::vector<std::string> out;
  const CLI::App* at = &app;
  while (true) {
    auto subs = at->get_subcommands();
    if (subs.empty()) break;
    at = subs.front();
    out.push_back(at->get_name());
  }
  return out;
}

struct Outcome {
  bool ok = false;
  std::vector<std::string> chain;
  GlobalOptions g;
};

Outcome parse_whole(const Argv& a) {
  Context ctx;
  CLI::App app;
  build_command_table(app, ctx);
  Outcome o;
  try {
    app.parse(a.argc(), a.argv());
    o.ok = true;
  } catch (const CLI::Error&) {
  }
  o.chain = chain(app);
  o.g = ctx.g;
  return o;
}

// nullopt when the partial table hands over to the whole one.
std::optional<Outcome> parse_partial(const Argv& a) {
  Context ctx;
  CLI::App app;
  auto stand_ins = build_command_table_for(app, ctx, a.argc(), a.argv());
  if (!stand_ins) return std::nullopt;
  try {
    app.parse(a.argc(), a.argv());
  } catch (const CLI::Error&) {
    return std::nullopt;
  }
  for (const auto* s : *stand_ins)
    if (s->parsed()) return std::nullopt;
  if (!ctx.action) return std::nullopt;  // no command chosen (run.cpp): the whole table prints help
  return Outcome{true, chain(app), ctx.g};
}

std::optional<std::string> named(std::vector<std::string> words) {
  Context ctx;
  CLI::App root;
  build_command_table(root, ctx);
  Argv a(std::move(words));
  return named_command(root, a.argc(), a.argv());
}

}  // namespace

TEST_CASE("the groups name every top-level command of the whole table, in order") {
  Context ctx;
  CLI::App app;
  build_command_table(app, ctx);
  std::vector<std::string> from_table;
  for (const auto* sub : app.get_subcommands({})) from_table.push_back(sub->get_name());
  std::vector<std::string> from_groups;
  for (const auto& g : command_groups())
    for (const auto& n : g.names) from_groups.push_back(n);
  CHECK(from_table == from_groups);
}

TEST_CASE("named_command skips global flags and their values") {
  CHECK(named({"keys", "list"}) == "keys");
  CHECK(named({"-w", "wrk_1", "keys", "list"}) == "keys");
  CHECK(named({"--workspace", "keys", "workspace"}) == "workspace");  // "keys" is the flag's value
  CHECK(named({"--workspace=wrk_1", "members"}) == "members");
  CHECK(named({"-qw", "wrk_1", "audit"}) == "audit");
  CHECK(named({"-wwrk_1", "usage"}) == "usage");
  CHECK(named({"-qy", "--json", "--jq", ".id", "workspace"}) == "workspace");
  CHECK(named({"--json"}) == std::nullopt);
  CHECK(named({"--", "keys"}) == std::nullopt);
  CHECK(named({"--status", "all", "keys", "list"}) == std::nullopt);  // not a global flag
  CHECK(named({"-x", "keys"}) == std::nullopt);
  CHECK(named({}) == std::nullopt);
}

TEST_CASE("a partial parse that stands is the whole table's parse") {
  const std::vector<std::vector<std::string>> cases = {
      {"workspace"},
      {"workspace", "--json"},
      {"--json", "-w", "wrk_1", "keys", "list", "--status", "all"},
      {"keys", "create", "--name", "ci", "--scope", "crm:read", "-q"},
      {"mcp-clients", "revoke", "mcp_1", "--yes"},
      {"api", "workspace"},
      {"api", "/workspace/members", "--paginate", "-X", "GET"},
      {"members", "list"},
      {"auth", "status"},
      {"login", "--email", "a@b.c", "--password-stdin"},
      {"audit", "--limit", "5"},
      {"usage"},
      {"invitations"},
      {"--profile", "ci", "--jq", ".id", "workspace", "list"},
      {"completion", "bash"},  // prints a script: needs nothing else
      {"contacts", "list", "--query", "jan", "--all"},
      {"deals", "create", "--name", "Renewal", "--amount", "1200.00", "-q"},
      {"tickets", "reply", "tkt_1", "--body", "Fixed."},  // an alias names its group too
      {"-w", "wrk_1", "entries", "edit", "ent_1", "--unset", "body", "--if-version", "2"},
  };
  for (const auto& words : cases) {
    CAPTURE(words);
    Argv a(words);
    auto whole = parse_whole(a);
    auto partial = parse_partial(a);
    REQUIRE(partial.has_value());  // these all stand on the partial table
    CHECK(whole.ok);
    CHECK(partial->chain == whole.chain);
    CHECK(partial->g.json == whole.g.json);
    CHECK(partial->g.quiet == whole.g.quiet);
    CHECK(partial->g.yes == whole.g.yes);
    CHECK(partial->g.workspace == whole.g.workspace);
    CHECK(partial->g.profile == whole.g.profile);
    CHECK(partial->g.jq == whole.g.jq);
  }
}

TEST_CASE("the whole table decides help, errors and anything touching another command") {
  const std::vector<std::vector<std::string>> cases = {
      {"keys", "--help"},               // help is the whole table's
      {"workspace", "--bogus"},         // errors are reported by the whole table
      {"keys", "list", "workspace"},    // a token naming another command
      {"contacts", "list", "tickets"},  // … or another command's alias
      {"workspace", "show", "extra", "config"},
      {"help"},  // reads the whole table
      {"__complete", "--", "keys", ""},
      {"--json"},  // no command: help
      {"--version"},
      {},
  };
  for (const auto& words : cases) {
    CAPTURE(words);
    CHECK_FALSE(parse_partial(Argv(words)).has_value());
  }
}
