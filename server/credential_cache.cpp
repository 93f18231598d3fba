#include "credential_cache.hpp"

#include <sqlite3.h>

#include <unordered_map>

#include "slab5/time.hpp"

namespace slab5d::credential_cache {
namespace {

// Entries per thread before the cache starts over; far above any realistic working set.
constexpr std::size_t kMaxEntries = 4096;

struct ThreadCache {
  std::uint64_t generation = 0;
  Db* db = nullptr;
  std::int64_t data_version = -1;
  std::int64_t own_changes = -1;
  std::unordered_map<std::string, CachedCredential> credentials;  // by token hash
  std::unordered_map<std::string, Workspace> workspaces;          // by id

  void clear() {
    credentials.clear();
    workspaces.clear();
  }
};

ThreadCache& cache() {
  thread_local ThreadCache c;
  return c;
}

std::int64_t data_version(Db& db) {
  auto q = db.query("PRAGMA data_version");
  q.next();
  return q.integer(0);
}

}  // namespace

void validate(std::uint64_t generation, Db& db) {
  ThreadCache& c = cache();
  if (c.generation != generation || c.db != &db) {
    c.clear();
    c.generation = generation;
    c.db = &db;
    c.data_version = -1;
  }
  std::int64_t dv = data_version(db);
  std::int64_t own = sqlite3_total_changes64(db.handle());
  if (dv != c.data_version || own != c.own_changes) {
    c.clear();
    c.data_version = dv;
    c.own_changes = own;
  }
}

CachedCredential* find(std::uint64_t generation, Db& db, const std::string& token_hash) {
  ThreadCache& c = cache();
  if (c.generation != generation || c.db != &db) validate(generation, db);
  if (auto it = c.credentials.find(token_hash); it != c.credentials.end()) return &it->second;
  auto cred = find_credential_by_hash(db, token_hash);
  if (!cred) return nullptr;  // unknown tokens are not remembered: a miss is one indexed lookup
  if (c.credentials.size() >= kMaxEntries) c.credentials.clear();
  CachedCredential e;
  if (cred->expires_at) e.expires_at_ms = slab5::parse_rfc3339(*cred->expires_at).value_or(0);
  if (cred->last_used_at) e.last_used_ms = slab5::parse_rfc3339(*cred->last_used_at).value_or(0);
  e.credential = std::move(*cred);
  return &c.credentials.emplace(token_hash, std::move(e)).first->second;
}

const Workspace* workspace(std::uint64_t generation, Db& db, const std::string& workspace_id) {
  ThreadCache& c = cache();
  if (c.generation != generation || c.db != &db) validate(generation, db);
  if (auto it = c.workspaces.find(workspace_id); it != c.workspaces.end()) return &it->second;
  auto ws = find_workspace(db, workspace_id);
  if (!ws) return nullptr;
  if (c.workspaces.size() >= kMaxEntries) c.workspaces.clear();
  return &c.workspaces.emplace(workspace_id, std::move(*ws)).first->second;
}

void touch(std::uint64_t generation, Db& db, CachedCredential& e, std::int64_t now_ms) {
  if (e.last_used_ms != 0 && now_ms - e.last_used_ms < 60000) return;
  std::string when = slab5::format_rfc3339(now_ms);
  db.query("UPDATE credentials SET last_used_at = ? WHERE id = ?", when, e.credential.id).run();
  ThreadCache& c = cache();
  if (c.generation != generation || c.db != &db) return;
  // This connection's own write: remember it without dropping the cache.
  e.last_used_ms = now_ms;
  e.credential.last_used_at = std::move(when);
  c.own_changes = sqlite3_total_changes64(db.handle());
}

}  // namespace slab5d::credential_cache
