// What turns a stored row into the value a store returns, where that value is what the API
// shows (an audit row, an event): written once for both backends so that they cannot answer
// differently. `Row` is SQLite's Query at its current row or PostgreSQL's PgRow: text(col),
// opt_text(col), integer(col), is_null(col). The column lists are the order those reads assume.
#pragma once
#include <optional>
#include <string>

#include "slab5/json_util.hpp"

namespace slab5d {

// SELECT kAuditColumns FROM audit_events …
inline constexpr const char* kAuditColumns =
    "id, workspace_id, tenant_id, action, actor_type, actor_id, target_type, target_id, source, route, status, "
    "request_id, correlation_id, ip, user_agent, input_hash, before_json, after_json, created_at";

// The stored JSON text as a value; null when absent or not JSON.
inline slab5::Json stored_json_or_null(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  auto j = slab5::Json::parse(*text, nullptr, false);
  return j.is_discarded() ? slab5::Json(nullptr) : j;
}

template <class Row>
slab5::Json audit_event_from_row(const Row& r) {
  auto text_or_null = [](const std::optional<std::string>& s) { return s ? slab5::Json(*s) : slab5::Json(nullptr); };
  std::string target_type = r.text(6);
  return {
      {"id", r.text(0)},
      {"workspace_id", text_or_null(r.opt_text(1))},
      {"tenant_id", text_or_null(r.opt_text(2))},
      {"action", r.text(3)},
      {"actor", {{"type", r.text(4)}, {"id", r.text(5)}}},
      {"target", target_type.empty() ? slab5::Json(nullptr) : slab5::Json{{"type", target_type}, {"id", r.text(7)}}},
      {"source", r.text(8)},
      {"route", r.text(9)},
      {"status", r.integer(10)},
      {"request_id", r.text(11)},
      {"correlation_id", r.text(12)},
      {"ip", r.text(13)},
      {"user_agent", r.text(14)},
      {"input_hash", r.text(15)},
      {"before", stored_json_or_null(r.opt_text(16))},
      {"after", stored_json_or_null(r.opt_text(17))},
      {"created_at", r.text(18)}};
}

// The audit_events row id of an event id ("evt_X" is row "aud_X", migration 10, both backends).
// Other text (an audit event's id among it) names no row: it is kept behind a character no id
// starts with; "" stays "" (before every id).
inline std::string event_row_id(const std::string& event_id) {
  if (event_id.starts_with("evt_")) return "aud_" + event_id.substr(4);
  return event_id.empty() ? event_id : "~" + event_id;
}

// SELECT kEventColumns FROM events …
inline constexpr const char* kEventColumns = "id, type, created_at, workspace_id, data, previous, request_id";

template <class Row>
slab5::Json event_from_row(const Row& r) {
  slab5::Json e = {{"id", r.text(0)}, {"type", r.text(1)}, {"created_at", r.text(2)}, {"workspace_id", r.text(3)}};
  auto data = slab5::Json::parse(r.text(4), nullptr, false);
  e["data"] = data.is_discarded() ? slab5::Json::object() : data;
  if (!r.is_null(5)) {
    auto prev = slab5::Json::parse(r.text(5), nullptr, false);
    if (!prev.is_discarded()) e["previous"] = prev;
  }
  e["request_id"] = r.is_null(6) ? slab5::Json(nullptr) : slab5::Json(r.text(6));
  return e;
}

}  // namespace slab5d
