// The webhook and event commands (cli.md §2): `slab5 events`, `slab5 webhooks …` (create,
// deliveries, retry, verify, trigger, listen --forward-to, send-inbound) and
// `slab5 webhook-sources …`, through the real slab5 against a real slab5d.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "checks.hpp"
#include "harness.hpp"
#include "slab5/crypto.hpp"
#include "slab5/encoding.hpp"
#include "webhook_receiver.hpp"

using namespace testing;
using namespace std::chrono_literals;

namespace {

std::map<std::string, std::string> env_for(const Server& s, const TempDir& home) {
  return {{"SLAB5_API_BASE_URL", s.api_url},
          {"SLAB5_WORKSPACE_TOKEN", s.token},
          {"HOME", home.path()},
          {"SLAB5_CONFIG_DIR", home.path() + "/config"}};
}

Json json_of(const CliResult& r) {
  auto j = Json::parse(r.out, nullptr, false);
  REQUIRE_MESSAGE(!j.is_discarded(), r.out << r.err);
  return j;
}

// slab5 running in the background, its output going to files; stop() ends it with SIGTERM
// (as Ctrl-C would) and returns what it printed.
class Background {
 public:
  Background(const std::vector<std::string>& args, const std::map<std::string, std::string>& env)
      : out_(dir_.file("stdout")), err_(dir_.file("stderr")) {
    std::vector<std::string> argv_s = {slab5_bin()};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<std::string> env_s;
    for (const auto& [k, v] : env) env_s.push_back(k + "=" + v);
    // Made before fork(): the child of a threaded process only calls async-signal-safe functions.
    std::vector<char*> argv, envp;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      int out = open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int err = open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int in = open("/dev/null", O_RDONLY);
      dup2(in, 0);
      dup2(out, 1);
      dup2(err, 2);
      setsid();
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
  }
  ~Background() {
    if (pid_ > 0) stop();
  }
  Background(const Background&) = delete;
  CliResult stop() {
    CliResult r;
    if (pid_ > 0) {
      int status = 0;
      kill(pid_, SIGTERM);
      waitpid(pid_, &status, 0);
      pid_ = -1;
      r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    r.out = read(out_);
    r.err = read(err_);
    return r;
  }

 private:
  static std::string read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  TempDir dir_;
  std::string out_, err_;
  pid_t pid_ = -1;
};

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("webhooks create, trigger, deliveries and verify the received payload offline") {
  Server s;
  TempDir home;
  auto env = env_for(s, home);
  Receiver rx;
  auto made = run_cli({"webhooks", "create", "--url", rx.url(), "--event", "contact.*", "--json"}, env);
  REQUIRE_MESSAGE(made.exit_code == 0, made.err);
  auto e = json_of(made);
  std::string secret = e["signing_secret"], id = e["id"];
  auto trig = run_cli({"webhooks", "trigger", "contact.created"}, env);
  REQUIRE_MESSAGE(trig.exit_code == 0, trig.err);
  CHECK(trig.out.find("triggered contact.created (con_") != std::string::npos);
  REQUIRE(rx.wait_for(1) == 1);
  auto got = rx.received()[0];
  std::vector<std::string> args{"webhooks", "verify", "--secret", secret};
  for (const char* h : {"webhook-id", "webhook-timestamp", "webhook-signature"})
    args.insert(args.end(), {"--header", std::string(h) + ": " + got.header(h)});
  auto ok = run_cli(args, env, got.body);
  CHECK_MESSAGE(ok.exit_code == 0, ok.out << ok.err);
  CHECK(ok.out.find("valid (Standard Webhooks") != std::string::npos);
  auto bad = run_cli(args, env, got.body + " ");
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("invalid: ") != std::string::npos);
  auto slab5_scheme = run_cli(
      {"webhooks", "verify", "--secret", secret, "--header", "x-slab5-signature: " + got.header("x-slab5-signature")},
      env, got.body);
  CHECK(slab5_scheme.exit_code == 0);
  // the delivery, listed and retried
  std::this_thread::sleep_for(300ms);
  auto list = run_cli({"webhooks", "deliveries", id, "--json"}, env);
  REQUIRE_MESSAGE(list.exit_code == 0, list.err);
  auto deliveries = json_of(list);
  REQUIRE(deliveries.size() == 1);
  auto retried = run_cli({"webhooks", "retry", deliveries[0]["id"].get<std::string>(), "--json"}, env);
  CHECK_MESSAGE(retried.exit_code == 0, retried.err);
  CHECK(rx.wait_for(2) == 2);
  auto events = run_cli({"events", "--type", "contact.*", "--json"}, env);
  REQUIRE(events.exit_code == 0);
  CHECK(json_of(events).size() == 1);
  CHECK(run_cli({"webhooks", "delete", id, "--yes"}, env).exit_code == 0);
  CHECK(run_cli({"webhooks", "show", id}, env).exit_code == 3);
}

TEST_CASE("webhooks listen prints its secret first, then each event, and forwards it signed") {
  Server s;
  TempDir home;
  auto env = env_for(s, home);
  Receiver app;
  CliResult listened;
  std::thread t([&] {
    listened = run_program(slab5_bin(), {"webhooks", "listen", "--forward-to", app.url()}, env, "", 6);
  });
  std::this_thread::sleep_for(1500ms);  // connected to the stream
  REQUIRE(api("POST", s.api_url + "/contacts", s.token, {{"name", "Listened"}}).status == 201);
  REQUIRE(api("POST", s.api_url + "/companies", s.token, {{"name", "Too"}}).status == 201);
  CHECK(app.wait_for(2, 4s) == 2);
  t.join();
  REQUIRE(listened.out.rfind("Ready. Signing secret: whsec_", 0) == 0);
  std::string secret = listened.out.substr(23, listened.out.find('\n') - 23);
  CHECK(listened.out.find("contact.created") != std::string::npos);
  CHECK(listened.out.find("company.created") != std::string::npos);
  CHECK(listened.out.find("-> " + app.url() + "  200") != std::string::npos);
  REQUIRE(app.received().size() >= 1);
  auto got = app.received()[0];
  std::string key = *slab5::base64_decode(secret.substr(6));
  std::string signed_text = got.header("webhook-id") + "." + got.header("webhook-timestamp") + "." + got.body;
  CHECK(got.header("webhook-signature") == "v1," + slab5::base64_encode(slab5::hmac_sha256(key, signed_text)));
  // The same secret next time: the app under test is configured once per profile.
  auto again = run_program(slab5_bin(), {"webhooks", "listen"}, env, "", 2);
  CHECK(again.out.rfind("Ready. Signing secret: " + secret, 0) == 0);
}

TEST_CASE("webhook-sources create and webhooks send-inbound record an activity") {
  Server s;
  TempDir home;
  auto env = env_for(s, home);
  auto made = run_cli({"webhook-sources", "create", "--name", "billing", "--kind", "standard", "--json"}, env);
  REQUIRE_MESSAGE(made.exit_code == 0, made.err);
  auto src = json_of(made);
  auto sent = run_cli({"webhooks", "send-inbound", src["id"].get<std::string>(), "--secret",
                       src["signing_secret"].get<std::string>(), "--json"},
                      env, R"({"type":"invoice.paid"})");
  REQUIRE_MESSAGE(sent.exit_code == 0, sent.out << sent.err);
  auto out = json_of(sent);
  CHECK(out["duplicate"] == false);
  auto a = api("GET", s.api_url + "/activities/" + out["activity_id"].get<std::string>(), s.token);
  CHECK(a.json["data"]["summary"] == "invoice.paid");
  auto wrong = run_cli({"webhooks", "send-inbound", src["id"].get<std::string>(), "--secret",
                        "whsec_" + slab5::base64_encode(std::string(32, 'x'))},
                       env, "{}");
  CHECK(wrong.exit_code == 4);
  CHECK(run_cli({"webhook-sources", "list"}, env).out.find(src["id"].get<std::string>()) != std::string::npos);
}

TEST_CASE("webhooks listen reconnects after a restart and prints what was written meanwhile, once each") {
  Server first;
  TempDir home, dir;
  auto env = env_for(first, home);
  const std::string token = first.token, workspace = first.workspace_id, db = first.db_path;
  const std::vector<std::string> same_port = {"--listen", "127.0.0.1:" + std::to_string(first.port)};
  // Contacts written while no slab5d runs, straight into its database (slab5d seed): events
  // listen can only learn of after it reconnects.
  int files = 0;
  auto write_offline = [&](const std::vector<std::string>& names) {
    Json contacts = Json::array();
    for (const auto& n : names) contacts.push_back({{"workspace_id", workspace}, {"name", n}});
    std::string path = dir.file("offline-" + std::to_string(++files) + ".json");
    std::ofstream(path) << Json{{"contacts", contacts}}.dump();
    auto r = run_program(slab5d_bin(),
                         {"seed", "--db", db, "--kek-file", first.kek_file, "--assets-dir", first.assets_dir, path},
                         {{"PATH", "/usr/bin:/bin"}});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  };
  Receiver app;
  // Written before listen starts: it follows the stream from now, so this one is not shown.
  REQUIRE(api("POST", first.api_url + "/contacts", token, {{"name", "Before Listen"}}).status == 201);
  Background listen({"webhooks", "listen", "--event", "contact.*", "--forward-to", app.url()}, env);
  std::this_thread::sleep_for(1500ms);  // connected to the stream

  // The server dies before listen has seen a single event.
  first.stop(SIGKILL);
  write_offline({"While Down One", "While Down Two"});
  Server second({.args = same_port, .db = db});
  CHECK(app.wait_for(2, 20s) == 2);
  REQUIRE(api("POST", second.api_url + "/contacts", token, {{"name", "After Restart"}}).status == 201);
  CHECK(app.wait_for(3, 10s) == 3);

  // Again, now that listen has seen events: it resumes after the last one it printed.
  second.stop(SIGKILL);
  write_offline({"While Down Three"});
  Server third({.args = same_port, .db = db});
  CHECK(app.wait_for(4, 20s) == 4);
  std::this_thread::sleep_for(500ms);  // a repeated event would have come by now
  auto printed = listen.stop();
  INFO(printed.out << printed.err);

  auto events = api("GET", third.api_url + "/events?type=contact.created&limit=100", token);
  REQUIRE(events.status == 200);
  std::map<std::string, std::string> id_of;  // contact name → its event id
  for (const auto& e : events.json["data"]) id_of[e["data"]["name"]] = e["id"];
  REQUIRE(id_of.size() == 5);
  CHECK(occurrences(printed.out, id_of["Before Listen"]) == 0);
  for (const char* name : {"While Down One", "While Down Two", "After Restart", "While Down Three"})
    CHECK_MESSAGE(occurrences(printed.out, id_of[name]) == 1, name);
  std::set<std::string> forwarded;
  for (const auto& r : app.received()) forwarded.insert(r.header("webhook-id"));
  CHECK(app.received().size() == 4);
  CHECK(forwarded.size() == 4);
  CHECK(printed.err.find("reconnecting") != std::string::npos);
}

TEST_CASE("webhooks trigger fires every event type GET /v1/event-types lists, or names what fires it instead") {
  Server s;
  TempDir home;
  auto env = env_for(s, home);
  auto types = api("GET", s.api_url + "/event-types", s.token);
  REQUIRE(types.status == 200);
  std::set<std::string> fired, redirected;
  for (const auto& t : types.json["data"]) {
    std::string type = t["type"];
    CAPTURE(type);
    auto r = run_cli({"webhooks", "trigger", type, "--json"}, env);
    if (r.exit_code == 0) {
      fired.insert(type);
      std::string record = json_of(r)["record_id"];
      // The event is in the log, about the record trigger made.
      auto log = api("GET", s.api_url + "/events?type=" + type + "&limit=100", s.token);
      REQUIRE(log.status == 200);
      bool found = false;
      for (const auto& e : log.json["data"]) found = found || e["data"].dump().find(record) != std::string::npos;
      CHECK_MESSAGE(found, log.body);
    } else {
      redirected.insert(type);
      CHECK_MESSAGE(r.exit_code == 2, r.out << r.err);
      auto why = r.err.find("cannot fire " + type + ": ");
      CHECK_MESSAGE(why != std::string::npos, r.err);
      CHECK_MESSAGE(r.err.find("slab5 ", why + 12 + type.size()) != std::string::npos, r.err);  // names a command
    }
  }
  for (const char* t :
       {"contact.created", "company.updated", "deal.deleted", "deal_stage.created", "lead.converted", "task.completed",
        "activity.created", "support_ticket.updated", "support_ticket_message.created",
        "support_ticket_comment.created", "cms_entry.created", "asset.deleted"})
    CHECK_MESSAGE(fired.count(t) == 1, t);
  for (const char* t : {"api_key.created", "mcp_client.revoked", "member.invited", "invitation.accepted",
                        "webhook.test", "inbound_webhook.received", "asset.available"})
    CHECK_MESSAGE(redirected.count(t) == 1, t);
  // A type that is not listed: a usage error naming what the resource fires.
  auto bad = run_cli({"webhooks", "trigger", "contact.exploded"}, env);
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("contact.created|updated|deleted") != std::string::npos);
  auto append_only = run_cli({"webhooks", "trigger", "activity.updated"}, env);
  CHECK(append_only.exit_code == 2);
  CHECK(append_only.err.find("append-only") != std::string::npos);
  CHECK(run_cli({"webhooks", "trigger", "nonsense.created"}, env).err.find("/event-types") != std::string::npos);
}
