// WebhookEnv on SQLite: a migrated database file of its own and the SQLite stores on it.
#pragma once
#include <optional>
#include <vector>

#include "store/sqlite/event_store.hpp"
#include "store/sqlite/webhook_store.hpp"
#include "store_cases/webhook_env.hpp"
#include "temp_db.hpp"

namespace slab5d::store_cases {

class SqliteWebhookEnv final : public WebhookEnv {
 public:
  SqliteWebhookEnv() { add_workspaces(); }
  ~SqliteWebhookEnv() override {
    while (!txs_.empty()) txs_.pop_back();
  }
  EventStore& events() override { return events_; }
  WebhookStore& webhooks() override { return webhooks_; }
  void exec(const std::string& sql) override { t_.db->exec(sql); }
  void begin() override { txs_.push_back(std::make_unique<Tx>(*t_.db)); }
  void commit() override {
    txs_.back()->commit();
    txs_.pop_back();
  }
  void rollback() override { txs_.pop_back(); }

 private:
  testing::TempDb t_;
  SqliteEventStore events_{*t_.db};
  SqliteWebhookStore webhooks_{*t_.db};
  std::vector<std::unique_ptr<Tx>> txs_;
};

}  // namespace slab5d::store_cases
