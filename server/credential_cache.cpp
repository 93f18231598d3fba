#include "credential_cache.hpp"

#include <atomic>
#include <optional>
#include <unordered_map>

#include "domain/store_result.hpp"
#include "slab5/json_writer.hpp"
#include "slab5/time.hpp"
#include "store/credential_store.hpp"

namespace slab5d::credential_cache {
namespace {

// Entries per thread before the cache starts over; far above any realistic working set.
constexpr std::size_t kMaxEntries = 4096;

struct CachedWorkspace {
  Workspace workspace;
  std::string json;  // workspace.to_json() as the envelope writes it
};

struct ThreadCache {
  std::uint64_t generation = 0;
  Conn* db = nullptr;
  ChangeMark mark;                                                // the database as of the last check
  std::optional<std::int64_t> auth_version;                       // Conn::auth_version() as of the last check
  std::uint64_t replaced = 0;                                     // g_replaced as of the last check
  std::uint64_t epoch = 0;                                        // moves with every commit seen
  std::uint64_t auth_epoch = 0;                                   // moves whenever the lookups below are dropped
  std::unordered_map<std::string, CachedCredential> credentials;  // by token hash
  std::unordered_map<std::string, CachedWorkspace> workspaces;    // by id

  void forget_lookups() {
    credentials.clear();
    workspaces.clear();
    ++auth_epoch;
  }
};

// Moved by invalidate_all(); each thread empties its cache when it sees it move.
std::atomic<std::uint64_t> g_replaced{0};

ThreadCache& cache() {
  thread_local ThreadCache c;
  return c;
}

}  // namespace

void validate(std::uint64_t generation, Conn& db) {
  ThreadCache& c = cache();
  if (c.generation != generation || c.db != &db) {
    c.forget_lookups();
    ++c.epoch;
    c.generation = generation;
    c.db = &db;
    c.mark = {};
    c.auth_version.reset();
  }
  bool changed = db.changed_since(c.mark);
  bool replaced = false;
  if (auto r = g_replaced.load(std::memory_order_acquire); r != c.replaced) {
    c.replaced = r;
    replaced = true;
  }
  if (!changed && !replaced) return;
  ++c.epoch;
  // A commit that left the auth version where it was (an app-plane write, its audit, usage and
  // event rows) changed nothing looked up here. The version is the one of the mark's state
  // (handed on by this process's own commit, Db::auth_version_at) or a later one (read after
  // the mark was taken), and it is taken before anything is looked up again, so a lookup is
  // never older than the version it is kept under: a change racing with this check is seen by
  // the next one.
  auto version = db.auth_version_at(c.mark);
  if (replaced || !version || version != c.auth_version) c.forget_lookups();
  c.auth_version = version;
}

CachedCredential* find(std::uint64_t generation, Conn& db, const std::string& token_hash) {
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

namespace {
const CachedWorkspace* cached_workspace(std::uint64_t generation, Conn& db, const std::string& workspace_id) {
  ThreadCache& c = cache();
  if (c.generation != generation || c.db != &db) validate(generation, db);
  if (auto it = c.workspaces.find(workspace_id); it != c.workspaces.end()) return &it->second;
  auto ws = find_workspace(db, workspace_id);
  if (!ws) return nullptr;
  if (c.workspaces.size() >= kMaxEntries) c.workspaces.clear();
  CachedWorkspace e;
  slab5::append_json(e.json, ws->to_json());
  e.workspace = std::move(*ws);
  return &c.workspaces.emplace(workspace_id, std::move(e)).first->second;
}
}  // namespace

const Workspace* workspace(std::uint64_t generation, Conn& db, const std::string& workspace_id) {
  auto* e = cached_workspace(generation, db, workspace_id);
  return e ? &e->workspace : nullptr;
}

const std::string* workspace_json(std::uint64_t generation, Conn& db, const std::string& workspace_id) {
  auto* e = cached_workspace(generation, db, workspace_id);
  return e ? &e->json : nullptr;
}

std::uint64_t epoch() { return cache().epoch; }

std::uint64_t auth_epoch() { return cache().auth_epoch; }

void invalidate_all() { g_replaced.fetch_add(1, std::memory_order_acq_rel); }

void touch(std::uint64_t /*generation*/, Conn& db, CachedCredential& e, std::int64_t now_ms) {
  if (e.last_used_ms != 0 && now_ms - e.last_used_ms < 60000) return;
  // This write moves the auth version, so the cache is emptied on the next validate(); the
  // credential is read again with its new last_used_at.
  value_or_throw(db.credentials().touch(e.credential.id, slab5::format_rfc3339(now_ms)));
  e.last_used_ms = now_ms;
}

}  // namespace slab5d::credential_cache
