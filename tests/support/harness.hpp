// Integration-test harness: starts a real slab5d on 127.0.0.1:0 with a throwaway database,
// speaks HTTP to it, and runs the real slab5 binary with a controlled environment.
#pragma once
#include <sys/types.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "slab5/http_client.hpp"

namespace testing {

using Json = nlohmann::json;

// Marks the running test case as not run here, with why (a tool that is missing and how to
// install it); the caller then returns. The binary exits 77 (CTest: Skipped) unless a case
// failed. See doctest_main.cpp.
void skip(const std::string& why);
const std::vector<std::string>& skipped_cases();

// Which database the integration tests give slab5d: "sqlite" (a file in a temp dir), or
// "postgres" when SLAB5_TEST_BACKEND=postgres (a new database on the test cluster of
// support/pg_test_db.hpp for each server that is not given one). CTest runs every integration
// test both ways (tests/CMakeLists.txt: test_x and test_x_pg).
const std::string& backend();
bool on_postgres();

std::string slab5d_bin();
std::string slab5_bin();

// A fresh temporary directory, removed when the object goes.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct ServerOptions {
  std::vector<std::string> args;  // extra flags, e.g. {"--rate-limit", "off"}; "--listen" replaces 127.0.0.1:0
  std::string db;                 // "" → a new database (a file in a temp dir, or on PostgreSQL)
  bool test_password_cost = true;
  std::map<std::string, std::string> env;
};

class Server {
 public:
  explicit Server(ServerOptions opts = {});
  ~Server();
  Server(const Server&) = delete;

  std::string base_url;  // http://127.0.0.1:PORT
  std::string api_url;   // base_url + "/v1"
  int port = 0;
  std::string token;  // the first-start API key ("" on a reused database)
  std::string owner_email;
  std::string owner_password;
  std::string workspace_id;
  std::string db_path;       // what --db was: the SQLite file, or the postgres:// URL
  std::string assets_dir;    // where its asset bytes are
  std::string kek_file;      // its key-encryption key
  std::string first_output;  // everything printed on stdout at start

  // Sends `sig` and waits; returns the exit status (WEXITSTATUS, or 128+signal).
  int stop(int sig = 15);
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  std::string log() const;  // everything written to stderr so far

 private:
  pid_t pid_ = -1;
  std::unique_ptr<TempDir> dir_;
  std::string log_path_;
};

struct Response {
  long status = 0;
  std::string body;
  Json json;  // parsed body (null when not JSON)
  slab5::HeaderList headers;
  std::string header(const std::string& name) const;
};

// One HTTP request. `headers` are "Name: value" pairs.
Response http(const std::string& method, const std::string& url, const std::string& body = "",
              const std::vector<std::pair<std::string, std::string>>& headers = {});
// Convenience: JSON body with Content-Type and a bearer token.
Response api(const std::string& method, const std::string& url, const std::string& token, const Json& body = nullptr,
             const std::vector<std::pair<std::string, std::string>>& headers = {});

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs slab5 with only the given environment (plus PATH, HOME and SLAB5_CONFIG_DIR if unset).
CliResult run_cli(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
                  const std::string& stdin_data = "");
// Runs any program the same way.
CliResult run_program(const std::string& program, const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& env, const std::string& stdin_data = "",
                      int timeout_seconds = 60);

// Runs slab5 on a pseudo-terminal (its stdin, stdout and stderr) with only `env` (plus PATH
// and TERM=dumb). Each time the next answer's prompt has shown, types the answer and a
// newline. Returns the exit code (128+N when killed by signal N) and everything the terminal
// showed, in `out`. Gives up after 20 seconds.
CliResult run_cli_on_terminal(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                              const std::vector<std::pair<std::string, std::string>>& answers = {});

// Runs one SQL statement on a database from outside, as another process would: the sqlite3
// shell (waiting up to 10 s for a writer) on a file, libpq on a postgres:// URL. `out` is what
// the sqlite3 shell prints: a line per row, columns joined by '|', NULL as nothing, booleans
// as 1 and 0. On PostgreSQL "rowid" reads as "ctid" (insertion order of an append-only table)
// and json_extract(column, '$.key') as (column::jsonb ->> 'key').
CliResult run_sql(const std::string& db, const std::string& statement);
// Every byte the database holds at rest: the SQLite file and its WAL, or a plain pg_dump of
// the PostgreSQL database. What a secret must never be found in.
std::string stored_bytes(const std::string& db);

// Real-route identity helpers: they go through the HTTP API like any client.
// POST /v1/auth/session (local); returns the response's data, throws unless 200.
Json login(const Server& s, const std::string& email, const std::string& password,
           const std::string& workspace_id = "");
struct Member {
  std::string user_id, email, password, access_token, refresh_token;
};
// Signs in the dev owner, invites a new random address with `role` to s.workspace_id, reads
// the token from the dev mailbox, accepts it with a password and returns the new member with
// a session for s.workspace_id.
Member add_member(Server& s, const std::string& role);

}  // namespace testing
