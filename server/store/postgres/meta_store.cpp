#include "store/postgres/meta_store.hpp"

#include "store/postgres/migrations.hpp"

namespace slab5d {

slab5::Result<std::optional<std::string>> PgMetaStore::get(const std::string& key) {
  auto r = conn_.exec("SELECT value FROM meta WHERE key = $1", key);
  if (r.rows() == 0) return std::optional<std::string>{};
  return std::optional<std::string>{r.text(0, 0)};
}

slab5::Status PgMetaStore::insert(const std::string& key, const std::string& value) {
  auto r = conn_.run("INSERT INTO meta (key, value) VALUES ($1, $2)", key, value);
  if (!r.ok()) return slab5::fail("conflict", "The setting '" + key + "' is already set.");
  return {};
}

slab5::Result<std::string> PgMetaStore::get_or_insert(const std::string& key, const std::string& value) {
  auto r = conn_.run("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING", key, value);
  if (!r.ok()) return slab5::fail("conflict", "The setting cannot be written.");
  auto now = get(key);
  if (!now) return tl::unexpected(now.error());
  if (!*now) return slab5::fail("internal_error", "The setting '" + key + "' was written but cannot be read.");
  return **now;
}

slab5::Result<int> PgMetaStore::schema_version() { return pg_schema_version(conn_); }

}  // namespace slab5d
