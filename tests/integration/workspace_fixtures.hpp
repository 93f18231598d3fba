// Fixtures for the workspace, member, audit and usage tests: API keys with chosen scopes and
// extra members, written straight into the server's database file (slab5d shares it, WAL).
#pragma once
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "harness.hpp"
#include "slab5/ids.hpp"
#include "slab5/time.hpp"
#include "slab5/token.hpp"

namespace fixtures {

inline std::string sql_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

inline void run_sql(const testing::Server& s, const std::string& sql) {
  auto r = testing::run_program("/usr/bin/sqlite3", {"-bail", "-cmd", ".timeout 5000", s.db_path, sql},
                                {{"PATH", "/usr/bin:/bin"}});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
}

inline std::string sql_value(const testing::Server& s, const std::string& sql) {
  auto r = testing::run_program("/usr/bin/sqlite3", {"-cmd", ".timeout 5000", s.db_path, sql},
                                {{"PATH", "/usr/bin:/bin"}});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  std::string out = r.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// An API key of the server's first workspace (or `workspace_id`) holding exactly `scopes`.
inline std::string make_key(const testing::Server& s, const std::vector<std::string>& scopes,
                            std::string workspace_id = "") {
  if (workspace_id.empty()) workspace_id = s.workspace_id;
  std::string token = slab5::generate_token(slab5::kApiKeyPrefix);
  std::string now = slab5::format_rfc3339(slab5::now_millis());
  nlohmann::json sc = scopes;
  run_sql(s, "INSERT INTO credentials (id, kind, workspace_id, name, prefix, token_hash, scopes, created_at, "
             "updated_at, created_by_type, created_by_id) VALUES (" +
                 sql_quote(slab5::new_id("key")) + ", 'api_key', " + sql_quote(workspace_id) + ", 'test key', " +
                 sql_quote(slab5::token_display_prefix(token)) + ", " + sql_quote(slab5::token_hash(token)) + ", " +
                 sql_quote(sc.dump()) + ", " + sql_quote(now) + ", " + sql_quote(now) + ", 'system', 'system')");
  return token;
}

// A user with `role` in the workspace (no password: a target for member changes). Returns usr_….
inline std::string insert_member(const testing::Server& s, const std::string& role, std::string workspace_id = "") {
  if (workspace_id.empty()) workspace_id = s.workspace_id;
  std::string user = slab5::new_id("usr"), tenant = slab5::new_id("ten");
  std::string now = slab5::format_rfc3339(slab5::now_millis());
  std::string email = user + "@example.com";
  run_sql(s, "INSERT INTO tenants (id, name, created_at) VALUES (" + sql_quote(tenant) + ", 'T', " + sql_quote(now) +
                 "); INSERT INTO users (id, tenant_id, email, name, created_at, updated_at) VALUES (" +
                 sql_quote(user) + ", " + sql_quote(tenant) + ", " + sql_quote(email) + ", 'Member', " +
                 sql_quote(now) + ", " + sql_quote(now) + "); INSERT INTO memberships (workspace_id, user_id, role, "
                 "joined_at) VALUES (" + sql_quote(workspace_id) + ", " + sql_quote(user) + ", " + sql_quote(role) +
                 ", " + sql_quote(now) + ");");
  return user;
}

// A second workspace in the first workspace's tenant, with no members. Returns wrk_….
inline std::string insert_workspace(const testing::Server& s, const std::string& slug) {
  std::string id = slab5::new_id("wrk");
  std::string now = slab5::format_rfc3339(slab5::now_millis());
  run_sql(s, "INSERT INTO workspaces (id, tenant_id, slug, name, enabled_modules, created_at, updated_at) SELECT " +
                 sql_quote(id) + ", tenant_id, " + sql_quote(slug) + ", 'Other', '[\"crm\"]', " + sql_quote(now) +
                 ", " + sql_quote(now) + " FROM workspaces WHERE id = " + sql_quote(s.workspace_id));
  return id;
}

inline std::string owner_id(const testing::Server& s) {
  return sql_value(s, "SELECT user_id FROM memberships WHERE workspace_id = " + sql_quote(s.workspace_id) +
                          " AND role = 'owner' ORDER BY joined_at LIMIT 1");
}

// A session request to a workspace route: bearer token plus x-workspace-id.
inline testing::Response ws_api(const std::string& method, const std::string& url, const std::string& token,
                                const std::string& workspace_id, const nlohmann::json& body = nullptr) {
  return testing::api(method, url, token, body, {{"x-workspace-id", workspace_id}});
}

// The dev owner's session access token for the server's first workspace.
inline std::string owner_session(const testing::Server& s) {
  return testing::login(s, s.owner_email, s.owner_password, s.workspace_id)["accessToken"];
}

inline void check_error(const testing::Response& r, long status, const std::string& code) {
  CHECK_MESSAGE(r.status == status, r.body);
  REQUIRE(r.json.is_object());
  REQUIRE(r.json.contains("error"));
  CHECK(r.json["error"]["code"] == code);
}

}  // namespace fixtures
