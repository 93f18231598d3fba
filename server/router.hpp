// The routes slab5d serves: each entry of the route table (lib/slab5/routes.hpp) with its
// handler, and the matcher that finds the route of a request.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "http/message.hpp"
#include "slab5/error.hpp"
#include "slab5/json_util.hpp"
#include "slab5/routes.hpp"

namespace slab5d {

struct Ctx;

struct Reply {
  int status = 200;
  slab5::Json data;                        // wrapped as {"data": …, "request_id": …}
  std::optional<std::string> next_cursor;  // lists: present only when another page exists
  HeaderPairs headers;
  bool no_body = false;                  // 204
  std::optional<std::string> raw_body;   // sent as-is (JWKS, health, replays)
  std::optional<std::string> data_text;  // `data` already serialised (wrapped like data)
  std::string content_type = "application/json";
  std::optional<FileSlice> file;       // bytes of a file, sent as-is with content_type (asset downloads)
  std::shared_ptr<BodySource> stream;  // a body made as it goes, with content_type (the event stream)

  static Reply ok(slab5::Json d) { return Reply{200, std::move(d)}; }
  static Reply created(slab5::Json d) { return Reply{201, std::move(d)}; }
  static Reply no_content() {
    Reply r;
    r.status = 204;
    r.no_body = true;
    return r;
  }
};

using Handler = std::function<slab5::Result<Reply>(Ctx&)>;

// The route table itself is lib/slab5/routes.cpp: every route's id, method, pattern, access,
// module, scope, role, creates and blocking. A Route here is one table entry with the handler
// bound to it by id; the middleware reads the entry, handlers never re-check it.
using Access = slab5::Access;
using slab5::RouteEntry;

// What a route registration binds to a table entry.
struct RouteBinding {
  std::string_view id;  // the entry's id: "api_keys.create"
  Handler handler;
  // Called when the check order refuses the route for a missing scope, so routes whose
  // refusals must be audited (credential changes) can record them.
  std::function<void(Ctx&, const slab5::Error&)> on_scope_refused = {};
  // Runs before authentication; a refusal it returns is the answer (the MCP gateway's Origin
  // check: a DNS-rebinding page is refused whatever it sends).
  std::function<std::optional<slab5::Error>(Ctx&)> screen = {};
  // Called with any refusal of the check order (steps 1-5), to add what the route's protocol
  // wants beside it (the MCP gateway's WWW-Authenticate on a 401).
  std::function<void(Ctx&, const slab5::Error&)> on_refused = {};
  // For a route whose calls wait for the writer thread (write_batcher.hpp): work on the call
  // that needs no database, done on the I/O thread once the checks have let the call through,
  // and left in Ctx::prepared for the handler. It may leave nothing (the handler then does the
  // work itself, and reports what is wrong with the input).
  std::function<void(Ctx&)> prepare = {};
  // The handler reads the body itself (not necessarily a JSON object: JSON-RPC batches are
  // arrays and a parse error is the protocol's own answer).
  bool reads_own_body = false;
};

struct Route {
  Route(const RouteEntry& e, Handler h, std::function<void(Ctx&, const slab5::Error&)> refused)
      : entry(e), method(e.method), pattern(e.pattern), handler(std::move(h)), on_scope_refused(std::move(refused)) {}
  Route(const RouteEntry& e, RouteBinding&& b)
      : entry(e),
        method(e.method),
        pattern(e.pattern),
        handler(std::move(b.handler)),
        on_scope_refused(std::move(b.on_scope_refused)),
        screen(std::move(b.screen)),
        on_refused(std::move(b.on_refused)),
        prepare(std::move(b.prepare)),
        reads_own_body(b.reads_own_body) {}

  const RouteEntry& entry;     // the table row: every field the middleware reads
  const std::string& method;   // entry.method
  const std::string& pattern;  // entry.pattern
  Handler handler;
  std::function<void(Ctx&, const slab5::Error&)> on_scope_refused;
  std::function<std::optional<slab5::Error>(Ctx&)> screen;
  std::function<void(Ctx&, const slab5::Error&)> on_refused;
  std::function<void(Ctx&)> prepare;
  bool reads_own_body = false;
};

struct RouteMatch {
  const Route* route = nullptr;
  std::unordered_map<std::string, std::string> params;
  std::vector<std::string> allowed;  // when the path matched but the method did not
};

class Router {
 public:
  // Binds a handler to the table entry with this id. An id with no entry, or one bound
  // twice, is remembered and reported by check_complete().
  void bind(RouteBinding b);
  void bind(std::string_view id, Handler h) { bind(RouteBinding{id, std::move(h)}); }
  // After every registration: empty when each entry the server serves (`dev_routes`: with
  // the development routes) has exactly one handler and every handler an entry; otherwise
  // one line per problem. App's constructor throws with them, so slab5d does not start.
  std::vector<std::string> check_complete(bool dev_routes) const;
  // Throws std::runtime_error naming every problem check_complete() finds: slab5d's startup
  // error ("slab5d: error: the route table and the handlers disagree: …", exit 1).
  void require_complete(bool dev_routes) const;

  RouteMatch match(std::string_view method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  // Routes by segment count and second segment ("/v1/contacts/{id}" under 3 and "contacts";
  // a parameter there under "*"): a request is compared with the few routes of its bucket,
  // not with the whole table.
  static std::string bucket_key(std::size_t segments, std::string_view second);
  std::vector<Route> routes_;
  std::unordered_map<std::string, std::vector<std::size_t>> buckets_;  // indices into routes_
  std::vector<std::string> problems_;
};

}  // namespace slab5d
