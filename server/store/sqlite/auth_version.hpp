// The auth version: one value in the database that moves with every commit that may change
// what authentication reads (credentials, workspaces, members, users, sessions, signing keys),
// and with no other.
//
// Each I/O thread caches credential, workspace, session and role lookups (credential_cache.hpp)
// and checks on every request whether any connection committed since (Db::changed_since).
// Most commits are app-plane writes (a contact, its audit row, usage row and event), which
// leave every cached lookup true; emptying the caches for them made every I/O thread read its
// credential and workspace again after each group commit. So a commit now empties them only
// when this value moved.
//
// The value lives in the one row of `auth_version` and is moved by triggers, so a change made
// by any connection is counted: another thread's, another slab5d process's, the sqlite3
// shell's. Every table gets the triggers except the ones named in kLeavesAuthAlone and the
// app-plane tables of the resource table (with their text indexes): a table added later is
// covered until it is named here. Each trigger sets a new random 64-bit value rather than
// adding one, so a restored snapshot that brings back an old value cannot make a stale cache
// look current.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/sqlite/db.hpp"

namespace slab5d {

// The tables whose triggers move the auth version, as the database is now: every table but
// SQLite's own, auth_version itself, the append-only and queue tables of the write path, the
// app-plane tables and every virtual table with its shadow tables.
std::vector<std::string> auth_version_tables(Db& db);

// Creates the auth_version row if missing and brings the triggers in line with
// auth_version_tables(): three per table (insert, update, delete), made where missing, dropped
// where no longer wanted. Runs after the migrations at every start; cheap when nothing changed.
void sync_auth_version(Db& db);

// The current value, or nullopt when the database has none (a database never synced, or a
// row deleted by hand): callers must then treat every commit as a change.
std::optional<std::int64_t> read_auth_version(Db& db);

}  // namespace slab5d
