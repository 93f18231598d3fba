// The store of API keys and MCP clients (api.md §5). Tokens are stored as their SHA-256
// only; the store never sees a raw token.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "slab5/error.hpp"
#include "slab5/json_util.hpp"
#include "slab5/time.hpp"

namespace slab5d {

struct Credential {
  std::string id;
  std::string kind;  // api_key | mcp_client
  std::string workspace_id;
  std::string name;
  std::string description;
  std::string prefix;
  std::vector<std::string> scopes;
  std::string created_at;
  std::string updated_at;
  std::optional<std::string> last_used_at;
  std::optional<std::string> expires_at;
  std::optional<std::string> revoked_at;
  std::string created_by_type;
  std::string created_by_id;
  // The credential that replaced this one when it was rotated; its expiry is then fixed
  // (a rotated-away secret is never given back a lifetime). Not part of the API object.
  std::optional<std::string> replaced_by;

  // active | revoked | expired, computed at `now`.
  std::string status(slab5::Millis now) const;
  slab5::Json to_json(slab5::Millis now) const;
};

struct CredentialQuery {
  std::string kind;
  std::string workspace_id;
  std::string status = "active";  // active | revoked | expired | all, computed against `now`
  slab5::Millis now = 0;
  std::optional<std::string> before_id;  // continue after this id (newest first)
  int limit = 25;
};

class CredentialStore {
 public:
  virtual ~CredentialStore() = default;
  // A workspace that is gone (deleted meanwhile) is workspace_not_found: nothing is written.
  [[nodiscard]] virtual slab5::Status insert(const Credential& c, const std::string& token_hash) = 0;
  [[nodiscard]] virtual slab5::Result<std::optional<Credential>> get(const std::string& kind,
                                                                     const std::string& workspace_id,
                                                                     const std::string& id) = 0;
  [[nodiscard]] virtual slab5::Result<std::optional<Credential>> get_by_hash(const std::string& token_hash) = 0;
  // Writes the mutable fields (name, description, scopes, expires_at, revoked_at, updated_at,
  // replaced_by); a credential that went is resource_not_found.
  [[nodiscard]] virtual slab5::Status update(const Credential& c) = 0;
  [[nodiscard]] virtual slab5::Status touch(const std::string& id, const std::string& last_used_at) = 0;
  // Up to limit + 1 rows, newest first, so the caller can tell whether another page exists.
  [[nodiscard]] virtual slab5::Result<std::vector<Credential>> list(const CredentialQuery& q) = 0;
};

}  // namespace slab5d
