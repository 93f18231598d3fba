// The database file and the files beside it: several processes on one file while the first
// serves under load (backups, a second slab5d, the sqlite3 shell), and what the files let a
// reader see — their modes, and no usable token in the dev mailbox's rows.
#include <sys/stat.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "credential_support.hpp"

using namespace testing;

namespace {
// The exit status of a server that has died (128+signal), or -1 while it runs.
int died(const Server& s) {
  int st = 0;
  if (waitpid(s.pid(), &st, WNOHANG) != s.pid()) return -1;
  return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE_MESSAGE(::stat(path.c_str(), &st) == 0, path);
  return st.st_mode & 07777;
}
}  // namespace

TEST_CASE("backups, a second slab5d and a shell on the database leave a loaded server serving") {
  Server a({.args = {"--rate-limit", "off"}});
  TempDir dir;
  std::atomic<bool> stop{false};
  std::atomic<int> writes{0}, reads{0}, failures{0};
  // Writers and readers: every request checks the WAL index (the credential cache). A
  // connection the server drops (it died) counts as a failure; the loop ends there.
  auto load = [&](auto request) {
    return [&, request] {
      try {
        while (!stop) request();
      } catch (const std::exception&) {
        ++failures;
      }
    };
  };
  int n = 0;
  std::thread writer(load([&] {
    auto r = api("POST", keys_url(a), a.token, {{"name", "load " + std::to_string(n++)}, {"scopes", {"crm:read"}}});
    (r.status == 201 ? writes : failures)++;
  }));
  std::thread reader(load([&] { (api("GET", a.api_url + "/workspace", a.token).status == 200 ? reads : failures)++; }));
  int deaths = -1;
  for (int round = 0; round < 3 && deaths < 0; ++round) {
    CAPTURE(round);
    auto backup =
        run_program(slab5d_bin(), {"backup", "--db", a.db_path, "--to", dir.file("x" + std::to_string(round) + ".bak")},
                    {}, "", 30);
    INFO(backup.err);
    CHECK(backup.exit_code == 0);
    {
      Server b({.db = a.db_path});
      CHECK(api("GET", b.api_url + "/workspace", a.token).status == 200);
      CHECK(b.stop() == 0);
    }
    for (int i = 0; i < 8; ++i) {
      auto r = run_sql(a.db_path, "SELECT count(*) FROM credentials");
      INFO(r.err);
      CHECK(r.exit_code == 0);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    deaths = died(a);
  }
  stop = true;
  writer.join();
  reader.join();
  INFO(a.log());
  REQUIRE_MESSAGE(deaths == -1, "the first slab5d died with status " << deaths);
  CHECK(failures == 0);
  CHECK(writes > 0);
  CHECK(reads > 0);
  // Still answering, and every backup is a whole database.
  CHECK(api("GET", a.api_url + "/workspace", a.token).status == 200);
  if (on_postgres()) {
    // pg_dump's custom format, which pg_restore reads (test_postgres_cli restores one).
    CHECK(file_bytes(dir.file("x2.bak")).rfind("PGDMP", 0) == 0);
  } else {
    CHECK(std::stoi(sql(dir.file("x2.bak"), "SELECT count(*) FROM workspaces")) >= 1);
    CHECK(sql(a.db_path, "PRAGMA integrity_check") == "ok");
  }
}

TEST_CASE("the database, its -wal and -shm, the .kek file and backups are private to the owner") {
  TempDir dir;
  std::string db = dir.file("private.db"), key;
  {
    Server s({.db = db});
    key = s.token;
    // Signing in makes the session signing key, and with it the .kek file.
    login(s, s.owner_email, s.owner_password);
    for (const char* suffix : {"", "-wal", "-shm", ".kek"}) {
      CAPTURE(suffix);
      CHECK(mode_of(db + suffix) == 0600);
    }
    auto backup = run_program(slab5d_bin(), {"backup", "--db", db, "--to", dir.file("copy.bak")}, {}, "", 30);
    INFO(backup.err);
    REQUIRE(backup.exit_code == 0);
    CHECK(mode_of(dir.file("copy.bak")) == 0600);
    // An existing file is refused, and left as it was.
    auto again = run_program(slab5d_bin(), {"backup", "--db", db, "--to", dir.file("copy.bak")}, {}, "", 30);
    CHECK(again.exit_code != 0);
    CHECK(again.err.find("refusing to overwrite") != std::string::npos);
    CHECK(mode_of(dir.file("copy.bak")) == 0600);
    CHECK(s.stop() == 0);
  }
  // Files made readable by others (an older slab5d, a careless copy) lose the group and
  // other bits when a server opens them; the owner's bits stay.
  for (const char* suffix : {"", ".kek"}) REQUIRE(::chmod((db + suffix).c_str(), 0644) == 0);
  Server s({.db = db});
  CHECK(mode_of(db) == 0600);
  CHECK(api("GET", s.api_url + "/workspace", key).status == 200);
  CHECK(http("GET", s.base_url + "/.well-known/jwks.json").status == 200);  // reads the KEK
  CHECK(mode_of(db + ".kek") == 0600);
  CHECK(mode_of(db + "-wal") == 0600);
  CHECK(mode_of(db + "-shm") == 0600);
}

TEST_CASE("the dev mailbox shows tokens and links while the database holds only ciphertext") {
  TempDir dir;
  std::string db = dir.file("mail.db");
  std::string verify_token, invite_token;
  {
    Server s({.db = db});
    REQUIRE(api("POST", s.api_url + "/auth/register", "", {{"email", "sam@example.test"}, {"password", "sam-password"}})
                .status == 202);
    std::string owner = login(s, s.owner_email, s.owner_password, s.workspace_id)["accessToken"];
    REQUIRE(api("POST", s.api_url + "/workspace/invitations", owner,
                {{"email", "ivy@example.test"}, {"role", "member"}}, {{"x-workspace-id", s.workspace_id}})
                .status == 201);
    auto mail = http("GET", s.api_url + "/dev/mail").json["data"];
    REQUIRE(mail.size() == 2);
    for (const auto& m : mail) {
      std::string token = m["token"];
      REQUIRE(token.size() > 20);
      CHECK(m["link"].get<std::string>().find(token) != std::string::npos);
      (m["kind"] == "invitation" ? invite_token : verify_token) = token;
    }
    REQUIRE(!verify_token.empty());
    REQUIRE(!invite_token.empty());
    // The tokens work (so the mailbox shows the real ones) ...
    CHECK(api("POST", s.api_url + "/auth/verify-email", "", {{"token", verify_token}}).status == 200);
    // ... and no column, file or page of the database holds them in clear.
    auto rows = sql(db, "SELECT token || ' ' || link || ' ' || body FROM mail");
    for (const auto& t : {verify_token, invite_token}) {
      CHECK(rows.find(t) == std::string::npos);
      CHECK(file_bytes(db).find(t) == std::string::npos);
      CHECK(file_bytes(db + "-wal").find(t) == std::string::npos);
    }
    CHECK(sql(db, "SELECT count(*) FROM mail WHERE token LIKE 'v1:%' AND link LIKE 'v1:%' AND body LIKE 'v1:%'") ==
          "2");
    // A value moved to another row does not open there: the mailbox shows it empty.
    REQUIRE(sql_write(db,
                      "UPDATE mail SET token = (SELECT token FROM mail WHERE kind = 'invitation') "
                      "WHERE kind = 'verify_email'")
                .exit_code == 0);
    auto moved = http("GET", s.api_url + "/dev/mail?to=sam%40example.test").json["data"];
    REQUIRE(moved.size() == 1);
    CHECK(moved[0]["token"] == "");
    CHECK(s.stop() == 0);
  }
  // Another process with the same .kek file reads the mailbox.
  Server again({.db = db});
  auto mail = http("GET", again.api_url + "/dev/mail?to=ivy%40example.test").json["data"];
  REQUIRE(mail.size() == 1);
  CHECK(mail[0]["token"] == invite_token);
}

TEST_CASE("--kek-file puts the key-encryption key where it says, and a restart uses it there") {
  TempDir dir;
  std::string db = dir.file("keyed.db"), kek = dir.file("elsewhere/kek"), token;
  std::filesystem::create_directories(dir.file("elsewhere"));
  {
    Server s({.args = {"--kek-file", kek}, .db = db});
    token = login(s, s.owner_email, s.owner_password)["accessToken"];  // seals the signing key
    CHECK(std::filesystem::exists(kek));
    CHECK(mode_of(kek) == 0600);
    CHECK_FALSE(std::filesystem::exists(db + ".kek"));
    CHECK(s.stop() == 0);
  }
  // The same key opens the sealed signing key: a session made before the restart still works.
  Server again({.args = {"--kek-file", kek}, .db = db});
  CHECK(api("GET", again.api_url + "/me", token).status == 200);
  CHECK_FALSE(std::filesystem::exists(db + ".kek"));
}
