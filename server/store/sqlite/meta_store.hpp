// MetaStore on SQLite: the `meta` key/value table.
#pragma once
#include "store/meta_store.hpp"
#include "store/sqlite/db.hpp"

namespace slab5d {

class SqliteMetaStore final : public MetaStore {
 public:
  explicit SqliteMetaStore(Db& db) : db_(db) {}
  slab5::Result<std::optional<std::string>> get(const std::string& key) override;
  slab5::Status insert(const std::string& key, const std::string& value) override;
  slab5::Result<std::string> get_or_insert(const std::string& key, const std::string& value) override;
  slab5::Result<int> schema_version() override;

 private:
  Db& db_;
};

}  // namespace slab5d
