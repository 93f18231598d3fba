// slab5d's commands on a PostgreSQL database (docs/postgres.md), against the throwaway cluster
// CTest's pg_cluster fixture starts (tests/support/pg_fixture.sh): `slab5d migrate --db
// postgres://…` makes the schema once, says where without the password, and refuses a
// database from a newer slab5d; serve and init need the files instances share; backup is
// pg_dump; export reads the same fixture as on SQLite.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "harness.hpp"

using namespace testing;

namespace {
// The cluster's URL (postgres://USER@HOST:PORT/DB), from the file the fixture wrote.
std::string cluster_url() {
  const char* file = std::getenv("SLAB5_TEST_PG_URL_FILE");
  REQUIRE_MESSAGE(file, "SLAB5_TEST_PG_URL_FILE is not set: run this test through ctest (the pg_cluster fixture)");
  std::ifstream in(file);
  std::string url;
  std::getline(in, url);
  REQUIRE_MESSAGE(!url.empty(), "no PostgreSQL test cluster URL in " << file);
  return url;
}

// A new database on the cluster; the URL to it, with a password the server does not ask for
// (the test cluster trusts loopback), so that a printed URL would show it.
std::string new_database(const std::string& name) {
  auto url = cluster_url();
  // Two -c: psql sends each on its own, and DROP DATABASE cannot share a transaction.
  auto r = run_program("/usr/bin/psql",
                       {"-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", "DROP DATABASE IF EXISTS " + name, "-c",
                        "CREATE DATABASE " + name},
                       {{"PATH", "/usr/bin:/bin"}});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto at = url.find('@');
  auto slash = url.rfind('/');
  REQUIRE(at != std::string::npos);
  REQUIRE(slash != std::string::npos);
  return url.substr(0, at) + ":n0t-shown-pw" + url.substr(at, slash - at) + "/" + name;
}

CliResult slab5d(const std::vector<std::string>& args) {
  return run_program(slab5d_bin(), args, {{"PATH", "/usr/bin:/bin"}});
}

int psql_count(const std::string& url, const std::string& sql) {
  auto r = run_program("/usr/bin/psql", {"-X", "-A", "-t", url, "-c", sql}, {{"PATH", "/usr/bin:/bin"}});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return std::stoi(r.out);
}
}  // namespace

TEST_CASE("slab5d migrate makes the PostgreSQL schema once and prints no password") {
  auto url = new_database("slab5_cli_migrate");
  auto first = slab5d({"migrate", "--db", url});
  REQUIRE_MESSAGE(first.exit_code == 0, first.err);
  CHECK(first.out.find("(was 0)") != std::string::npos);
  CHECK(first.out.find("postgres://") == 0);
  CHECK(first.out.find("slab5_cli_migrate") != std::string::npos);
  CHECK(first.out.find("n0t-shown-pw") == std::string::npos);
  CHECK(psql_count(url, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'contacts'") == 1);
  int version = psql_count(url, "SELECT max(version) FROM schema_migrations");
  CHECK(version >= 1);

  auto again = slab5d({"migrate", "--db", url});
  REQUIRE(again.exit_code == 0);
  CHECK(again.out.find("schema version " + std::to_string(version) + " (was " + std::to_string(version) + ")") !=
        std::string::npos);
  CHECK(psql_count(url, "SELECT count(*) FROM schema_migrations") == version);

  // SLAB5D_DB is read the same way.
  auto by_env = run_program(slab5d_bin(), {"migrate"}, {{"PATH", "/usr/bin:/bin"}, {"SLAB5D_DB", url}});
  CHECK(by_env.exit_code == 0);
  CHECK(by_env.out.find("n0t-shown-pw") == std::string::npos);
}

TEST_CASE("slab5d migrate refuses a PostgreSQL database from a newer slab5d and leaves it alone") {
  auto url = new_database("slab5_cli_newer");
  REQUIRE(slab5d({"migrate", "--db", url}).exit_code == 0);
  int version = psql_count(url, "SELECT max(version) FROM schema_migrations");
  auto r = run_program("/usr/bin/psql",
                       {"-X", "-q", url, "-c",
                        "INSERT INTO schema_migrations (version, applied_at) VALUES (" + std::to_string(version + 1) +
                            ", '2099-01-01T00:00:00Z')"},
                       {{"PATH", "/usr/bin:/bin"}});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto newer = slab5d({"migrate", "--db", url});
  CHECK(newer.exit_code == 1);
  CHECK(newer.err.find("newer") != std::string::npos);
  CHECK(newer.err.find("n0t-shown-pw") == std::string::npos);
  CHECK(psql_count(url, "SELECT max(version) FROM schema_migrations") == version + 1);
}

TEST_CASE("slab5d serve and init on a PostgreSQL URL need the shared files; init makes one owner") {
  auto url = new_database("slab5_cli_serve");
  auto serve = slab5d({"serve", "--db", url, "--listen", "127.0.0.1:0"});
  CHECK(serve.exit_code == 2);
  CHECK(serve.err.find("--kek-file and --assets-dir") != std::string::npos);
  CHECK(serve.err.find("n0t-shown-pw") == std::string::npos);

  TempDir side;
  std::vector<std::string> files = {"--kek-file", side.file("kek"), "--assets-dir", side.file("assets")};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), files.begin(), files.end());
    return slab5d(args);
  };
  auto init = with({"init", "--db", url, "--password-cost", "test"});
  REQUIRE_MESSAGE(init.exit_code == 0, init.err);
  CHECK(init.out.find("export SLAB5_WORKSPACE_TOKEN=slab5_sk_") != std::string::npos);
  CHECK(psql_count(url, "SELECT count(*) FROM users") == 1);
  auto again = with({"init", "--db", url});
  CHECK(again.exit_code == 0);
  CHECK(again.err.find("already initialised") != std::string::npos);
  CHECK(again.err.find("n0t-shown-pw") == std::string::npos);
  CHECK(psql_count(url, "SELECT count(*) FROM users") == 1);
  CHECK(psql_count(url, "SELECT count(*) FROM credentials") == 1);

  auto missing = url.substr(0, url.rfind('/')) + "/slab5_no_such_database";
  auto r = slab5d({"migrate", "--db", missing});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("slab5_no_such_database") != std::string::npos);
  CHECK(r.err.find("n0t-shown-pw") == std::string::npos);
}

TEST_CASE("backup of a PostgreSQL database is a pg_dump that pg_restore brings back, keys and all") {
  auto url = new_database("slab5_cli_backup");
  Server a({.db = url});
  auto made = api("POST", a.api_url + "/contacts", a.token, {{"name", "Kept Through Backup"}});
  REQUIRE(made.status == 201);
  TempDir dir;
  auto backup = slab5d({"backup", "--db", url, "--to", dir.file("copy.dump")});
  REQUIRE_MESSAGE(backup.exit_code == 0, backup.err);
  CHECK(backup.out.find("pg_restore") != std::string::npos);
  CHECK(backup.out.find("n0t-shown-pw") == std::string::npos);
  std::ifstream in(dir.file("copy.dump"), std::ios::binary);
  std::string magic(5, '\0');
  in.read(magic.data(), 5);
  CHECK(magic == "PGDMP");
  struct stat st {};
  REQUIRE(::stat(dir.file("copy.dump").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto again = slab5d({"backup", "--db", url, "--to", dir.file("copy.dump")});
  CHECK(again.exit_code == 1);
  CHECK(again.err.find("refusing to overwrite") != std::string::npos);

  // Restored into a new database, served with the same key-encryption key: the same key works
  // and the contact is there.
  auto restored = new_database("slab5_cli_restored");
  auto r = run_program("/usr/bin/pg_restore", {"--no-owner", "--dbname", restored, dir.file("copy.dump")},
                       {{"PATH", "/usr/bin:/bin"}});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  Server b({.args = {"--kek-file", a.kek_file, "--assets-dir", a.assets_dir}, .db = restored});
  auto got = api("GET", b.api_url + "/contacts/" + made.json["data"]["id"].get<std::string>(), a.token);
  CHECK(got.status == 200);
  CHECK(got.json["data"]["name"] == "Kept Through Backup");
  CHECK(b.token.empty());  // not a new database: no first-start key

  // export reads the same state as a fixture.
  auto exported = slab5d({"export", "--db", restored});
  REQUIRE_MESSAGE(exported.exit_code == 0, exported.err);
  CHECK(exported.out.find("Kept Through Backup") != std::string::npos);
}

TEST_CASE("connections PostgreSQL closes are replaced: the next requests are answered and counted") {
  auto url = new_database("slab5_cli_reconnect");
  Server s({.args = {"--rate-limit", "100/s"}, .db = url});
  for (int i = 0; i < 10; ++i) REQUIRE(api("GET", s.api_url + "/workspace", s.token).status == 200);
  REQUIRE(api("POST", s.api_url + "/contacts", s.token, {{"name", "Before"}}).status == 201);
  // A restart or failover of the database ends every connection slab5d holds.
  auto killed = run_sql(url,
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()");
  REQUIRE_MESSAGE(killed.exit_code == 0, killed.err);
  CHECK(std::stoi(killed.out) > 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (int i = 0; i < 10; ++i) CHECK(api("GET", s.api_url + "/workspace", s.token).status == 200);
  CHECK(api("POST", s.api_url + "/contacts", s.token, {{"name", "After"}}).status == 201);
  CHECK(api("GET", s.api_url + "/contacts", s.token).json["data"].size() == 2);
  // The usage of the requests after it is written too.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  CHECK(psql_count(url, "SELECT count(*) FROM usage_events WHERE route = 'GET /v1/workspace'") == 20);
}
