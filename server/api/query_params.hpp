// Query-string helpers shared by the list routes: time filters ("since=1h" or RFC 3339),
// the canonical filter string a cursor is bound to, and turning limit+1 rows into a page.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/page_params.hpp"
#include "app.hpp"
#include "slab5/time.hpp"

namespace slab5d {

// ?name= as RFC 3339 (normalised to milliseconds UTC), or absent. A bad value is 400.
inline slab5::Result<std::optional<std::string>> time_param(Ctx& ctx, const char* name, slab5::Millis now) {
  auto raw = ctx.query(name);
  if (!raw) return std::optional<std::string>{};
  auto t = slab5::parse_time_or_ago(*raw, now);
  if (!t)
    return slab5::fail("invalid_request",
                       std::string(name) + " must be an RFC 3339 time or a duration like 15m, 1h or 7d.");
  return std::optional<std::string>{slab5::format_rfc3339(*t)};
}

// ?name= as given, or absent; an empty value counts as absent.
inline std::optional<std::string> text_param(Ctx& ctx, const char* name) {
  auto v = ctx.query(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

// "a=1&b=2" from the raw values of the named parameters, so a cursor only fits the same filters.
// Raw values (not resolved times) keep "since=1h" cursors valid from one page to the next.
inline std::string canonical_filters(Ctx& ctx, std::initializer_list<const char*> names) {
  std::string out;
  for (const char* n : names) {
    auto v = ctx.query(n);
    out += n;
    out += '=';
    if (v) out += *v;
    out += '&';
  }
  return out;
}

// Lists fetch limit+1 rows; the extra one proves another page exists.
template <class T>
Reply page_reply(Ctx& ctx, std::vector<T> rows, int limit, const std::string& filters,
                 const std::function<std::string(const T&)>& key_of,
                 const std::function<slab5::Json(const T&)>& to_json) {
  Reply r = Reply::ok(slab5::Json::array());
  bool more = int(rows.size()) > limit;
  if (more) rows.resize(std::size_t(limit));
  for (const auto& row : rows) r.data.push_back(to_json(row));
  if (more && !rows.empty()) r.next_cursor = make_cursor(ctx, filters, key_of(rows.back()));
  return r;
}

}  // namespace slab5d
