// API keys and MCP clients: the stored record, and the lookup that authenticates a token.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "slab5/json_util.hpp"
#include "slab5/time.hpp"
#include "store/db.hpp"

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

// The column list matching read_credential().
extern const char* const kCredentialColumns;
Credential read_credential(const Query& q);

std::optional<Credential> find_credential_by_hash(Db& db, const std::string& token_hash);
std::optional<Credential> find_credential(Db& db, const std::string& kind, const std::string& workspace_id,
                                          const std::string& id);

// Creates a credential with a fresh token; returns the record and the raw token (shown once).
struct NewCredential {
  Credential credential;
  std::string token;
};
NewCredential insert_credential(Db& db, const std::string& kind, const std::string& workspace_id,
                                const std::string& name, const std::string& description,
                                const std::vector<std::string>& scopes, std::optional<std::string> expires_at,
                                const std::string& created_by_type, const std::string& created_by_id);

// Writes the mutable fields (name, description, scopes, expires_at, revoked_at, updated_at,
// replaced_by).
void save_credential(Db& db, const Credential& c);

// One page of a workspace's credentials of one kind, newest first. `status` is active,
// revoked, expired or all, computed against `now`; `before_id` continues after a cursor.
// Returns up to limit + 1 rows so the caller can tell whether another page exists.
std::vector<Credential> list_credentials(Db& db, const std::string& kind, const std::string& workspace_id,
                                         const std::string& status, slab5::Millis now,
                                         const std::optional<std::string>& before_id, int limit);

// Records last use at most once a minute per credential.
void touch_credential(Db& db, const Credential& c, slab5::Millis now);

}  // namespace slab5d
