// Helpers shared by the credential, idempotency and durability tests.
#pragma once
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "checks.hpp"
#include "harness.hpp"

namespace testing {

inline std::string keys_url(const Server& s) { return s.api_url + "/workspace/api-keys"; }
inline std::string mcp_url(const Server& s) { return s.api_url + "/workspace/mcp-clients"; }

// Creates a credential and returns its data (with "secret"); fails the test otherwise.
inline Json create_credential(const std::string& url, const std::string& token, const std::string& name,
                              const std::vector<std::string>& scopes, Json extra = Json::object()) {
  Json body = extra;
  body["name"] = name;
  body["scopes"] = scopes;
  auto r = api("POST", url, token, body);
  INFO(r.body);
  REQUIRE(r.status == 201);
  return r.json["data"];
}

// True when a field error names `field`.
inline bool has_field_error(const Response& r, const std::string& field) {
  if (!r.json.is_object() || !r.json.contains("error")) return false;
  for (const auto& f : r.json["error"].value("field_errors", Json::array()))
    if (f.value("field", "") == field) return true;
  return false;
}

inline std::string sqlite3_bin() {
  for (const char* p : {"/usr/bin/sqlite3", "/usr/local/bin/sqlite3", "/bin/sqlite3"})
    if (std::filesystem::exists(p)) return p;
  return "sqlite3";
}

// Runs one SQL statement on the server's database from outside (harness.hpp run_sql: the
// sqlite3 shell or libpq) and returns its trimmed output.
inline std::string sql(const std::string& db, const std::string& statement) {
  auto r = run_sql(db, statement);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::string out = r.out;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// Runs one writing SQL statement, as a second process sharing the database would.
inline CliResult sql_write(const std::string& db, const std::string& statement) { return run_sql(db, statement); }

inline std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// No secret may appear in what the database holds at rest, or in the server log.
inline void check_no_secret_stored(const Server& s, const std::vector<std::string>& secrets) {
  REQUIRE(!secrets.empty());
  std::string db = stored_bytes(s.db_path), log = s.log();
  REQUIRE(!db.empty());
  // An empty log would pass every check below: require the access lines to be there.
  REQUIRE_MESSAGE(log.find("request_id=") != std::string::npos, "the server log holds no request line");
  for (const auto& secret : secrets) {
    REQUIRE(secret.size() > 20);
    INFO(secret.substr(0, 12));
    CHECK(db.find(secret) == std::string::npos);
    CHECK(log.find(secret) == std::string::npos);
    // The random part alone must not appear either.
    std::string random_part = secret.substr(secret.rfind('_') + 1);
    CHECK(db.find(random_part) == std::string::npos);
  }
}

}  // namespace testing
