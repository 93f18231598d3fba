#include "store/sqlite/change_tracker.hpp"

// The preupdate hook is part of Debian's libsqlite3 (SQLITE_ENABLE_PREUPDATE_HOOK), and
// sqlite3.h declares it only when asked.
#define SQLITE_ENABLE_PREUPDATE_HOOK 1
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace slab5d {

namespace {
bool is_plain_path(const std::string& path) {
  return !path.empty() && path != ":memory:" && path.rfind("file:", 0) != 0;
}

// A JSON string, for a key column's text.
void append_json_string(std::string& out, const unsigned char* s, int n) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  for (int i = 0; i < n; ++i) {
    unsigned char c = s[i];
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += char(c);
    }
  }
  out += '"';
}

// The key of a WITHOUT ROWID row as a JSON array, from the preupdate values; false for a
// value a JSON array cannot carry exactly (a blob, a real), whose table is then copied whole.
bool key_json(sqlite3* db, bool old_row, const std::vector<int>& index, std::string& out) {
  out = "[";
  for (std::size_t i = 0; i < index.size(); ++i) {
    sqlite3_value* v = nullptr;
    int rc = old_row ? sqlite3_preupdate_old(db, index[i], &v) : sqlite3_preupdate_new(db, index[i], &v);
    if (rc != SQLITE_OK || !v) return false;
    if (i) out += ',';
    switch (sqlite3_value_type(v)) {
      case SQLITE_INTEGER:
        out += std::to_string(sqlite3_value_int64(v));
        break;
      case SQLITE_TEXT:
        append_json_string(out, sqlite3_value_text(v), sqlite3_value_bytes(v));
        break;
      case SQLITE_NULL:
        out += "null";
        break;
      default:
        return false;
    }
  }
  out += ']';
  return true;
}

std::int64_t schema_version(sqlite3* h, const char* schema) {
  std::string sql = std::string("PRAGMA ") + schema + ".schema_version";
  sqlite3_stmt* st = nullptr;
  std::int64_t v = -1;
  if (sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

template <class F>
bool each_row(sqlite3* h, const std::string& sql, F&& f) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    sqlite3_finalize(st);
    return false;
  }
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) f(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE;
}

std::string column_text(sqlite3_stmt* st, int col) {
  auto p = sqlite3_column_text(st, col);
  return p ? std::string(reinterpret_cast<const char*>(p), std::size_t(sqlite3_column_bytes(st, col))) : std::string();
}

std::string quoted(const std::string& name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

struct FileId {
  std::uint64_t dev = 0, ino = 0;
  std::int64_t size = 0, mtime_ns = 0;
  bool ok = false;
};
FileId file_id(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {std::uint64_t(st.st_dev), std::uint64_t(st.st_ino), std::int64_t(st.st_size),
          std::int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec, true};
}
}  // namespace

std::shared_ptr<ChangeTracker> ChangeTracker::for_path(const std::string& path) {
  if (!is_plain_path(path)) return nullptr;
  static std::mutex registry_mu;
  static std::unordered_map<std::string, std::weak_ptr<ChangeTracker>> registry;
  std::lock_guard lk(registry_mu);
  auto& slot = registry[path];
  // A forked child is another writer, with a lock and a count of its own.
  if (auto t = slot.lock(); t && t->pid_ == ::getpid()) return t;
  std::shared_ptr<ChangeTracker> t(new ChangeTracker(path));
  slot = t;
  return t;
}

ChangeTracker::ChangeTracker(std::string path) : path_(std::move(path)), pid_(::getpid()) {
  // The writers' lock beside the snapshots. Without it (a directory that cannot be written)
  // nothing is ever synced, and every restore copies the whole database.
  std::string dir = path_ + ".snapshots";
  std::error_code ec;
  if (std::filesystem::create_directories(dir, ec)) (void)::chmod(dir.c_str(), 0700);
  int fd = ::open((dir + "/writers").c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return;
  // Shared first, then counted: a process that a restore finds absent from the lock has
  // either left (and grown the file) or not yet written anything.
  int rc;
  while ((rc = ::flock(fd, LOCK_SH)) != 0 && errno == EINTR) {
  }
  const char one = '\n';
  if (rc != 0 || ::write(fd, &one, 1) != 1) {
    ::close(fd);
    return;
  }
  writers_fd_ = fd;
}

ChangeTracker::~ChangeTracker() {
  if (writers_fd_ >= 0) ::close(writers_fd_);
}

std::int64_t ChangeTracker::writers_alone() {
  if (writers_fd_ < 0) return -1;
  std::int64_t mark = -1;
  // Converting a flock is not atomic: a failed attempt may drop the shared lock, which is then
  // taken again.
  if (::flock(writers_fd_, LOCK_EX | LOCK_NB) == 0) {
    struct stat st {};
    if (::fstat(writers_fd_, &st) == 0) mark = std::int64_t(st.st_size);
  }
  while (::flock(writers_fd_, LOCK_SH) != 0 && errno == EINTR) {
  }
  return mark;
}

void ChangeTracker::watch(sqlite3* h) { sqlite3_preupdate_hook(h, &ChangeTracker::on_preupdate, this); }

void ChangeTracker::on_preupdate(void* self, sqlite3* db, int op, const char* db_name, const char* table,
                                 long long key1, long long key2) {
  auto* t = static_cast<ChangeTracker*>(self);
  if (!t->recording_.load(std::memory_order_relaxed)) return;
  if (std::strcmp(db_name, "main") != 0) return;
  t->note(db, op, table, key1, key2);
}

void ChangeTracker::note(sqlite3* db, int op, const char* table, std::int64_t key1, std::int64_t key2) {
  std::lock_guard lk(mu_);
  if (overflow_) return;
  std::string_view name(table);
  auto it = noted_.find(name);
  if (it == noted_.end()) it = noted_.emplace(std::string(name), Noted{}).first;
  Noted& n = it->second;
  if (n.whole) return;
  auto shape = shapes_.find(name);
  if (shape == shapes_.end()) {
    // A table not seen at the last sync (or before the first): its rows cannot be named here.
    n.whole = true;
  } else if (shape->second.without_rowid) {
    std::string key;
    bool ok = true;
    if (op != SQLITE_INSERT) {
      ok = key_json(db, true, shape->second.key_column_index, key);
      if (ok && n.keys.insert(key).second) ++noted_rows_;
    }
    if (ok && op != SQLITE_DELETE) {
      ok = key_json(db, false, shape->second.key_column_index, key);
      if (ok && n.keys.insert(key).second) ++noted_rows_;
    }
    if (!ok) n.whole = true;
  } else {
    if (n.rowids.insert(key1).second) ++noted_rows_;
    if (op == SQLITE_UPDATE && key2 != key1 && n.rowids.insert(key2).second) ++noted_rows_;
  }
  if (noted_rows_ > kMaxTrackedRows) {
    // The next restore copies everything; until a sync, writes skip the hook's work.
    overflow_ = true;
    recording_.store(false);
    noted_.clear();
    noted_rows_ = 0;
  }
}

void ChangeTracker::begin_sync() {
  std::lock_guard lk(mu_);
  synced_.reset();
  noted_.clear();
  noted_rows_ = 0;
  overflow_ = false;
  recording_.store(true);
}

void ChangeTracker::finish_sync(sqlite3* h, const std::string& copy) {
  std::int64_t writers = writers_alone();
  FileId id = file_id(copy);
  std::int64_t version = schema_version(h, "main");
  // The shape of every table, for naming WITHOUT ROWID rows by key and for copying rows back.
  std::unordered_map<std::string, TableShape, Hash, std::equal_to<>> shapes;
  bool ok = each_row(h,
                     "SELECT name, wr FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'shadow') "
                     "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
                     [&](sqlite3_stmt* st) {
                       TableShape s;
                       s.without_rowid = sqlite3_column_int(st, 1) != 0;
                       shapes.emplace(column_text(st, 0), std::move(s));
                     });
  for (auto& entry : shapes) {
    const std::string& name = entry.first;
    TableShape& s = entry.second;  // a reference the row callback can capture (not a structured binding)
    std::vector<std::pair<int, std::string>> key;  // (position in the key, column)
    std::string key_type;
    ok = ok && each_row(h, "SELECT name, pk, upper(type) FROM pragma_table_info(" + quoted(name) + ") ORDER BY cid",
                        [&](sqlite3_stmt* st) {
                          std::string col = column_text(st, 0);
                          if (int pk = sqlite3_column_int(st, 1); pk > 0) {
                            key.emplace_back(pk, col);
                            key_type = column_text(st, 2);
                            s.key_column_index.push_back(int(s.columns.size()));
                          }
                          s.columns.push_back(std::move(col));
                        });
    // Key columns in key order, their positions along.
    std::vector<std::size_t> order(key.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return key[a].first < key[b].first; });
    std::vector<int> index;
    for (auto i : order) {
      s.key_columns.push_back(key[i].second);
      index.push_back(s.key_column_index[i]);
    }
    s.key_column_index = std::move(index);
    // INTEGER PRIMARY KEY names the rowid itself.
    s.rowid_alias = !s.without_rowid && key.size() == 1 && key_type == "INTEGER";
  }
  std::lock_guard lk(mu_);
  shapes_ = std::move(shapes);
  if (!ok || writers < 0 || !id.ok || version < 0) {
    synced_.reset();
    recording_.store(false);
    noted_.clear();
    noted_rows_ = 0;
    return;
  }
  synced_ = Synced{.copy = copy,
                   .copy_dev = id.dev,
                   .copy_ino = id.ino,
                   .copy_size = id.size,
                   .copy_mtime_ns = id.mtime_ns,
                   .schema_version = version,
                   .writers_mark = writers};
}

void ChangeTracker::forget() {
  std::lock_guard lk(mu_);
  synced_.reset();
  recording_.store(false);
  noted_.clear();
  noted_rows_ = 0;
}

std::optional<std::vector<ChangeTracker::Table>> ChangeTracker::changes_since(sqlite3* h, const std::string& copy) {
  std::int64_t writers = writers_alone();
  FileId id = file_id(copy);
  std::int64_t version = schema_version(h, "main");
  std::lock_guard lk(mu_);
  if (!synced_ || overflow_ || synced_->copy != copy || !id.ok || id.dev != synced_->copy_dev ||
      id.ino != synced_->copy_ino || id.size != synced_->copy_size || id.mtime_ns != synced_->copy_mtime_ns ||
      version != synced_->schema_version || writers != synced_->writers_mark)
    return std::nullopt;
  std::vector<Table> out;
  for (auto& [name, n] : noted_) {
    auto shape = shapes_.find(name);
    if (shape == shapes_.end()) return std::nullopt;
    Table t{.name = name,
            .without_rowid = shape->second.without_rowid,
            .whole = n.whole,
            .rowid_alias = shape->second.rowid_alias,
            .columns = shape->second.columns,
            .key_columns = shape->second.key_columns};
    if (!n.whole) {
      t.rowids.assign(n.rowids.begin(), n.rowids.end());
      t.keys.assign(n.keys.begin(), n.keys.end());
    }
    out.push_back(std::move(t));
  }
  return out;
}

void ChangeTracker::restored() {
  std::lock_guard lk(mu_);
  noted_.clear();
  noted_rows_ = 0;
}

}  // namespace slab5d
