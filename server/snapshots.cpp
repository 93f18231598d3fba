#include "snapshots.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "slab5/time.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/snapshot.hpp"

namespace slab5d {

namespace fs = std::filesystem;
using slab5::Json;
using slab5::Result;

namespace {
constexpr std::string_view kFirstStart = ".first-start";
constexpr std::size_t kMaxNameLength = 64;

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}
}  // namespace

Json SnapshotInfo::to_json() const {
  return Json{{"name", name}, {"created_at", created_at}, {"size_bytes", size_bytes}};
}

slab5::Status Snapshots::check_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength)
    return tl::unexpected(slab5::validation_error("name", "A snapshot name is 1-64 characters."));
  if (!std::all_of(name.begin(), name.end(), name_char) || name.front() == '.' || name.front() == '-' ||
      name.front() == '_')
    return tl::unexpected(slab5::validation_error(
        "name", "A snapshot name is letters, digits, '.', '_' and '-', starting with a letter or digit."));
  return {};
}

void Snapshots::ensure_dir() {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  // The copies hold everything the database does.
  (void)::chmod(dir_.c_str(), 0700);
}

Result<SnapshotInfo> Snapshots::info_of(const std::string& name) {
  std::error_code ec;
  auto size = fs::file_size(file_of(name), ec);
  if (ec) return slab5::fail("resource_not_found", "No snapshot named " + name + ".");
  SnapshotInfo info{.name = name, .size_bytes = std::int64_t(size)};
  std::ifstream meta(dir_ + "/" + name + ".json");
  std::stringstream text;
  text << meta.rdbuf();
  auto j = Json::parse(text.str(), nullptr, false);
  info.created_at = slab5::string_or(j, "created_at");
  return info;
}

namespace {
// The SQLite connection behind `live`, or the refusal a snapshot meets on another backend.
Result<Db*> snapshot_db(Conn& live) {
  if (auto* db = dynamic_cast<Db*>(&live)) return db;
  return slab5::fail("conflict", "State snapshots are copies of a SQLite database file; this database is not one.");
}
}  // namespace

Result<SnapshotInfo> Snapshots::save(Conn& conn, const std::string& name) {
  if (auto s = check_name(name); !s) return tl::unexpected(s.error());
  auto db = snapshot_db(conn);
  if (!db) return tl::unexpected(db.error());
  Db& live = **db;
  std::lock_guard lk(mu_);
  ensure_dir();
  save_database_copy(live, file_of(name));
  std::string created_at = slab5::format_rfc3339(slab5::now_millis());
  {
    std::ofstream meta(dir_ + "/" + name + ".json", std::ios::trunc);
    meta << Json{{"created_at", created_at}}.dump() << "\n";
  }
  return info_of(name);
}

Result<SnapshotInfo> Snapshots::restore(Conn& conn, const std::string& name) {
  // A name from the path: one that could never have been saved names no snapshot.
  if (auto s = check_name(name); !s) return slab5::fail("resource_not_found", "No snapshot named " + name + ".");
  auto db = snapshot_db(conn);
  if (!db) return tl::unexpected(db.error());
  Db& live = **db;
  std::lock_guard lk(mu_);
  auto info = info_of(name);
  if (!info) return info;
  restore_database_copy(live, file_of(name));
  migrate(live);  // a state saved by an earlier slab5d is brought to this one's schema
  return info;
}

Result<SnapshotInfo> Snapshots::get(const std::string& name) {
  if (auto s = check_name(name); !s) return slab5::fail("resource_not_found", "No snapshot named " + name + ".");
  std::lock_guard lk(mu_);
  return info_of(name);
}

Result<std::vector<SnapshotInfo>> Snapshots::list() {
  std::lock_guard lk(mu_);
  std::vector<SnapshotInfo> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    const auto& p = it->path();
    if (p.extension() != ".db") continue;
    std::string name = p.stem().string();
    if (!check_name(name)) continue;  // the first-start state, a partial save
    if (auto info = info_of(name)) out.push_back(std::move(*info));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

slab5::Status Snapshots::remove(const std::string& name) {
  if (auto s = check_name(name); !s) return slab5::fail("resource_not_found", "No snapshot named " + name + ".");
  std::lock_guard lk(mu_);
  std::error_code ec;
  if (!fs::remove(file_of(name), ec)) return slab5::fail("resource_not_found", "No snapshot named " + name + ".");
  fs::remove(dir_ + "/" + name + ".json", ec);
  return {};
}

void Snapshots::save_first_start(Db& live) {
  std::lock_guard lk(mu_);
  ensure_dir();
  save_database_copy(live, file_of(std::string(kFirstStart)));
}

slab5::Status Snapshots::restore_first_start(Conn& conn) {
  auto db = snapshot_db(conn);
  if (!db) return tl::unexpected(db.error());
  Db& live = **db;
  std::lock_guard lk(mu_);
  std::string file = file_of(std::string(kFirstStart));
  std::error_code ec;
  if (!fs::exists(file, ec))
    return slab5::fail("conflict",
                       "This database has no recorded first-start state (it was created by an earlier slab5d, or "
                       "the file " +
                           file + " was removed), so it cannot be reset.");
  restore_database_copy(live, file);
  migrate(live);  // a first-start state saved by an earlier slab5d is brought to this one's schema
  return {};
}

void Snapshots::remove_all() {
  std::lock_guard lk(mu_);
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

}  // namespace slab5d
