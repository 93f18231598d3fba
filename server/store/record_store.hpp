// The store of app-plane records (api.md §8.1): one interface for every resource of the
// resource table, so the generic record rules in domain/ never see SQL, and a second backend
// is a sibling implementation. Every call returns its outcome; nothing is ignored.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "slab5/api/resources.hpp"
#include "slab5/error.hpp"

namespace slab5d {

struct RecordFilter {
  std::string column;  // a field of the resource, or "custom_fields.<key>"
  enum class Op { Eq, Lt, Ge } op = Op::Eq;
  nlohmann::json value;  // string, integer or boolean
};

enum class RecordSort { NewestFirst, OldestFirst, UpdatedDesc, UpdatedAsc, Position, PositionDesc };

struct RecordQuery {
  std::string workspace_id;
  std::optional<std::string> parent_id;  // children: the parent's id
  std::vector<RecordFilter> filters;
  std::optional<std::string> created_after, created_before, updated_since;  // RFC 3339
  std::optional<std::string> text;  // ?query=: words, each a whole word or a word prefix
  RecordSort sort = RecordSort::NewestFirst;
  int limit = 25;
  // Keyset position: the sort value and id of the last record of the previous page.
  std::optional<std::pair<std::string, std::string>> after;
};

struct RecordPage {
  std::vector<nlohmann::json> records;
  bool more = false;                         // another page exists
  std::pair<std::string, std::string> last;  // the keyset position of the last record
};

class RecordStore {
 public:
  virtual ~RecordStore() = default;
  // `record` holds every record field and resource field (api.md §8.1 shape).
  [[nodiscard]] virtual slab5::Status insert(const slab5::api::ResourceSpec& spec, const nlohmann::json& record) = 0;
  [[nodiscard]] virtual slab5::Result<std::optional<nlohmann::json>> get(const slab5::api::ResourceSpec& spec,
                                                                         const std::string& workspace_id,
                                                                         const std::string& id) = 0;
  // The record as get() reads it, to be changed by this transaction: where several writers
  // may run at once (PostgreSQL) the row stays locked until the transaction ends, so that a
  // read-modify-write (update, remove, an action) does not lose a race to another writer and
  // answer precondition_failed to a caller who sent no If-Match. SQLite has one writer.
  [[nodiscard]] virtual slab5::Result<std::optional<nlohmann::json>> get_for_update(
      const slab5::api::ResourceSpec& spec, const std::string& workspace_id, const std::string& id) {
    return get(spec, workspace_id, id);
  }
  // Replaces the stored record when its version is still `expected_version`; a record that
  // moved on (or went) is `precondition_failed`.
  [[nodiscard]] virtual slab5::Status update(const slab5::api::ResourceSpec& spec, const nlohmann::json& record,
                                             std::int64_t expected_version) = 0;
  [[nodiscard]] virtual slab5::Status remove(const slab5::api::ResourceSpec& spec, const std::string& workspace_id,
                                             const std::string& id) = 0;
  [[nodiscard]] virtual slab5::Result<RecordPage> list(const slab5::api::ResourceSpec& spec, const RecordQuery& q) = 0;
  // How many records of `spec` in the workspace have `column` = `id`.
  [[nodiscard]] virtual slab5::Result<std::int64_t> count_referencing(const slab5::api::ResourceSpec& spec,
                                                                      const std::string& column,
                                                                      const std::string& workspace_id,
                                                                      const std::string& id) = 0;
  // How many records of `spec` the workspace holds; with `column`, only those where it is `value`.
  [[nodiscard]] virtual slab5::Result<std::int64_t> count(const slab5::api::ResourceSpec& spec,
                                                          const std::string& workspace_id,
                                                          const std::string& column = {},
                                                          const std::string& value = {}) = 0;
  // Sets `column` to null on every record of `spec` in the workspace that names `id`,
  // bumping their version; returns the records as they were, for their audit rows.
  [[nodiscard]] virtual slab5::Result<std::vector<nlohmann::json>> clear_references(
      const slab5::api::ResourceSpec& spec, const std::string& column, const std::string& workspace_id,
      const std::string& id, const std::string& now) = 0;
  // Whether `user_id` is a member of the workspace (member references: assignee_id, owner_id).
  [[nodiscard]] virtual slab5::Result<bool> is_member(const std::string& workspace_id, const std::string& user_id) = 0;
};

// The indexes every backend gives a resource's table, so that no backend lacks one another has:
// the default order (workspace_id, id), updated_at, every filter, every reference and the
// position, each as (workspace_id, column, id); a child table's by its parent. `name` is the
// index's name without the table's prefix ("by_id", "by_parent", "by_<column>").
//
// `unique` marks the (workspace_id, id) index of a table without a key on id alone
// (record_keyed_by_id). `sparse` names the column whose NULLs the index may leave out: a
// filter or a reference on an optional field, which only ever matches a value (`= ?`, `< ?`,
// `>= ?`), so a record without one costs no index entry. The sort orders are never sparse.
struct RecordIndex {
  std::string name;
  std::vector<std::string> columns;
  bool unique = false;
  std::string sparse;
};
std::vector<RecordIndex> record_indexes(const slab5::api::ResourceSpec& spec);

// Whether a resource's table keeps a key on `id` alone: a parent's or a child's does (a
// child's foreign key names its parent's id; a child is read by id within its parent's
// workspace). Every other table is keyed by (workspace_id, id), the index its lists and reads
// use anyway, which saves one b-tree write per create (docs/performance.md). Ids are ULIDs
// made by the server or checked fixture ids, and the key still refuses one taken in the
// workspace.
bool record_keyed_by_id(const slab5::api::ResourceSpec& spec);

// Writes the records a new workspace starts with (the resource table's `initial`, e.g. the
// default deal stages) through `store`, in the caller's transaction: those of `spec`, or of
// every resource. Stops at the first refusal and returns it.
[[nodiscard]] slab5::Status insert_initial_records(RecordStore& store, const slab5::api::ResourceSpec& spec,
                                                   const std::string& workspace_id, const std::string& tenant_id);
[[nodiscard]] slab5::Status insert_initial_records(RecordStore& store, const std::string& workspace_id,
                                                   const std::string& tenant_id);

}  // namespace slab5d
