// Seed fixtures (api.md §9.1): one JSON object whose keys are collections — users,
// workspaces, memberships, api_keys, mcp_clients, webhooks and one per app-plane resource
// (its route with '_' for '-': contacts, deal_stages, support_tickets) — each a list of
// objects with their own ids and references by id. `slab5d seed` and `serve --seed` load one;
// `slab5d export` writes one.
//
// A fixture is loaded whole or not at all: every entry is checked with the rules the API
// applies (the same validators, the same record rules), in one transaction, and a fixture
// with any bad entry changes nothing and names each bad entry and field ("contacts[3].email").
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "domain/passwords.hpp"
#include "domain/webhooks.hpp"
#include "slab5/error.hpp"
#include "slab5/json_util.hpp"
#include "store/conn.hpp"

namespace slab5d {

// Limits: a fixture file of at most 64 MiB, nested at most 32 deep, with at most 100,000
// entries in all; a bad fixture's answer lists at most 50 problems.
inline constexpr std::size_t kMaxFixtureBytes = 64u << 20;
inline constexpr int kMaxFixtureDepth = 32;
inline constexpr std::size_t kMaxFixtureEntries = 100000;
inline constexpr std::size_t kMaxFixtureProblems = 50;

// Parses a fixture file's text within the limits above (invalid_request when it is not JSON,
// too deep or too large).
slab5::Result<slab5::Json> parse_fixture(std::string_view text);

// Loads the fixture in one transaction; returns how many entries of each collection went in
// ({"users": 2, "contacts": 10}). validation_failed (field_errors naming "collection[i].field")
// leaves the database as it was. Passwords are hashed at `cost`; webhook endpoints' signing
// secrets are sealed under `webhooks.kek`, and their URLs checked as the server's
// --webhook-deny-private says.
slab5::Result<slab5::Json> load_fixture(Conn& db, const slab5::Json& fixture, const PasswordCost& cost,
                                        const WebhookSettings& webhooks);

// The whole state as a fixture. Secrets exist only as hashes, so users carry `password_hash`
// and credentials `secret_hash` and `prefix` instead of `password` and `secret`; load_fixture
// takes those back, so an export seeds an equal database. Webhook endpoints' signing secrets
// are sealed and are not written out at all: an exported endpoint has no `signing_secret`,
// and seeding it gives it a new one (slab5d export says so on stderr).
slab5::Json export_fixture(Conn& db);

}  // namespace slab5d
