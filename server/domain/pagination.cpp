#include "domain/pagination.hpp"

#include <charconv>
#include <mutex>

#include "app.hpp"
#include "slab5/crypto.hpp"
#include "slab5/encoding.hpp"

namespace slab5d {
namespace {
// The key is created once per database and cached per process.
std::string cursor_key(Db& db) {
  static std::mutex mu;
  static std::string cached_path, cached_key;
  std::lock_guard lock(mu);
  if (cached_path == db.path() && !cached_key.empty()) return cached_key;
  {
    auto q = db.query("SELECT value FROM meta WHERE key = 'cursor_key'");
    if (q.next()) {
      cached_path = db.path();
      return cached_key = q.text(0);
    }
  }
  db.query("INSERT OR IGNORE INTO meta (key, value) VALUES ('cursor_key', ?)",
           slab5::hex_encode(slab5::random_bytes(32)))
      .run();
  auto q = db.query("SELECT value FROM meta WHERE key = 'cursor_key'");
  q.next();
  cached_path = db.path();
  return cached_key = q.text(0);
}

std::string mac(Ctx& ctx, const std::string& filters, const std::string& last_id) {
  std::string msg = ctx.route.method + " " + ctx.route.pattern + "\n" + ctx.who.workspace_id + "\n" + filters + "\n" + last_id;
  return slab5::base64url_encode(slab5::hmac_sha256(cursor_key(ctx.db), msg).substr(0, 16));
}
}  // namespace

slab5::Result<PageRequest> read_page_request(Ctx& ctx, const std::string& filters) {
  PageRequest p;
  if (auto l = ctx.query("limit")) {
    int v = 0;
    auto [ptr, ec] = std::from_chars(l->data(), l->data() + l->size(), v);
    if (ec != std::errc() || ptr != l->data() + l->size() || v < 1 || v > 100)
      return slab5::fail("invalid_request", "limit must be a whole number from 1 to 100.");
    p.limit = v;
  }
  if (auto c = ctx.query("cursor")) {
    // cursor = base64url(last_id) "." mac
    auto dot = c->find('.');
    auto id = dot == std::string::npos ? std::nullopt : slab5::base64url_decode(c->substr(0, dot));
    if (!id || !slab5::constant_time_equal(c->substr(dot + 1), mac(ctx, filters, *id)))
      return slab5::fail("invalid_request", "The cursor is not valid for this route and these filters.");
    p.after = *id;
  }
  return p;
}

std::string make_cursor(Ctx& ctx, const std::string& filters, const std::string& last_id) {
  return slab5::base64url_encode(last_id) + "." + mac(ctx, filters, last_id);
}

}  // namespace slab5d
