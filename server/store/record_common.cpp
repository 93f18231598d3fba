#include "slab5/ids.hpp"
#include "slab5/json_util.hpp"
#include "slab5/time.hpp"
#include "store/record_store.hpp"

namespace slab5d {

bool record_keyed_by_id(const slab5::api::ResourceSpec& spec) {
  if (spec.is_child()) return true;
  for (const auto& other : slab5::api::resource_table())
    if (other.is_child() && other.parent == spec.route) return true;
  return false;
}

std::vector<RecordIndex> record_indexes(const slab5::api::ResourceSpec& spec) {
  std::vector<RecordIndex> out;
  if (spec.is_child()) out.push_back({"by_parent", {std::string(spec.parent_field), "id"}});
  // `optional`: the index may leave out the rows where the column is NULL (RecordIndex).
  auto index = [&](const std::string& col, bool optional) {
    std::string name = "by_" + (col.empty() ? std::string("id") : col);
    for (auto& i : out)
      if (i.name == name) {
        if (!optional) i.sparse.clear();  // a sort order too: every row
        return;
      }
    RecordIndex ix{name, col.empty() ? std::vector<std::string>{"workspace_id", "id"}
                                     : std::vector<std::string>{"workspace_id", col, "id"}};
    if (col.empty()) ix.unique = !record_keyed_by_id(spec);
    if (optional) ix.sparse = col;
    out.push_back(std::move(ix));
  };
  auto optional = [&](std::string_view field) {
    const auto* f = spec.field(field);
    return f && !f->required;
  };
  if (!spec.is_child()) {
    index("", false);
    index("updated_at", false);
  }
  for (const auto& f : spec.filters) index(std::string(f.field), optional(f.field));
  using slab5::api::FieldType;
  for (const auto& f : spec.fields)
    if (f.type == FieldType::Reference || f.type == FieldType::Member || f.type == FieldType::Related)
      index(std::string(f.name), !f.required);
  if (spec.order_by == "position") index("position", false);
  return out;
}

slab5::Status insert_initial_records(RecordStore& store, const slab5::api::ResourceSpec& spec,
                                     const std::string& workspace_id, const std::string& tenant_id) {
  auto now = slab5::format_rfc3339(slab5::now_millis());
  for (const auto& fields : nlohmann::json::parse(spec.initial)) {
    nlohmann::json r = {{"id", slab5::new_id(spec.id_prefix)},
                        {"workspace_id", workspace_id},
                        {"tenant_id", tenant_id},
                        {"created_at", now},
                        {"updated_at", now},
                        {"version", 1},
                        {"source", "admin"},
                        {"created_by", {{"type", "system"}, {"id", "system"}}},
                        {"last_agent_actor_id", nullptr},
                        {"custom_fields", nlohmann::json::object()}};
    for (auto& [k, v] : fields.items()) r[k] = v;
    if (auto ok = store.insert(spec, r); !ok) return ok;
  }
  return {};
}

slab5::Status insert_initial_records(RecordStore& store, const std::string& workspace_id,
                                     const std::string& tenant_id) {
  for (const auto& spec : slab5::api::resource_table())
    if (!spec.initial.empty())
      if (auto ok = insert_initial_records(store, spec, workspace_id, tenant_id); !ok) return ok;
  return {};
}

}  // namespace slab5d
