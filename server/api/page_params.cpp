#include "api/page_params.hpp"

#include <charconv>
#include <mutex>

#include "slab5/crypto.hpp"
#include "slab5/encoding.hpp"
#include "store/meta_store.hpp"

namespace slab5d {
namespace {
// The key is created once per database and cached per process.
std::string cursor_key(Conn& db) {
  static std::mutex mu;
  static std::string cached_path, cached_key;
  std::lock_guard lock(mu);
  if (cached_path == db.database_id() && !cached_key.empty()) return cached_key;
  MetaStore& meta = (db).meta();
  auto key = meta.get_or_insert("cursor_key", slab5::hex_encode(slab5::random_bytes(32)));
  if (!key) throw std::runtime_error("the cursor key cannot be read: " + key.error().effective_message());
  cached_path = db.database_id();
  return cached_key = *key;
}

// What a cursor is bound to: the route (or the list's scope), the workspace and the filters.
std::string binding(Ctx& ctx, const std::string& scope, const std::string& filters) {
  return scope + "\n" + ctx.who.workspace_id + "\n" + filters;
}
std::string route_scope(Ctx& ctx) { return ctx.route.method + " " + ctx.route.pattern; }
}  // namespace

std::string cursor_mac(const std::string& key, const std::string& binding, const std::string& last_id) {
  return slab5::base64url_encode(slab5::hmac_sha256(key, binding + "\n" + last_id).substr(0, 16));
}

std::optional<std::string> open_cursor(const std::string& cursor, const std::string& key, const std::string& binding) {
  // cursor = base64url(last_id) "." mac
  auto dot = cursor.find('.');
  if (dot == std::string::npos) return std::nullopt;
  auto id = slab5::base64url_decode(cursor.substr(0, dot));
  if (!id || !slab5::constant_time_equal(cursor.substr(dot + 1), cursor_mac(key, binding, *id))) return std::nullopt;
  return id;
}

slab5::Result<int> parse_page_limit(const std::string& text) {
  int v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v < 1 || v > 100)
    return slab5::fail("invalid_request", "limit must be a whole number from 1 to 100.");
  return v;
}

slab5::Result<PageRequest> read_page_request(Ctx& ctx, const std::string& filters) {
  return read_page_request(ctx, filters, query_value(ctx, "limit"), query_value(ctx, "cursor"), route_scope(ctx));
}

slab5::Result<PageRequest> read_page_request(Ctx& ctx, const std::string& filters,
                                             const std::optional<std::string>& limit,
                                             const std::optional<std::string>& cursor, const std::string& scope) {
  PageRequest p;
  if (limit) {
    auto v = parse_page_limit(*limit);
    if (!v) return tl::unexpected(v.error());
    p.limit = *v;
  }
  if (cursor) {
    auto id = open_cursor(*cursor, cursor_key(ctx.db), binding(ctx, scope, filters));
    if (!id) return slab5::fail("invalid_request", "The cursor is not valid for this route and these filters.");
    p.after = std::move(*id);
  }
  return p;
}

std::string make_cursor(Ctx& ctx, const std::string& filters, const std::string& last) {
  return make_cursor(ctx, filters, last, route_scope(ctx));
}

std::string make_cursor(Ctx& ctx, const std::string& filters, const std::string& last, const std::string& scope) {
  return slab5::base64url_encode(last) + "." + cursor_mac(cursor_key(ctx.db), binding(ctx, scope, filters), last);
}

}  // namespace slab5d
