// CredentialStore on PostgreSQL: the `credentials` table (API keys and MCP clients).
#pragma once
#include "store/credential_store.hpp"
#include "store/postgres/pg.hpp"

namespace slab5d {

class PgCredentialStore final : public CredentialStore {
 public:
  explicit PgCredentialStore(PgConn& conn) : conn_(conn) {}
  slab5::Status insert(const Credential& c, const std::string& token_hash) override;
  slab5::Result<std::optional<Credential>> get(const std::string& kind, const std::string& workspace_id,
                                               const std::string& id) override;
  slab5::Result<std::optional<Credential>> get_by_hash(const std::string& token_hash) override;
  slab5::Status update(const Credential& c) override;
  slab5::Status touch(const std::string& id, const std::string& last_used_at) override;
  slab5::Result<std::vector<Credential>> list(const CredentialQuery& q) override;

 private:
  PgConn& conn_;
};

}  // namespace slab5d
