// Cursor pagination (api.md §1), the web side of it: ?limit= and ?cursor= read into a
// PageRequest for the rules, and a Page's next position written back as an opaque,
// tamper-evident cursor bound to one route and one set of filters. A cursor carries the
// position of the last item of the page and an HMAC over it, the route and the filters,
// keyed with a per-database secret.
#pragma once
#include <optional>
#include <string>

#include "app.hpp"
#include "domain/page.hpp"
#include "slab5/error.hpp"

namespace slab5d {

// ?name= percent-decoded, or nullopt when absent: the one place handlers read a raw query value.
inline std::optional<std::string> query_value(const Ctx& ctx, std::string_view name) { return ctx.query(name); }

// Reads ?limit= and ?cursor= for this route; `filters` is a canonical string of the
// request's filters (e.g. "status=active"), so a cursor from other filters is refused.
slab5::Result<PageRequest> read_page_request(Ctx& ctx, const std::string& filters);
// The cursor for the page after one ending at position `last`.
std::string make_cursor(Ctx& ctx, const std::string& filters, const std::string& last);

// The same for a list that is not this request's route (an MCP tool): `limit` and `cursor` as
// the caller gave them, and `scope` ("mcp search_contacts") naming the list a cursor is bound to.
slab5::Result<PageRequest> read_page_request(Ctx& ctx, const std::string& filters,
                                             const std::optional<std::string>& limit,
                                             const std::optional<std::string>& cursor, const std::string& scope);
std::string make_cursor(Ctx& ctx, const std::string& filters, const std::string& last, const std::string& scope);

// The page's items as a list reply, with the cursor of the next page when there is one.
template <class T, class ToJson>
Reply page_reply(Ctx& ctx, const Page<T>& page, const std::string& filters, ToJson&& to_json) {
  Reply r = Reply::ok(slab5::Json::array());
  for (const auto& item : page.items) r.data.push_back(to_json(item));
  if (page.next_after) r.next_cursor = make_cursor(ctx, filters, *page.next_after);
  return r;
}

// The parts that need no database (the fuzz target tests/fuzz/fuzz_cursor.cpp drives them):
// `binding` is "METHOD pattern\nworkspace\nfilters", `key` the database's cursor key.
std::string cursor_mac(const std::string& key, const std::string& binding, const std::string& last_id);
// The position a cursor carries, or nullopt when it is malformed or not made for this binding.
std::optional<std::string> open_cursor(const std::string& cursor, const std::string& key, const std::string& binding);
// ?limit=: a whole number from 1 to 100.
slab5::Result<int> parse_page_limit(const std::string& text);

}  // namespace slab5d
