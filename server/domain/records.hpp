// The generic rules of app-plane records (api.md §8.1), for every resource of the resource
// table: create, read, merge-patch with versions, delete with reference rules, list, and the
// actions. They take an Actor and typed input and know no HTTP; REST handlers and MCP tools
// call the same functions. The few rules a field table cannot say live in record_rules.cpp.
#pragma once
#include <optional>
#include <string>

#include "domain/actor.hpp"
#include "slab5/api/resources.hpp"
#include "slab5/error.hpp"
#include "slab5/json_util.hpp"
#include "store/record_store.hpp"
#include "store/sqlite/db.hpp"

namespace slab5d {

struct RecordWrite {
  bool dry_run = false;  // validate and answer what would change; write nothing
  std::string id;        // create: the record's id (a fixture's, api.md §9.1); made when empty
};

class Records {
 public:
  explicit Records(Db& db);
  ~Records();

  slab5::Result<slab5::Json> create(const slab5::api::ResourceSpec& spec, const Actor& actor, const RequestMeta& meta,
                                    const slab5::Json& input, const std::string& parent_id = {}, RecordWrite opts = {});
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
  Db& db_;
  std::unique_ptr<RecordStore> store_;
};

}  // namespace slab5d
