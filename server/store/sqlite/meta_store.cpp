#include "store/sqlite/meta_store.hpp"

#include "store/sqlite/checked.hpp"
#include "store/sqlite/migrations.hpp"

namespace slab5d {

slab5::Result<std::optional<std::string>> SqliteMetaStore::get(const std::string& key) {
  auto q = db_.query("SELECT value FROM meta WHERE key = ?", key);
  if (!q.next()) return std::optional<std::string>{};
  return std::optional<std::string>{q.text(0)};
}

slab5::Status SqliteMetaStore::insert(const std::string& key, const std::string& value) {
  auto q = db_.query("INSERT INTO meta (key, value) VALUES (?, ?)", key, value);
  return sqlite::run_checked(db_, q, [&](sqlite::Constraint) {
    return slab5::Error{"conflict", "The setting '" + key + "' is already set."};
  });
}

slab5::Result<std::string> SqliteMetaStore::get_or_insert(const std::string& key, const std::string& value) {
  auto q = db_.query("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", key, value);
  if (auto ok = sqlite::run_checked(db_, q, "The setting cannot be written."); !ok) return tl::unexpected(ok.error());
  auto now = get(key);
  if (!now) return tl::unexpected(now.error());
  if (!*now) return slab5::fail("internal_error", "The setting '" + key + "' was written but cannot be read.");
  return **now;
}

slab5::Result<int> SqliteMetaStore::schema_version() { return slab5d::schema_version(db_); }

}  // namespace slab5d
