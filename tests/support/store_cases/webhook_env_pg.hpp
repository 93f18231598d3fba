// WebhookEnv on PostgreSQL: a fresh database on the test server (pg_test_db.hpp), migrated,
// and the PostgreSQL stores on one connection to it.
#pragma once
#include <memory>
#include <vector>

#include "pg_test_db.hpp"
#include "store/postgres/event_store.hpp"
#include "store/postgres/migrations.hpp"
#include "store/postgres/webhook_store.hpp"
#include "store_cases/webhook_env.hpp"

namespace slab5d::store_cases {

class PgWebhookEnv final : public WebhookEnv {
 public:
  PgWebhookEnv() {
    (void)pg_migrate(*conn_);
    add_workspaces();
  }
  ~PgWebhookEnv() override {
    while (!txs_.empty()) txs_.pop_back();  // innermost first
  }
  EventStore& events() override { return events_; }
  WebhookStore& webhooks() override { return webhooks_; }
  void exec(const std::string& sql) override { conn_->exec_script(sql); }
  void begin() override { txs_.push_back(std::make_unique<PgTx>(*conn_)); }
  void commit() override {
    txs_.back()->commit();
    txs_.pop_back();
  }
  void rollback() override { txs_.pop_back(); }
  const testing::PgTestDb& db() const { return db_; }
  PgConn& conn() { return *conn_; }

 private:
  testing::PgTestDb db_;
  std::unique_ptr<PgConn> conn_ = db_.connect();
  PgEventStore events_{*conn_};
  PgWebhookStore webhooks_{*conn_};
  std::vector<std::unique_ptr<PgTx>> txs_;
};

}  // namespace slab5d::store_cases
