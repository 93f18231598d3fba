// `slab5 <resource> …` (cli.md §2, api.md §8): the commands built from the resource table,
// run as the real slab5 against a real slab5d: create, list with filters, search and pages,
// show, edit (merge patch, --unset, --if-version), delete, actions, child records, the local
// refusals (enum values, amounts), the server's field errors, help and completion.
#include <doctest/doctest.h>

#include <set>
#include <sstream>

#include "harness.hpp"

using namespace testing;

namespace {

std::map<std::string, std::string> env_for(const Server& s, const TempDir& cfg) {
  return {{"SLAB5_API_BASE_URL", s.api_url},
          {"SLAB5_WORKSPACE_TOKEN", s.token},
          {"SLAB5_CONFIG_DIR", cfg.file("c")},
          {"NO_COLOR", "1"}};
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// Runs slab5 and returns the --json output's data, requiring exit 0.
Json json_of(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
  auto a = args;
  a.push_back("--json");
  auto r = run_cli(a, env);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return Json::parse(r.out);
}

Json create_api(const Server& s, const std::string& route, const Json& body) {
  auto r = api("POST", s.api_url + "/" + route, s.token, body);
  INFO(r.body);
  REQUIRE(r.status == 201);
  return r.json["data"];
}

}  // namespace

TEST_CASE("a contact's life through the CLI: create, list, show, edit, delete") {
  Server s;
  TempDir cfg;
  auto env = env_for(s, cfg);
  auto c = json_of({"contacts", "create", "--name", "Jane Doe", "--email", "jane@example.com", "--title", "CTO",
                    "--custom", "tier=gold", "--custom", "seats=12"},
                   env);
  std::string id = c["id"];
  CHECK(id.rfind("con_", 0) == 0);
  CHECK(c["name"] == "Jane Doe");
  CHECK(c["custom_fields"]["tier"] == "gold");
  CHECK(c["custom_fields"]["seats"] == 12);
  // The create carried a generated idempotency key, so its retries are safe.
  auto stored = api("GET", s.api_url + "/contacts/" + id, s.token);
  CHECK(stored.json["data"]["email"] == "jane@example.com");

  // The human view: one line per field, tab-separated off a terminal.
  auto show = run_cli({"contacts", "show", id}, env);
  REQUIRE(show.exit_code == 0);
  CHECK(show.out.find("ID\t" + id + "\n") != std::string::npos);
  CHECK(show.out.find("Name\tJane Doe\n") != std::string::npos);
  CHECK(show.out.find("Custom tier\tgold\n") != std::string::npos);
  CHECK(show.out.find("Version\t1\n") != std::string::npos);

  auto list = run_cli({"contacts", "list"}, env);
  REQUIRE(list.exit_code == 0);
  REQUIRE(lines(list.out).size() == 1);
  CHECK(lines(list.out)[0].rfind(id + "\tJane Doe\t", 0) == 0);
  CHECK(trim(run_cli({"contacts", "list", "-q"}, env).out) == id);

  auto edited = json_of({"contacts", "edit", id, "--title", "CEO", "--unset", "email", "--custom", "tier=null"}, env);
  CHECK(edited["title"] == "CEO");
  CHECK(edited["email"].is_null());
  CHECK(edited["version"] == 2);
  CHECK_FALSE(edited["custom_fields"].contains("tier"));
  CHECK(edited["custom_fields"]["seats"] == 12);
  CHECK(edited["name"] == "Jane Doe");  // a merge patch: the rest kept

  auto nothing = run_cli({"contacts", "edit", id}, env);
  CHECK(nothing.exit_code == 2);
  CHECK(nothing.err.find("nothing to change") != std::string::npos);

  // Off a terminal, delete needs --yes, and nothing is sent without it.
  auto refused = run_cli({"contacts", "delete", id}, env);
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("--yes") != std::string::npos);
  CHECK(api("GET", s.api_url + "/contacts/" + id, s.token).status == 200);
  auto del = run_cli({"contacts", "delete", id, "--yes"}, env);
  INFO(del.err);
  CHECK(del.exit_code == 0);
  CHECK(del.out.empty());
  auto gone = run_cli({"contacts", "show", id}, env);
  CHECK(gone.exit_code == 3);
  CHECK(gone.err.find("resource_not_found") != std::string::npos);
}

TEST_CASE("list filters by the table's filters, searches with --query, and --custom") {
  Server s;
  TempDir cfg;
  auto env = env_for(s, cfg);
  auto acme = create_api(s, "companies", {{"name", "Acme Corp"}, {"industry", "software"}});
  create_api(s, "companies", {{"name", "Beta Farms"}, {"industry", "farming"}});
  auto jane =
      json_of({"contacts", "create", "--name", "Jane Doe", "--company-id", acme["id"], "--custom", "tier=gold"}, env);
  auto sam = json_of({"contacts", "create", "--name", "Sam Lee"}, env);

  auto soft = json_of({"companies", "list", "--industry", "software"}, env);
  REQUIRE(soft.size() == 1);
  CHECK(soft[0]["name"] == "Acme Corp");
  auto by_company = json_of({"contacts", "list", "--company-id", acme["id"]}, env);
  REQUIRE(by_company.size() == 1);
  CHECK(by_company[0]["id"] == jane["id"]);
  auto found = json_of({"contacts", "list", "--query", "jan"}, env);  // a word prefix
  REQUIRE(found.size() == 1);
  CHECK(found[0]["id"] == jane["id"]);
  auto custom = json_of({"contacts", "list", "--custom", "tier=gold"}, env);
  REQUIRE(custom.size() == 1);
  CHECK(custom[0]["id"] == jane["id"]);
  auto oldest = json_of({"contacts", "list", "--sort", "created_at"}, env);
  REQUIRE(oldest.size() == 2);
  CHECK(oldest[0]["id"] == jane["id"]);
  CHECK(oldest[1]["id"] == sam["id"]);
  auto newest_changed = json_of({"contacts", "list", "--sort", "-updated_at"}, env);
  REQUIRE(newest_changed.size() == 2);
  CHECK(newest_changed[0]["id"] == sam["id"]);
  auto recent = json_of({"contacts", "list", "--created-after", "1h"}, env);
  CHECK(recent.size() == 2);
  auto bad = run_cli({"tasks", "list", "--due-before", "yesterday"}, env);
  CHECK(bad.exit_code == 2);  // checked locally: not a time
}

TEST_CASE("list shows one page and says there are more; --all follows every page") {
  Server s;
  TempDir cfg;
  auto env = env_for(s, cfg);
  for (int i = 0; i < 12; ++i) create_api(s, "companies", {{"name", "Company " + std::to_string(i)}});
  auto page = run_cli({"companies", "list", "--limit", "5", "-q"}, env);
  REQUIRE(page.exit_code == 0);
  CHECK(lines(page.out).size() == 5);
  auto page_loud = run_cli({"companies", "list", "--limit", "5"}, env);
  CHECK(page_loud.err.find("--all") != std::string::npos);
  auto all = run_cli({"companies", "list", "--all", "--limit", "5", "-q"}, env);
  REQUIRE(all.exit_code == 0);
  auto ids = lines(all.out);
  CHECK(ids.size() == 12);
  CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == 12);
  auto all_json = json_of({"companies", "list", "--all", "--limit", "5"}, env);
  CHECK(all_json.size() == 12);
  CHECK(run_cli({"companies", "list", "--limit", "101"}, env).exit_code == 2);
}

TEST_CASE("an enum value outside the table is refused before anything is sent, naming the values") {
  Server s;
  TempDir cfg;
  auto env = env_for(s, cfg);
  auto r = run_cli({"leads", "create", "--name", "Sam", "--status", "converted"}, env);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--status") != std::string::npos);
  CHECK(r.err.find("new, working, qualified, disqualified") != std::string::npos);
  auto p = run_cli({"tickets", "create", "--subject", "x", "--priority", "urgentest"}, env);
  CHECK(p.exit_code == 2);
  CHECK(p.err.find("low, normal, high, urgent") != std::string::npos);
  CHECK(json_of({"leads", "list"}, env).empty());
  CHECK(json_of({"tickets", "list"}, env).empty());
  // Listing may filter on every value, converted included.
  CHECK(run_cli({"leads", "list", "--status", "converted"}, env).exit_code == 0);
}

TEST_CASE("amounts are decimals turned into exact cents; a bad amount is a usage error") {
  Server s;
  TempDir cfg;
  auto env = env_for(s, cfg);
  auto d = json_of({"deals", "create", "--name", "Acme renewal", "--amount", "1200.29", "--currency", "EUR"}, env);
  CHECK(d["amount_cents"] == 120029);
  CHECK(d["currency"] == "EUR");
  auto show = run_cli({"deals", "show", d["id"]}, env);
  CHECK(show.out.find("Amount\t1200.29\n") != std::string::npos);
  for (const char* bad : {"12.345", "1,200.00", "-5", "ten"}) {
    CAPTURE(bad);
    auto r = run_cli({"deals", "create", "--name", "Bad", "--amount", bad}, env);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--amount") != std::string::npos);
    CHECK(r.err.find("is not an amount") != std::string::npos);
  }
  CHECK(json_of({"deals", "list"}, env).size() == 1);
}

TEST_CASE("the server's field errors are listed one per field, exit 1") {
  Server s;
  TempDir cfg;
  auto env = env_for(s, cfg);
  auto r = run_cli({"contacts", "create", "--email", "not-an-address", "--phone", std::string(60, '1')}, env);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("code: validation_failed") != std::string::npos);
  CHECK(r.err.find("\n  name: ") != std::string::npos);
  CHECK(r.err.find("\n  email: ") != std::string::npos);
  CHECK(r.err.find("\n  phone: ") != std::string::npos);
  // With --json the envelope itself, field_errors and all.
  auto j = run_cli({"contacts", "create", "--json"}, env);
  CHECK(j.exit_code == 1);
  auto envelope = Json::parse(j.err);
  CHECK(envelope["error"]["field_errors"][0]["field"] == "name");
}

TEST_CASE("edit --if-version changes nothing when the record moved on") {
  Server s;
  TempDir cfg;
  auto env = env_for(s, cfg);
  auto t = json_of({"tickets", "create", "--subject", "Cannot sign in", "--priority", "high"}, env);
  std::string id = t["id"];
  auto first = json_of({"tickets", "edit", id, "--status", "pending", "--if-version", "1"}, env);
  CHECK(first["version"] == 2);
  auto stale = run_cli({"tickets", "edit", id, "--status", "solved", "--if-version", "1"}, env);
  CHECK(stale.exit_code == 1);
  CHECK(stale.err.find("code: precondition_failed") != std::string::npos);
  CHECK(stale.err.find("hint: the record changed since version 1") != std::string::npos);
  CHECK(json_of({"tickets", "show", id}, env)["status"] == "pending");
}

TEST_CASE("leads convert makes the company, contact and a deal with an exact amount") {
  Server s;
  TempDir cfg;
  auto env = env_for(s, cfg);
  auto lead =
      json_of({"leads", "create", "--name", "Sam Lee", "--company-name", "Lee Ltd", "--source", "website"}, env);
  auto out = json_of({"leads", "convert", lead["id"], "--create-deal", "--deal-name", "Lee Ltd pilot", "--amount",
                      "1200.00", "--currency", "EUR"},
                     env);
  CHECK(out["lead"]["status"] == "converted");
  CHECK(out["company"]["name"] == "Lee Ltd");
  CHECK(out["contact"]["name"] == "Sam Lee");
  CHECK(out["deal"]["name"] == "Lee Ltd pilot");
  CHECK(out["deal"]["amount_cents"] == 120000);
  CHECK(out["deal"]["currency"] == "EUR");
  CHECK(json_of({"deals", "show", out["deal"]["id"]}, env)["amount_cents"] == 120000);
  // Converting twice is the server's 409, exit 1.
  auto again = run_cli({"leads", "convert", lead["id"]}, env);
  CHECK(again.exit_code == 1);
  CHECK(again.err.find("code: conflict") != std::string::npos);
  // The human view names each part by id.
  auto l2 = json_of({"leads", "create", "--name", "Ana Ruiz"}, env);
  auto human = run_cli({"leads", "convert", l2["id"]}, env);
  REQUIRE(human.exit_code == 0);
  CHECK(human.out.find("Lead\t" + l2["id"].get<std::string>() + "\n") != std::string::npos);
  CHECK(human.out.find("Deal\t-\n") != std::string::npos);
}

TEST_CASE("tasks complete, and append-only activities have no edit or delete") {
  Server s;
  TempDir cfg;
  auto env = env_for(s, cfg);
  auto task = json_of({"tasks", "create", "--title", "Call Jane", "--due-at", "2026-12-01T09:00:00Z"}, env);
  auto done = json_of({"tasks", "complete", task["id"]}, env);
  CHECK(done["status"] == "completed");
  CHECK(done["completed_at"].is_string());
  auto open = json_of({"tasks", "list", "--status", "open"}, env);
  CHECK(open.empty());
  auto act = json_of({"activities", "create", "--type", "call", "--summary", "Discussed the renewal", "--metadata",
                      R"({"minutes": 12})"},
                     env);
  CHECK(act["metadata"]["minutes"] == 12);
  CHECK(run_cli({"activities", "edit", act["id"], "--summary", "x"}, env).exit_code == 2);
  CHECK(run_cli({"activities", "delete", act["id"], "--yes"}, env).exit_code == 2);
}

TEST_CASE("tickets reply and comment add child records; messages and comments list them oldest first") {
  Server s;
  TempDir cfg;
  auto env = env_for(s, cfg);
  auto t = json_of({"support-tickets", "create", "--subject", "Cannot sign in"}, env);
  std::string id = t["id"];
  auto m1 = json_of({"tickets", "reply", id, "--body", "We have reset your password."}, env);
  CHECK(m1["id"].get<std::string>().rfind("msg_", 0) == 0);
  CHECK(m1["author_type"] == "agent");
  auto m2 = json_of({"tickets", "reply", id, "--body", "It works now, thanks!", "--author-type", "customer"}, env);
  auto c1 = json_of({"tickets", "comment", id, "--body", "Customer is on the enterprise plan."}, env);
  CHECK(c1["id"].get<std::string>().rfind("cmt_", 0) == 0);

  auto msgs = json_of({"tickets", "messages", id}, env);
  REQUIRE(msgs.size() == 2);
  CHECK(msgs[0]["id"] == m1["id"]);
  CHECK(msgs[1]["id"] == m2["id"]);
  auto human = run_cli({"tickets", "messages", id}, env);
  CHECK(human.out.find("It works now, thanks!") != std::string::npos);
  auto comments = json_of({"tickets", "comments", id}, env);
  REQUIRE(comments.size() == 1);
  CHECK(comments[0]["body"] == "Customer is on the enterprise plan.");
  auto missing = run_cli({"tickets", "reply", id}, env);
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("\n  body: ") != std::string::npos);
}

TEST_CASE("create takes -f, -F and --data like slab5 api; flags win over --data") {
  Server s;
  TempDir cfg;
  auto env = env_for(s, cfg);
  auto r = run_cli({"companies", "create", "--data", "-", "-F", "employee_count=40", "--industry", "retail", "--json"},
                   env, R"({"name": "Data Co", "industry": "farming", "employee_count": 3})");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto c = Json::parse(r.out);
  CHECK(c["name"] == "Data Co");
  CHECK(c["industry"] == "retail");
  CHECK(c["employee_count"] == 40);
  auto f = json_of({"cms-entries", "create", "-f", "title=Hello world", "-f", "collection=blog"}, env);
  CHECK(f["slug"] == "hello-world");
  auto bad = run_cli({"companies", "create", "--data", cfg.file("missing.json")}, env);
  CHECK(bad.exit_code == 2);
}

TEST_CASE("--help of a resource command comes from the table") {
  auto r = run_cli({"contacts", "create", "--help"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("--company-id") != std::string::npos);
  CHECK(r.out.find("The company the contact works for.") != std::string::npos);
  CHECK(r.out.find("Full name.") != std::string::npos);
  auto leads = run_cli({"leads", "create", "--help"});
  CHECK(leads.out.find("new, working, qualified, disqualified") != std::string::npos);
  auto convert = run_cli({"leads", "convert", "--help"});
  CHECK(convert.out.find("--create-deal") != std::string::npos);
  CHECK(convert.out.find("1200.00") != std::string::npos);
  CHECK(convert.out.find("in cents. A decimal") == std::string::npos);  // one unit, said once
  auto tickets = run_cli({"tickets", "--help"});
  CHECK(tickets.out.find("reply") != std::string::npos);
  CHECK(tickets.out.find("messages") != std::string::npos);
  auto top = run_cli({"--help"});
  CHECK(top.out.find("support-tickets") != std::string::npos);
}

TEST_CASE("completion offers resources, verbs, field flags, enum values and the server's ids") {
  Server s;
  std::map<std::string, std::string> env = {{"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_WORKSPACE_TOKEN", s.token}};
  auto c = create_api(s, "contacts", {{"name", "Jane Doe"}});
  std::string id = c["id"];
  auto names = run_cli({"__complete", "--", "con"}, env);
  CHECK(names.out.find("contacts\t") != std::string::npos);
  auto verbs = run_cli({"__complete", "--", "tickets", ""}, env);
  for (const char* v : {"list\t", "reply\t", "comment\t", "messages\t", "comments\t", "edit\t"})
    CHECK_MESSAGE(verbs.out.find(v) != std::string::npos, v);
  auto flags = run_cli({"__complete", "--", "deals", "create", "--am"}, env);
  CHECK(flags.out.rfind("--amount\t", 0) == 0);
  auto values = run_cli({"__complete", "--", "leads", "list", "--status", ""}, env);
  CHECK(values.out == "new\nworking\nqualified\ndisqualified\nconverted\n");
  auto ids = run_cli({"__complete", "--", "contacts", "show", ""}, env);
  CHECK(ids.out == id + "\tJane Doe\n");
  auto refs = run_cli({"__complete", "--", "deals", "create", "--contact-id", "con_"}, env);
  CHECK(refs.out == id + "\tJane Doe\n");
  auto stages = run_cli({"__complete", "--", "deals", "create", "--stage-id", ""}, env);
  CHECK(stages.out.find("\tdiscovery\n") != std::string::npos);
}
