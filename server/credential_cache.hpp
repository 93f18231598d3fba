// In-memory cache of credential and workspace lookups for the request hot path.
//
// Each I/O thread keeps its own cache next to its own SQLite connection, so lookups take no
// lock. Every use first checks that the database has not changed since the cache was
// filled (Conn::changed_since: the WAL-index header that every connection — another thread's,
// another slab5d process's, the sqlite3 shell's, this one's — rewrites on commit). When it has,
// the cache is emptied if the commit may have changed what is looked up here: when the auth
// version moved (Conn::auth_version, store/sqlite/auth_version.hpp), or always on a backend
// that keeps none. So a revocation anywhere is seen by the very next request, while the app-plane
// writes that make up most commits leave the lookups in place. A miss costs one indexed lookup.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "domain/credentials.hpp"
#include "domain/workspaces.hpp"
#include "store/conn.hpp"

namespace slab5d {

struct CachedCredential {
  Credential credential;
  std::int64_t expires_at_ms = 0;  // 0: never
  std::int64_t last_used_ms = 0;   // 0: never used
};

namespace credential_cache {

// Checks whether the database changed since this thread's cache was filled, and empties the
// cache if so. Call once per request, before find() and workspace().
void validate(std::uint64_t generation, Conn& db);

// The credential whose token hashes to token_hash, or nullptr. The pointer stays valid until
// the next validate() on this thread. `generation` is the App's (App::generation()).
CachedCredential* find(std::uint64_t generation, Conn& db, const std::string& token_hash);

// The workspace, through the same cache.
const Workspace* workspace(std::uint64_t generation, Conn& db, const std::string& workspace_id);
// The same workspace serialised as its API object (Workspace::to_json()), made once per entry.
const std::string* workspace_json(std::uint64_t generation, Conn& db, const std::string& workspace_id);

// Counts the commits this thread has seen (at most one per validate()). A per-thread cache of
// anything a commit may change (records read) keeps the value it was filled at and starts
// over when it moves.
std::uint64_t epoch();
// Counts the times this thread's lookups were dropped. A per-thread cache of what
// authentication reads (sessions, roles) follows this one instead.
std::uint64_t auth_epoch();

// Empties every thread's cache on its next validate(): for a change that a commit may not
// show (the whole database replaced by a snapshot).
void invalidate_all();

// Records use at most once a minute per credential (the database is written only then).
void touch(std::uint64_t generation, Conn& db, CachedCredential& c, std::int64_t now_ms);

}  // namespace credential_cache
}  // namespace slab5d
