// A workspace with its owner in a temp database (support/temp_db.hpp), and the actors that
// call the workspace, member and credential rules in it.
#pragma once
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "../support/temp_db.hpp"
#include "domain/actor.hpp"
#include "domain/workspaces.hpp"
#include "slab5/access.hpp"
#include "slab5/ids.hpp"
#include "slab5/time.hpp"
#include "store/sqlite/member_store.hpp"
#include "store/sqlite/workspace_store.hpp"

namespace slab5d::testing {

// A workspace "acme" with its owner, and the actors that call the rules in it.
struct WorkspaceFixture : TempDb {
  std::string tenant_id = slab5::new_id("ten");
  std::string owner_id;
  Workspace ws;
  RequestMeta meta{.request_id = "req_test", .route = "TEST /rule"};

  WorkspaceFixture() {
    auto now = slab5::format_rfc3339(slab5::now_millis());
    if (!SqliteWorkspaceStore(*db).insert_tenant(tenant_id, "Acme", now)) throw std::runtime_error("tenant");
    owner_id = add_user("owner@example.com");
    Tx tx(*db);
    ws = insert_workspace(*db, "Acme", "acme", tenant_id, owner_id).value();
    tx.commit();
  }

  std::string add_user(const std::string& email) {
    auto id = slab5::new_id("usr");
    auto now = slab5::format_rfc3339(slab5::now_millis());
    if (!SqliteMemberStore(*db).insert_user(NewUser{
            .id = id, .tenant_id = tenant_id, .email = email, .name = email, .password_hash = "x", .created_at = now}))
      throw std::runtime_error("user");
    return id;
  }
  std::string add_member(const std::string& email, const std::string& role) {
    auto id = add_user(email);
    if (!SqliteMemberStore(*db).insert(ws.id, id, role, slab5::format_rfc3339(slab5::now_millis())))
      throw std::runtime_error("member");
    return id;
  }
  // A session of `user_id` in the workspace with `role`.
  Actor session(const std::string& user_id, const std::string& role) const {
    return Actor{.type = "user",
                 .id = user_id,
                 .workspace_id = ws.id,
                 .tenant_id = tenant_id,
                 .role = role,
                 .scopes = slab5::scopes_for_role(role),
                 .enabled_modules = ws.enabled_modules,
                 .credential_id = "ses_test",
                 .user_id = user_id};
  }
  Actor api_key(std::vector<std::string> scopes = slab5::all_scopes()) const {
    return Actor{.type = "api_key",
                 .id = "key_test",
                 .workspace_id = ws.id,
                 .tenant_id = tenant_id,
                 .scopes = std::move(scopes),
                 .enabled_modules = ws.enabled_modules,
                 .credential_id = "key_test"};
  }
};

}  // namespace slab5d::testing
