// The one unit of work for writes: a transaction that takes the write lock, the changes made
// through the store, and for each change its audit row and its event (the outbox that the
// event log and webhook deliveries read), committed together or not at all.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "domain/actor.hpp"
#include "slab5/error.hpp"
#include "slab5/json_util.hpp"
#include "store/conn.hpp"

namespace slab5d {

struct Change {
  std::string action;       // audit action and event type: "contact.created", "lead.converted"
  std::string target_type;  // "contact"
  std::string target_id;
  std::optional<slab5::Json> before;  // the object before (absent on create)
  std::optional<slab5::Json> after;   // the object after (absent on delete)
  // Instead of `after`, for a change that answers with the object: the object after, already
  // serialized with its secrets removed. The audit row and the event store this text, so the
  // object is neither copied nor serialized again for them.
  std::shared_ptr<const std::string> after_text;
  int status = 200;                // the status the caller answers with
  bool emit_event = true;          // false for changes no event stream carries
  bool credential_action = false;  // also a `credential_action` usage event (api.md §7)
  // Who the audit row (and event) names and the workspace it lands in, when not the unit's
  // actor: a sign-in is recorded as the user signing in, in the workspace of their session.
  // Usage stays the unit's actor's.
  std::optional<Actor> actor;
};

class WriteUnit {
 public:
  // BEGIN IMMEDIATE. `actor` and `meta` must outlive the unit: commit() marks its usage as
  // recorded.
  WriteUnit(Conn& db, const Actor& actor, const RequestMeta& meta);
  // For a unit whose first write is the only one that may be refused (a record inserted or
  // updated, then its audit row, event and usage): no savepoint of its own inside a write
  // batch on SQLite (TxState::first_write_decides).
  WriteUnit(Conn& db, const Actor& actor, const RequestMeta& meta, FirstWriteDecides);
  // `actor` is kept by reference, not copied (a copy per write, on the writer thread): it must
  // outlive the unit, so a temporary is refused.
  WriteUnit(Conn& db, Actor&& actor, const RequestMeta& meta) = delete;
  WriteUnit(Conn& db, Actor&& actor, const RequestMeta& meta, FirstWriteDecides) = delete;
  WriteUnit(const WriteUnit&) = delete;
  WriteUnit& operator=(const WriteUnit&) = delete;

  Conn& db() { return db_; }
  const Actor& actor() const { return actor_; }
  // Writes the audit row and, unless told otherwise, the event; returns the event id ("" when
  // none). The event's data is the object after the change (before it for deletes), and
  // `previous` the changed fields' old values.
  std::string record(const Change& change);
  // Writes the call's usage event (api.md §7: an `api_request` with the first change's
  // status, and a `credential_action` for each change that is one) and commits; nothing
  // recorded is visible before, and all of it after.
  slab5::Status commit();

 private:
  Conn& db_;
  void record_usage(const std::string& kind, int status, std::string id = {});  // a new id when none
  bool metered() const;  // the unit's calls are metered: a credential of a workspace
  const Actor& actor_;
  const RequestMeta& meta_;
  Tx tx_;
  std::optional<int> first_status_;
  int credential_actions_ = 0;
  bool usage_in_audit_ = false;  // the call's usage event is in its first change's audit row
  std::string usage_id_;         // the call's usage event's id: its first change's audit id, as "use_"
  int events_ = 0;               // events written: the event streams are woken after the commit
  int deliveries_ = 0;           // outbox rows written: the delivery worker is woken after the commit
};

// The fields of `after` whose values differ in `before`, with their old values.
slab5::Json changed_fields(const slab5::Json& before, const slab5::Json& after);

// How long events are kept (api.md §8.3).
inline constexpr std::int64_t kEventRetentionMs = 30LL * 24 * 3600 * 1000;

}  // namespace slab5d
