// MetaStore on PostgreSQL: the `meta` key/value table; the schema version is PostgreSQL's own
// (schema_migrations, store/postgres/migrations.hpp).
#pragma once
#include "store/meta_store.hpp"
#include "store/postgres/pg.hpp"

namespace slab5d {

class PgMetaStore final : public MetaStore {
 public:
  explicit PgMetaStore(PgConn& conn) : conn_(conn) {}
  slab5::Result<std::optional<std::string>> get(const std::string& key) override;
  slab5::Status insert(const std::string& key, const std::string& value) override;
  slab5::Result<std::string> get_or_insert(const std::string& key, const std::string& value) override;
  slab5::Result<int> schema_version() override;

 private:
  PgConn& conn_;
};

}  // namespace slab5d
