// What the EventStore and WebhookStore cases (event_cases.hpp, webhook_cases.hpp) need of a
// backend: its two stores on one connection to a migrated database, setup SQL that SQLite and
// PostgreSQL read alike, and transactions (a savepoint inside an open one). The backends'
// environments: webhook_env_sqlite.hpp, webhook_env_pg.hpp.
#pragma once
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "store/event_store.hpp"
#include "store/webhook_store.hpp"

namespace slab5d::store_cases {

class WebhookEnv {
 public:
  virtual ~WebhookEnv() = default;
  virtual EventStore& events() = 0;
  virtual WebhookStore& webhooks() = 0;
  virtual void exec(const std::string& sql) = 0;  // statements without parameters or results
  virtual void begin() = 0;                       // a transaction, or a savepoint inside one
  virtual void commit() = 0;                      // the innermost
  virtual void rollback() = 0;                    // the innermost

  // Workspaces wrk_a and wrk_b of tenant ten_t.
  void add_workspaces() {
    exec("INSERT INTO tenants (id, name, created_at) VALUES ('ten_t', 't', '2026-01-01T00:00:00.000Z')");
    for (const char* ws : {"a", "b"})
      exec(std::string("INSERT INTO workspaces (id, tenant_id, slug, name, enabled_modules, created_at, updated_at) "
                       "VALUES ('wrk_") +
           ws + "', 'ten_t', '" + ws + "', '" + ws +
           "', '[]', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')");
  }
};

// A Result or Status that failed with `code`.
template <class R>
void check_fails(const R& r, const std::string& code) {
  REQUIRE_FALSE(r);
  CHECK(r.error().code == code);
}

}  // namespace slab5d::store_cases
