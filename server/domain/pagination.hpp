// Cursor pagination (api.md §1): opaque, tamper-evident cursors bound to one route and one
// set of filters. A cursor carries the last id of the page (ids sort by creation time) and
// an HMAC over it, the route and the filters, keyed with a per-database secret.
#pragma once
#include <optional>
#include <string>

#include "slab5/error.hpp"
#include "store/db.hpp"

namespace slab5d {

struct Ctx;

struct PageRequest {
  int limit = 25;                     // 1-100
  std::optional<std::string> after;   // the last id of the previous page (newest first: ids below it)
};

// Reads ?limit= and ?cursor= for this route; `filters` is a canonical string of the
// request's filters (e.g. "status=active"), so a cursor from other filters is refused.
slab5::Result<PageRequest> read_page_request(Ctx& ctx, const std::string& filters);
// The cursor for the page after one ending with `last_id`.
std::string make_cursor(Ctx& ctx, const std::string& filters, const std::string& last_id);

// The parts that need no database (the fuzz target tests/fuzz/fuzz_cursor.cpp drives them):
// `binding` is "METHOD pattern\nworkspace\nfilters", `key` the database's cursor key.
std::string cursor_mac(const std::string& key, const std::string& binding, const std::string& last_id);
// The last id a cursor carries, or nullopt when it is malformed or not made for this binding.
std::optional<std::string> open_cursor(const std::string& cursor, const std::string& key, const std::string& binding);
// ?limit=: a whole number from 1 to 100.
slab5::Result<int> parse_page_limit(const std::string& text);

}  // namespace slab5d
