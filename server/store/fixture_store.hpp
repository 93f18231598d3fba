// The reads `slab5d export` needs (api.md §9.1) that no other store has: every user,
// workspace, membership and live credential of the database, in creation order.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "slab5/json_util.hpp"

namespace slab5d {

struct ExportedUser {
  std::string id, email, name;
  std::optional<std::string> password_hash, email_verified_at;
};
struct ExportedWorkspace {
  std::string id, name, slug;
  slab5::Json enabled_modules;
};
struct ExportedMembership {
  std::string workspace_id, user_id, role;
};
struct ExportedCredential {
  std::string id, kind, workspace_id, name, description, prefix, token_hash;
  slab5::Json scopes;
  std::optional<std::string> expires_at;
};

class FixtureStore {
 public:
  virtual ~FixtureStore() = default;
  virtual std::vector<ExportedUser> users() = 0;
  virtual std::vector<ExportedWorkspace> workspaces() = 0;
  virtual std::vector<ExportedMembership> memberships() = 0;
  // Credentials that are not revoked (a revoked one cannot be seeded usefully).
  virtual std::vector<ExportedCredential> credentials() = 0;
};

}  // namespace slab5d
