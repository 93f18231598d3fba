// Completion values that come from elsewhere (cli.md §6): ids fetched from the server for
// flags marked with_dynamic_values, with a short timeout and silence on any failure; profile
// names from the config file. A stand-in server answers, so this holds whatever list routes
// slab5d has.
#include <doctest/doctest.h>

#include <map>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "harness.hpp"
#include "slab5/token.hpp"
#include "stand_in.hpp"

using namespace testing;

namespace {

const char* kWorkspaces =
    R"({"data":[{"id":"wrk_01aaa","name":"Acme","role":"owner"},{"id":"wrk_01bbb","name":"Beta","role":"member"}],
        "request_id":"req_1"})";

}  // namespace

TEST_CASE("a flag marked with dynamic values completes the server's ids with their names") {
  StandIn s(200, kWorkspaces);
  auto r =
      run_cli({"__complete", "--", "workspace", "-w", ""},
              {{"SLAB5_API_BASE_URL", s.url("/v1")}, {"SLAB5_WORKSPACE_TOKEN", slab5::generate_token("slab5_sk_")}});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "wrk_01aaa\tAcme\nwrk_01bbb\tBeta\n");
  REQUIRE(s.request_lines().size() == 1);
  CHECK(s.request_lines()[0].rfind("GET /v1/workspaces", 0) == 0);
  // The typed prefix filters, and --workspace=… keeps its flag.
  auto b =
      run_cli({"__complete", "--", "--workspace=wrk_01b"},
              {{"SLAB5_API_BASE_URL", s.url("/v1")}, {"SLAB5_WORKSPACE_TOKEN", slab5::generate_token("slab5_sk_")}});
  CHECK(b.out == "--workspace=wrk_01bbb\tBeta\n");
}

TEST_CASE("dynamic values use the --base-url and --token typed on the line") {
  StandIn s(200, kWorkspaces);
  auto r = run_cli(
      {"__complete", "--", "--base-url", s.url("/v1"), "--token", slab5::generate_token("slab5_sk_"), "-w", "wrk_01a"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "wrk_01aaa\tAcme\n");
}

TEST_CASE("without a token nothing is fetched and nothing is printed") {
  StandIn s(200, kWorkspaces);
  auto r = run_cli({"__complete", "--", "-w", ""}, {{"SLAB5_API_BASE_URL", s.url("/v1")}});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err.empty());
  CHECK(s.request_lines().empty());
}

TEST_CASE("an error answer is silent, and is asked once (no retries)") {
  StandIn s(503, R"({"error":{"code":"service_unavailable","message":"down","request_id":"req_1"}})");
  auto r = run_cli({"__complete", "--", "-w", ""}, {{"SLAB5_API_BASE_URL", s.url("/v1")},
                                                    {"SLAB5_WORKSPACE_TOKEN", slab5::generate_token("slab5_sk_")}});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err.empty());
  CHECK(s.request_lines().size() == 1);
}

TEST_CASE("a server that never answers costs at most the short timeout, silently") {
  StandIn s([](const std::string&) { return std::optional<StandInReply>(); });  // never answers
  auto start = std::chrono::steady_clock::now();
  auto r = run_cli({"__complete", "--", "-w", ""}, {{"SLAB5_API_BASE_URL", s.url("/v1")},
                                                    {"SLAB5_WORKSPACE_TOKEN", slab5::generate_token("slab5_sk_")},
                                                    {"SLAB5_TIMEOUT", "30"}});
  auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err.empty());
  // 1.5 s of waiting plus slab5's start (slow under ASan on a busy machine), and far below the
  // 30 s that SLAB5_TIMEOUT asks for.
  CHECK(elapsed >= std::chrono::milliseconds(1400));
  CHECK(elapsed < std::chrono::seconds(6));
}

TEST_CASE("--profile completes the profiles of the config file, without the network") {
  TempDir d;
  std::filesystem::create_directories(d.file("config"));
  {
    std::ofstream f(d.file("config/config.json"));
    f << R"({"profiles":{"default":{},"staging":{"base_url":"https://staging.example/v1"}}})";
  }
  auto r = run_cli({"__complete", "--", "--profile", "st"}, {{"SLAB5_CONFIG_DIR", d.file("config")}});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "staging\thttps://staging.example/v1\n");
}

TEST_CASE("keys show completes the workspace's key ids from a real slab5d") {
  Server s;
  auto created = api("POST", s.api_url + "/workspace/api-keys", s.token, {{"name", "ci"}, {"scopes", {"crm:read"}}});
  REQUIRE(created.status == 201);
  std::string id = created.json["data"]["id"];
  auto r = run_cli({"__complete", "--", "keys", "show", ""},
                   {{"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_WORKSPACE_TOKEN", s.token}});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find(id + "\tci\n") != std::string::npos);
  // Only ids with the typed prefix.
  auto one = run_cli({"__complete", "--", "keys", "revoke", id.substr(0, id.size() - 1)},
                     {{"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_WORKSPACE_TOKEN", s.token}});
  CHECK(one.out == id + "\tci\n");
}

TEST_CASE("invitations revoke completes the workspace's invitation ids with their emails") {
  Server s;
  auto created = api("POST", s.api_url + "/workspace/invitations", s.token,
                     {{"email", "new.member@example.com"}, {"role", "member"}});
  REQUIRE(created.status == 201);
  std::string id = created.json["data"]["id"];
  auto r = run_cli({"__complete", "--", "invitations", "revoke", ""},
                   {{"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_WORKSPACE_TOKEN", s.token}});
  CHECK(r.exit_code == 0);
  CHECK(r.out == id + "\tnew.member@example.com\n");
}

TEST_CASE("auth sessions revoke completes the caller's session ids") {
  Server s;
  auto first = login(s, s.owner_email, s.owner_password);
  login(s, s.owner_email, s.owner_password);
  std::string token = first["accessToken"];
  auto listed = api("GET", s.api_url + "/auth/sessions", token);
  REQUIRE(listed.status == 200);
  REQUIRE(listed.json["data"].size() == 2);
  auto r = run_cli({"__complete", "--", "auth", "sessions", "revoke", ""},
                   {{"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_WORKSPACE_TOKEN", token}});
  CHECK(r.exit_code == 0);
  for (const auto& session : listed.json["data"]) {
    std::string id = session["id"];
    CHECK(r.out.find(id) != std::string::npos);
  }
}

TEST_CASE("assets download completes the workspace's asset ids, as show and delete do") {
  Server s;
  auto created = api("POST", s.api_url + "/assets", s.token,
                     {{"name", "Logo"},
                      {"asset_type", "image"},
                      {"file_name", "logo.png"},
                      {"mime_type", "image/png"},
                      {"byte_size", 3}});
  REQUIRE(created.status == 201);
  std::string id = created.json["data"]["id"];
  std::map<std::string, std::string> env = {{"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_WORKSPACE_TOKEN", s.token}};
  for (const char* verb : {"show", "download"}) {
    CAPTURE(verb);
    auto r = run_cli({"__complete", "--", "assets", verb, ""}, env);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find(id + "\t") != std::string::npos);
  }
}
