// The generic rules of app-plane records (api.md §8.1), for every resource of the resource
// table: create, read, merge-patch with versions, delete with reference rules, list, and the
// actions. They take an Actor and typed input and know no HTTP; REST handlers and MCP tools
// call the same functions. The few rules a field table cannot say live in record_rules.cpp.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/actor.hpp"
#include "slab5/api/resources.hpp"
#include "slab5/error.hpp"
#include "slab5/json_util.hpp"
#include "store/conn.hpp"
#include "store/record_store.hpp"

namespace slab5d {

struct RecordWrite {
  bool dry_run = false;  // validate and answer what would change; write nothing
  std::string id;        // create: the record's id (a fixture's, api.md §9.1); made when empty
  // create: bad fields the caller found first (an asset's media type and this server's size
  // limit), answered together with the domain's
  std::vector<slab5::FieldError> input_errors;
  // delete: the version the caller last read (If-Match); another is 412 and deletes nothing
  std::optional<std::int64_t> if_match;
};

// The part of a create that needs no database: the input validated and the new record built
// from it, without its id and times (those are given when the write takes its turn, so ids and
// created_at follow the order of commits). A write path makes it before the write waits for
// the writer thread, so that thread spends its time on the write itself.
struct PreparedCreate {
  const slab5::api::ResourceSpec* spec = nullptr;
  slab5::Json record;
  Actor actor;  // who it was made for, so that the write need not copy it again
};

class Records {
 public:
  explicit Records(Conn& db);
  ~Records();

  // Empty when the input is not valid: create() then reports why.
  static std::optional<PreparedCreate> prepare_create(const slab5::api::ResourceSpec& spec, const Actor& actor,
                                                      const slab5::Json& input);
  // `prepared`, when given, is prepare_create's for the same spec, actor and input; its
  // record is taken (moved from).
  slab5::Result<slab5::Json> create(const slab5::api::ResourceSpec& spec, const Actor& actor, const RequestMeta& meta,
                                    const slab5::Json& input, const std::string& parent_id = {}, RecordWrite opts = {},
                                    PreparedCreate* prepared = nullptr);
  // The record the last create() wrote, as JSON text (what its audit row and event hold);
  // null when that text is not the record itself (secret fields were left out of it).
  const std::shared_ptr<const std::string>& created_text() const { return created_text_; }
  slab5::Result<slab5::Json> get(const slab5::api::ResourceSpec& spec, const Actor& actor, const std::string& id,
                                 const std::string& parent_id = {});
  // A JSON merge patch; `if_match` is the version the caller last saw.
  slab5::Result<slab5::Json> update(const slab5::api::ResourceSpec& spec, const Actor& actor, const RequestMeta& meta,
                                    const std::string& id, const slab5::Json& patch,
                                    std::optional<std::int64_t> if_match = std::nullopt, RecordWrite opts = {});
  slab5::Status remove(const slab5::api::ResourceSpec& spec, const Actor& actor, const RequestMeta& meta,
                       const std::string& id, RecordWrite opts = {});
  slab5::Result<RecordPage> list(const slab5::api::ResourceSpec& spec, const Actor& actor, RecordQuery query);
  slab5::Result<slab5::Json> act(const slab5::api::ResourceSpec& spec, const slab5::api::ActionSpec& action,
                                 const Actor& actor, const RequestMeta& meta, const std::string& id,
                                 const slab5::Json& input, RecordWrite opts = {});

  RecordStore& store() { return *store_; }

 private:
  Conn& db_;
  RecordStore* store_;  // the connection's
  std::shared_ptr<const std::string> created_text_;
};

}  // namespace slab5d
