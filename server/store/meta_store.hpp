// Database-wide settings kept in the database itself (`meta`): the cursor key, the
// first-start mark.
#pragma once
#include <optional>
#include <string>

#include "slab5/error.hpp"

namespace slab5d {

class MetaStore {
 public:
  virtual ~MetaStore() = default;
  [[nodiscard]] virtual slab5::Result<std::optional<std::string>> get(const std::string& key) = 0;
  // A key that is already set is `conflict`.
  [[nodiscard]] virtual slab5::Status insert(const std::string& key, const std::string& value) = 0;
  // Sets the key unless it is set; returns the value it holds afterwards.
  [[nodiscard]] virtual slab5::Result<std::string> get_or_insert(const std::string& key, const std::string& value) = 0;
  // The schema version the database is at (a cheap read that proves the database answers).
  [[nodiscard]] virtual slab5::Result<int> schema_version() = 0;
};

}  // namespace slab5d
