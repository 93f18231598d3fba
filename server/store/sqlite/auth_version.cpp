#include "store/sqlite/auth_version.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <set>
#include <string_view>

#include "slab5/api/resources.hpp"

namespace slab5d {
namespace {

// Tables whose rows authentication never reads, written by (nearly) every request or by the
// background workers: a change to one leaves every cached credential, workspace, session and
// role true. Naming a table here is a claim about every read of the credential cache and
// session cache (credential_cache.cpp, App::authenticate); a table not named is covered.
constexpr std::array<std::string_view, 8> kLeavesAuthAlone = {
    "auth_version",        // the value itself
    "audit_events",        // append-only trail, with each change's event and usage event
    "usage_event_rows",    // the other usage events
    "webhook_outbox",      // events owed to endpoints
    "webhook_deliveries",  // delivery attempts
    "inbound_messages",    // webhook payloads received
    "idempotency_keys",    // stored responses
    "text_index_pending",  // the app-plane text-index queue
};

constexpr std::array<std::string_view, 3> kOps = {"insert", "update", "delete"};

std::string trigger_name(const std::string& table, std::string_view op) {
  return "auth_version_" + table + "_" + std::string(op);
}

std::string quoted(const std::string& name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string trigger_sql(const std::string& table, std::string_view op) {
  std::string upper(op);
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return char(std::toupper(c)); });
  return "CREATE TRIGGER " + quoted(trigger_name(table, op)) + " AFTER " + upper + " ON " + quoted(table) +
         " BEGIN UPDATE auth_version SET v = random() WHERE id = 1; END";
}

// Every trigger wanted, by name, with its SQL.
std::map<std::string, std::string> wanted_triggers(Db& db) {
  std::map<std::string, std::string> out;
  for (const auto& t : auth_version_tables(db))
    for (auto op : kOps) out.emplace(trigger_name(t, op), trigger_sql(t, op));
  return out;
}

// The auth_version triggers the database has, by name, with their SQL.
std::map<std::string, std::string> existing_triggers(Db& db) {
  std::map<std::string, std::string> out;
  auto q = db.query(
      "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND name LIKE 'auth\\_version\\_%' "
      "ESCAPE '\\'");
  while (q.next()) out.emplace(q.text(0), q.text(1));
  return out;
}

bool has_table(Db& db) {
  auto q = db.query("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'auth_version'");
  return q.next();
}

}  // namespace

std::vector<std::string> auth_version_tables(Db& db) {
  std::set<std::string> skip(kLeavesAuthAlone.begin(), kLeavesAuthAlone.end());
  for (const auto& spec : slab5::api::resource_table()) skip.insert(spec.table_name());
  std::vector<std::string> virtual_tables;
  std::vector<std::pair<std::string, std::string>> tables;
  {
    auto q = db.query(
        "SELECT name, coalesce(sql, '') FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE "
        "'sqlite\\_%' ESCAPE '\\' ORDER BY name");
    while (q.next()) tables.emplace_back(q.text(0), q.text(1));
  }
  for (const auto& [name, sql] : tables)
    if (sql.rfind("CREATE VIRTUAL TABLE", 0) == 0) virtual_tables.push_back(name);
  std::vector<std::string> out;
  for (const auto& table : tables) {
    const std::string& name = table.first;  // named, not bound: a lambda below captures it
    if (skip.contains(name)) continue;
    // A virtual table takes no trigger; its shadow tables (`<name>_data`, …) are its own.
    bool is_virtual_or_shadow = std::any_of(virtual_tables.begin(), virtual_tables.end(), [&](const std::string& v) {
      return name == v || (name.size() > v.size() && name.compare(0, v.size(), v) == 0 && name[v.size()] == '_');
    });
    if (!is_virtual_or_shadow) out.push_back(name);
  }
  return out;
}

void sync_auth_version(Db& db) {
  if (has_table(db) && read_auth_version(db) && existing_triggers(db) == wanted_triggers(db)) return;
  Tx tx(db);
  db.exec("CREATE TABLE IF NOT EXISTS auth_version (id INTEGER PRIMARY KEY CHECK (id = 1), v INTEGER NOT NULL)");
  db.exec("INSERT OR IGNORE INTO auth_version (id, v) VALUES (1, random())");
  auto wanted = wanted_triggers(db);  // re-read under the write lock
  for (const auto& [name, sql] : existing_triggers(db)) {
    auto it = wanted.find(name);
    if (it == wanted.end() || it->second != sql) db.exec("DROP TRIGGER " + quoted(name));
  }
  auto have = existing_triggers(db);
  for (const auto& [name, sql] : wanted)
    if (!have.contains(name)) db.exec(sql);
  // Whatever a cache holds was read before the triggers were complete.
  db.exec("UPDATE auth_version SET v = random() WHERE id = 1");
  tx.commit();
}

std::optional<std::int64_t> read_auth_version(Db& db) {
  try {
    auto q = db.query("SELECT v FROM auth_version WHERE id = 1");
    if (q.next()) return q.integer(0);
  } catch (const DbError&) {  // no such table: a database never synced
  }
  return std::nullopt;
}

}  // namespace slab5d
