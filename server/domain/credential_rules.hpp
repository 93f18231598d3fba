// The input rules for API keys and MCP clients (api.md §5): what a name, a description, a
// scope list, an expiry and a rotation overlap may be, and the escalation rule (no
// credential may give another credential a scope it lacks itself).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "domain/actor.hpp"
#include "slab5/error.hpp"
#include "slab5/json_util.hpp"
#include "slab5/time.hpp"

namespace slab5d {

// The two credential kinds share every rule; only the words differ.
struct CredentialKind {
  std::string kind;       // api_key | mcp_client (also the audit action prefix and target type)
  std::string id_prefix;  // key | mcp
  std::string noun;       // "API key" | "MCP client"
};
const CredentialKind& api_key_kind();
const CredentialKind& mcp_client_kind();

inline constexpr std::size_t kMaxNameChars = 100;
inline constexpr std::size_t kMaxDescriptionChars = 1000;
inline constexpr std::int64_t kMaxOverlapSeconds = 604800;  // 7 days
inline constexpr std::int64_t kDefaultOverlapSeconds = 86400;

// POST …/api-keys
struct CredentialInput {
  std::string name;
  std::string description;
  std::vector<std::string> scopes;
  std::optional<std::string> expires_at;  // normalised RFC 3339
};
// PATCH …/api-keys/{id}: only the fields present change; "expires_at": null clears the expiry.
struct CredentialPatch {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::vector<std::string>> scopes;
  bool change_expiry = false;
  std::optional<std::string> expires_at;
  bool empty() const { return !name && !description && !scopes && !change_expiry; }
};

// Each parser reports every invalid field at once (422 with field_errors).
slab5::Result<CredentialInput> parse_credential_input(const slab5::Json& body,
                                                      const std::vector<std::string>& enabled_modules,
                                                      slab5::Millis now);
slab5::Result<CredentialPatch> parse_credential_patch(const slab5::Json& body,
                                                      const std::vector<std::string>& enabled_modules,
                                                      slab5::Millis now);
// POST …/{id}/rotate: overlap_seconds 0–604800, default 86400.
slab5::Result<std::int64_t> parse_overlap_seconds(const slab5::Json& body);

// The scope problems of a list (unknown, duplicate, disabled module, empty), as field errors.
std::vector<slab5::FieldError> scope_errors(const std::vector<std::string>& scopes,
                                            const std::vector<std::string>& enabled_modules);
// Number of Unicode code points (the string is valid UTF-8: the middleware checked it).
std::size_t utf8_length(const std::string& s);

// forbidden when `scopes` holds a scope that `actor` lacks itself (a session's scopes come
// from its role). The message names the missing scopes, never anything secret.
slab5::Status check_no_escalation(const Actor& actor, const std::vector<std::string>& scopes,
                                  const CredentialKind& kind);

}  // namespace slab5d
