// API keys and MCP clients: the stored record (store/credential_store.hpp), making one with a
// fresh token, and the lookups that authenticate a token.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "slab5/error.hpp"
#include "slab5/json_util.hpp"
#include "slab5/time.hpp"
#include "store/conn.hpp"
#include "store/credential_store.hpp"

namespace slab5d {

std::optional<Credential> find_credential_by_hash(Conn& db, const std::string& token_hash);
std::optional<Credential> find_credential(Conn& db, const std::string& kind, const std::string& workspace_id,
                                          const std::string& id);

// A credential with a fresh token: the record and the raw token (shown once, stored as its hash).
struct NewCredential {
  Credential credential;
  std::string token;
};
struct CredentialSpec {
  std::string kind;  // api_key | mcp_client
  std::string workspace_id;
  std::string name;
  std::string description;
  std::vector<std::string> scopes;
  std::optional<std::string> expires_at;
  std::string created_by_type;
  std::string created_by_id;
  // A fixture's (api.md §9.1): the credential's id and secret when given, else made here. The
  // secret must be a well-formed token of the kind (the caller checks it).
  std::string id;
  std::string token;
};
// Writes it in the caller's transaction. A workspace that is gone (deleted meanwhile) is
// workspace_not_found, and nothing is written.
slab5::Result<NewCredential> insert_credential(Conn& db, const CredentialSpec& spec);

// Writes the mutable fields (name, description, scopes, expires_at, revoked_at, updated_at,
// replaced_by); a credential that went is resource_not_found.
slab5::Status save_credential(Conn& db, const Credential& c);

}  // namespace slab5d
