// In-memory cache of credential and workspace lookups for the request hot path.
//
// Each I/O thread keeps its own cache next to its own SQLite connection, so lookups take no
// lock. Every use first checks that the database has not changed since the cache was
// filled (Conn::changed_since: the WAL-index header that every connection — another thread's,
// another slab5d process's, the sqlite3 shell's, this one's — rewrites on commit). Any commit
// empties the cache, so a revocation anywhere is seen by the very next request. Writes are
// rare next to reads; a miss costs one indexed lookup.
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

// Counts the times this thread's cache has been emptied. Another per-thread cache that must
// follow the same rule (any commit empties it) keeps the value it was filled at and starts
// over when it moves.
std::uint64_t epoch();

// Empties every thread's cache on its next validate(): for a change that a commit may not
// show (the whole database replaced by a snapshot).
void invalidate_all();

// Records use at most once a minute per credential (the database is written only then).
void touch(std::uint64_t generation, Conn& db, CachedCredential& c, std::int64_t now_ms);

}  // namespace credential_cache
}  // namespace slab5d
