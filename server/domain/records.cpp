// The generic record rules, one implementation for every resource of the table.
#include "domain/records.hpp"

#include <algorithm>

#include "domain/assets.hpp"
#include "domain/audit.hpp"
#include "domain/record_rules.hpp"
#include "domain/write.hpp"
#include "slab5/api/resource_validation.hpp"
#include "slab5/ids.hpp"
#include "slab5/json_writer.hpp"
#include "slab5/time.hpp"
#include "store/record_store.hpp"

namespace slab5d {

using slab5::Json;
using slab5::api::FieldType;
using slab5::api::ResourceSpec;

namespace {

slab5::Error not_found(const ResourceSpec& spec) {
  return slab5::Error{"resource_not_found", "No " + std::string(spec.singular) + " with that id in this workspace."};
}

std::string record_source(const Actor& actor) {
  if (actor.source == "mcp") return "mcp";
  if (actor.source == "api") return "api";
  return "admin";
}

// The part of a new record that is the same for every record of `spec`: the record fields of
// api.md §8.1 with the caller's left null, and every resource field null.
Json blank_record(const ResourceSpec& spec) {
  Json r = Json::object();
  for (const char* k : {"id", "workspace_id", "tenant_id", "created_at", "updated_at", "source", "last_agent_actor_id"})
    r[k] = nullptr;
  r["version"] = 1;
  r["created_by"] = {{"type", nullptr}, {"id", nullptr}};
  r["custom_fields"] = Json::object();
  for (const auto& f : spec.fields) r[std::string(f.name)] = nullptr;
  return r;
}

// blank_record of a resource of the table, built once: each create copies it, which costs
// about half of building the object anew.
Json copy_of_blank_record(const ResourceSpec& spec) {
  static const auto blanks = [] {
    std::vector<std::pair<const ResourceSpec*, Json>> out;
    for (const auto& s : slab5::api::resource_table()) out.emplace_back(&s, blank_record(s));
    return out;
  }();
  for (const auto& [s, r] : blanks)
    if (s == &spec) return r;
  return blank_record(spec);
}

// A new record of `spec` made by `actor`, before defaults and input are applied. Its id and
// times are given with stamp_new_record.
Json new_record(const ResourceSpec& spec, const Actor& actor) {
  Json r = copy_of_blank_record(spec);
  r["workspace_id"] = actor.workspace_id;
  r["tenant_id"] = actor.tenant_id;
  // A resource whose own field is `source` (leads) keeps the record's origin as "__origin".
  r[spec.field("source") ? "__origin" : "source"] = record_source(actor);
  auto& by = r["created_by"];
  by["type"] = actor.type;
  by["id"] = actor.id;
  if (actor.is_agent()) r["last_agent_actor_id"] = actor.id;
  return r;
}

PreparedCreate prepared_from(const ResourceSpec& spec, const Actor& actor, slab5::api::ValidatedInput valid) {
  PreparedCreate out{.spec = &spec, .record = new_record(spec, actor), .actor = actor};
  out.record["custom_fields"] = std::move(valid.custom_fields).value_or(Json::object());
  for (auto& [k, v] : valid.values.items()) out.record[k] = std::move(v);
  return out;
}

void stamp_new_record(const ResourceSpec& spec, Json& record, const std::string& now) {
  record["id"] = slab5::new_id(spec.id_prefix);
  record["created_at"] = now;
  record["updated_at"] = now;
}

// The record as a client sees it: without the origin a lead's own `source` hides.
Json visible(Json record) {
  record.erase("__origin");
  return record;
}

// Every reference of `record` that `before` did not already hold must name a record of the
// workspace (or a member); each bad one is a field error.
slab5::Status check_references(const ResourceSpec& spec, RecordStore& store, const std::string& workspace_id,
                               const Json& before, const Json& record) {
  std::vector<slab5::FieldError> errors;
  for (const auto& f : spec.fields) {
    if (f.read_only) continue;
    if (f.type != FieldType::Reference && f.type != FieldType::Member && f.type != FieldType::Related) continue;
    auto it = record.find(f.name);
    if (it == record.end() || !it->is_string()) continue;
    if (before.is_object() && before.value(std::string(f.name), Json()) == *it) continue;
    const auto& id = it->get_ref<const std::string&>();
    if (f.type == FieldType::Member) {
      auto m = store.is_member(workspace_id, id);
      if (!m) return tl::unexpected(m.error());
      if (!*m) errors.push_back({std::string(f.name), "must be a member of this workspace"});
      continue;
    }
    const ResourceSpec* target = f.type == FieldType::Reference ? slab5::api::find_resource(f.references)
                                                                : slab5::api::find_resource_by_prefix(id);
    if (!target) {
      errors.push_back({std::string(f.name), "names no record"});
      continue;
    }
    auto got = store.get(*target, workspace_id, id);
    if (!got) return tl::unexpected(got.error());
    if (!got->has_value())
      errors.push_back({std::string(f.name), "must name a " + std::string(target->singular) + " of this workspace"});
  }
  if (!errors.empty()) return tl::unexpected(slab5::validation_error(std::move(errors)));
  return {};
}

// A domain check's failure: its bad fields join `errors` (a field already named keeps its
// first message) and true is returned; any other error is not a field's, and false is.
bool gather(const slab5::Error& e, std::vector<slab5::FieldError>& errors) {
  if (e.code != "validation_failed") return false;
  auto it = e.extra.find("field_errors");
  if (it == e.extra.end() || !it->is_array()) return false;
  for (const auto& fe : *it) {
    std::string field = fe.value("field", ""), message = fe.value("message", "");
    bool named = std::any_of(errors.begin(), errors.end(), [&](const auto& x) { return x.field == field; });
    if (!named) errors.push_back({std::move(field), std::move(message)});
  }
  return true;
}

bool same_content(const Json& a, const Json& b) {
  for (const auto& [k, v] : b.items())
    if (k != "version" && k != "updated_at" && k != "last_agent_actor_id" && a.value(k, Json()) != v) return false;
  return true;
}

// The fields of other resources that point at records of `spec`, with the resource.
std::vector<std::pair<const ResourceSpec*, std::string>> referrers(const ResourceSpec& spec) {
  std::vector<std::pair<const ResourceSpec*, std::string>> out;
  for (const auto& other : slab5::api::resource_table()) {
    for (const auto& f : other.fields) {
      if (f.read_only && f.type != FieldType::Reference) continue;
      bool points = (f.type == FieldType::Reference && f.references == spec.route) ||
                    (f.type == FieldType::Related && !spec.is_child() &&
                     (spec.singular == "contact" || spec.singular == "company" || spec.singular == "lead" ||
                      spec.singular == "deal" || spec.singular == "support_ticket"));
      if (points) out.emplace_back(&other, std::string(f.name));
    }
  }
  return out;
}

}  // namespace

Records::Records(Conn& db) : db_(db), store_(&db.records()) {}
Records::~Records() = default;

std::optional<PreparedCreate> Records::prepare_create(const ResourceSpec& spec, const Actor& actor, const Json& input) {
  auto valid = slab5::api::validate_input(spec, input, slab5::api::WriteMode::Create);
  if (!valid) return std::nullopt;
  return prepared_from(spec, actor, std::move(*valid));
}

slab5::Result<Json> Records::create(const ResourceSpec& spec, const Actor& actor, const RequestMeta& meta,
                                    const Json& input, const std::string& parent_id, RecordWrite opts,
                                    PreparedCreate* prepared) {
  created_text_.reset();
  // Every bad field is answered at once: the input's, then the resource rules' and the
  // references' (api.md §8.1).
  std::vector<slab5::FieldError> errors = std::move(opts.input_errors);
  std::optional<PreparedCreate> made;
  if (!prepared || prepared->spec != &spec || !prepared->record.is_object()) {  // absent, or already taken
    auto valid = slab5::api::validate_input(spec, input, slab5::api::WriteMode::Create, errors);
    if (!valid) return tl::unexpected(valid.error());
    made = prepared_from(spec, actor, std::move(*valid));
    prepared = &*made;
  }
  if (!errors.empty()) {  // one message per field: the caller's checks came first
    std::vector<slab5::FieldError> once;
    for (auto& e : errors)
      if (std::none_of(once.begin(), once.end(), [&](const auto& x) { return x.field == e.field; }))
        once.push_back(std::move(e));
    errors = std::move(once);
  }
  WriteUnit unit(db_, actor, meta, FirstWriteDecides{});
  if (spec.is_child()) {
    const auto* parent = slab5::api::find_resource(spec.parent);
    auto p = store_->get(*parent, actor.workspace_id, parent_id);
    if (!p) return tl::unexpected(p.error());
    if (!p->has_value()) return tl::unexpected(not_found(*parent));
  }
  auto now = slab5::now_rfc3339();
  Json record = std::move(prepared->record);
  stamp_new_record(spec, record, now);
  if (!opts.id.empty()) record["id"] = opts.id;
  if (spec.is_child()) record[std::string(spec.parent_field)] = parent_id;
  // The rules read the required fields, so they run only on a record whose fields are valid.
  if (errors.empty())
    if (auto st = record_rules::complete(spec, *store_, Json(), record, now); !st && !gather(st.error(), errors))
      return tl::unexpected(st.error());
  if (auto st = check_references(spec, *store_, actor.workspace_id, Json(), record); !st && !gather(st.error(), errors))
    return tl::unexpected(st.error());
  if (!errors.empty()) return tl::unexpected(slab5::validation_error(std::move(errors)));
  if (opts.dry_run) return visible(record);
  if (auto st = store_->insert(spec, record); !st) return tl::unexpected(st.error());
  record = visible(std::move(record));
  // Serialized once, for the audit row, the event and (when it is the record itself) the answer.
  bool whole = !has_secret_fields(record);
  auto text = std::make_shared<std::string>();
  if (whole)
    slab5::append_json(*text, record);
  else
    slab5::append_json(*text, strip_secrets(record));
  unit.record({.action = std::string(spec.singular) + ".created",
               .target_type = std::string(spec.singular),
               .target_id = record["id"],
               .after_text = text,
               .status = 201});
  if (auto st = unit.commit(); !st) return tl::unexpected(st.error());
  if (whole) created_text_ = std::move(text);
  return record;
}

slab5::Result<Json> Records::get(const ResourceSpec& spec, const Actor& actor, const std::string& id,
                                 const std::string& parent_id) {
  if (!slab5::is_id(id, spec.id_prefix)) return tl::unexpected(not_found(spec));
  auto got = store_->get(spec, actor.workspace_id, id);
  if (!got) return tl::unexpected(got.error());
  if (!got->has_value()) return tl::unexpected(not_found(spec));
  if (spec.is_child() && (**got).value(std::string(spec.parent_field), "") != parent_id)
    return tl::unexpected(not_found(spec));
  return **got;
}

slab5::Result<Json> Records::update(const ResourceSpec& spec, const Actor& actor, const RequestMeta& meta,
                                    const std::string& id, const Json& patch, std::optional<std::int64_t> if_match,
                                    RecordWrite opts) {
  if (spec.append_only)
    return tl::unexpected(slab5::Error{"method_not_allowed", std::string(spec.title) + " records cannot be changed."});
  std::vector<slab5::FieldError> errors;
  auto valid = slab5::api::validate_input(spec, patch, slab5::api::WriteMode::Patch, errors);
  if (!valid) return tl::unexpected(valid.error());
  auto invalid = [&] { return tl::unexpected(slab5::validation_error(std::move(errors))); };
  if (!slab5::is_id(id, spec.id_prefix)) return errors.empty() ? tl::unexpected(not_found(spec)) : invalid();
  WriteUnit unit(db_, actor, meta, FirstWriteDecides{});
  auto got = store_->get_for_update(spec, actor.workspace_id, id);
  if (!got) return tl::unexpected(got.error());
  if (!got->has_value()) return errors.empty() ? tl::unexpected(not_found(spec)) : invalid();
  Json before = **got;
  std::int64_t version = before["version"].get<std::int64_t>();
  if (errors.empty() && if_match && *if_match != version)
    return tl::unexpected(slab5::Error{"precondition_failed", "The " + std::string(spec.singular) + " is at version " +
                                                                  std::to_string(version) + ", not " +
                                                                  std::to_string(*if_match) + "."});
  Json record = before;
  for (auto& [k, v] : valid->values.items()) record[k] = v;
  if (valid->clear_custom_fields) record["custom_fields"] = Json::object();
  if (valid->custom_fields) {
    slab5::api::merge_patch(record["custom_fields"], *valid->custom_fields);
    // The limits hold for what the record ends up with, not only for the patch.
    bool named =
        std::any_of(errors.begin(), errors.end(), [](const auto& e) { return e.field.rfind("custom_fields", 0) == 0; });
    if (!named) slab5::api::validate_custom_fields(record["custom_fields"], false, errors);
  }
  if (patch.contains("related_resource_id") || patch.contains("related_resource_type"))
    slab5::api::check_related_pair(spec, record, errors);
  auto now = slab5::now_rfc3339();
  if (errors.empty())
    if (auto st = record_rules::complete(spec, *store_, before, record, now); !st && !gather(st.error(), errors))
      return tl::unexpected(st.error());
  if (auto st = check_references(spec, *store_, actor.workspace_id, before, record); !st && !gather(st.error(), errors))
    return tl::unexpected(st.error());
  if (!errors.empty()) return invalid();
  if (same_content(before, record)) return before;  // nothing changes: no version, audit or event
  record["version"] = version + 1;
  record["updated_at"] = now;
  record["last_agent_actor_id"] = actor.is_agent() ? Json(actor.id) : Json(nullptr);
  if (opts.dry_run) return record;
  if (auto st = store_->update(spec, record, version); !st) return tl::unexpected(st.error());
  unit.record({.action = std::string(spec.singular) + ".updated",
               .target_type = std::string(spec.singular),
               .target_id = id,
               .before = before,
               .after = record});
  if (auto st = unit.commit(); !st) return tl::unexpected(st.error());
  return record;
}

slab5::Status Records::remove(const ResourceSpec& spec, const Actor& actor, const RequestMeta& meta,
                              const std::string& id, RecordWrite opts) {
  if (spec.append_only)
    return tl::unexpected(slab5::Error{"method_not_allowed", std::string(spec.title) + " records cannot be deleted."});
  if (!slab5::is_id(id, spec.id_prefix)) return tl::unexpected(not_found(spec));
  WriteUnit unit(db_, actor, meta);
  auto got = store_->get_for_update(spec, actor.workspace_id, id);
  if (!got) return tl::unexpected(got.error());
  if (!got->has_value()) return tl::unexpected(not_found(spec));
  if (std::int64_t version = (**got)["version"].get<std::int64_t>(); opts.if_match && *opts.if_match != version)
    return tl::unexpected(slab5::Error{"precondition_failed", "The " + std::string(spec.singular) + " is at version " +
                                                                  std::to_string(version) + ", not " +
                                                                  std::to_string(*opts.if_match) + "."});
  for (const auto& guard : spec.delete_guards) {
    const auto* other = slab5::api::find_resource(guard.route);
    auto n = store_->count_referencing(*other, std::string(guard.field), actor.workspace_id, id);
    if (!n) return tl::unexpected(n.error());
    if (*n > 0)
      return slab5::fail("conflict", "The " + std::string(spec.singular) + " is still used by " + std::to_string(*n) +
                                         " " + std::string(other->route) + "; move them first.");
  }
  if (opts.dry_run) return {};
  auto now = slab5::now_rfc3339();
  // References to the record become null, each a change of the record that held it.
  for (const auto& [other, field] : referrers(spec)) {
    auto cleared = store_->clear_references(*other, field, actor.workspace_id, id, now);
    if (!cleared) return tl::unexpected(cleared.error());
    for (auto& old : *cleared) {
      Json after = old;
      after[field] = nullptr;
      after["version"] = old["version"].get<std::int64_t>() + 1;
      after["updated_at"] = now;
      // Part of the DELETE: the call's status (204) is every row's, the usage event's too.
      unit.record({.action = std::string(other->singular) + ".updated",
                   .target_type = std::string(other->singular),
                   .target_id = old["id"],
                   .before = old,
                   .after = after,
                   .status = 204});
    }
  }
  if (auto st = store_->remove(spec, actor.workspace_id, id); !st) return st;
  unit.record({.action = std::string(spec.singular) + ".deleted",
               .target_type = std::string(spec.singular),
               .target_id = id,
               .before = **got,
               .status = 204});
  return unit.commit();
}

slab5::Result<RecordPage> Records::list(const ResourceSpec& spec, const Actor& actor, RecordQuery query) {
  query.workspace_id = actor.workspace_id;
  if (spec.is_child()) {
    const auto* parent = slab5::api::find_resource(spec.parent);
    if (!query.parent_id || !slab5::is_id(*query.parent_id, parent->id_prefix))
      return tl::unexpected(not_found(*parent));
    auto p = store_->get(*parent, actor.workspace_id, *query.parent_id);
    if (!p) return tl::unexpected(p.error());
    if (!p->has_value()) return tl::unexpected(not_found(*parent));
  }
  return store_->list(spec, query);
}

slab5::Result<Json> Records::act(const ResourceSpec& spec, const slab5::api::ActionSpec& action, const Actor& actor,
                                 const RequestMeta& meta, const std::string& id, const Json& input, RecordWrite opts) {
  auto valid = slab5::api::validate_action_input(action, input);
  if (!valid) return tl::unexpected(valid.error());
  if (!slab5::is_id(id, spec.id_prefix)) return tl::unexpected(not_found(spec));
  WriteUnit unit(db_, actor, meta);
  auto got = store_->get_for_update(spec, actor.workspace_id, id);
  if (!got) return tl::unexpected(got.error());
  if (!got->has_value()) return tl::unexpected(not_found(spec));
  Json before = **got;
  auto now = slab5::now_rfc3339();
  auto make = [&](const ResourceSpec& s, Json fields) {
    Json r = new_record(s, actor);
    stamp_new_record(s, r, now);
    for (const auto& f : s.fields)
      if (!f.default_value.empty()) r[std::string(f.name)] = Json::parse(f.default_value);
    for (auto& [k, v] : fields.items()) r[k] = v;
    return r;
  };
  Json result;
  if (spec.route == "leads" && action.name == "convert") {
    auto converted = record_rules::convert_lead(unit, *store_, before, *valid, now, make);
    if (!converted) return tl::unexpected(converted.error());
    result = std::move(*converted);
  } else if ((spec.route == "tasks" || spec.route == "assets") && action.name == "complete") {
    Json after = before;
    if (spec.route == "assets") {
      auto done = assets::completed(before);
      if (!done) return tl::unexpected(done.error());
      after = std::move(*done);
    } else {
      if (before["status"] == "completed") return slab5::fail("conflict", "The task is already completed.");
      after["status"] = "completed";
    }
    if (auto st = record_rules::complete(spec, *store_, before, after, now); !st) return tl::unexpected(st.error());
    after["version"] = before["version"].get<std::int64_t>() + 1;
    after["updated_at"] = now;
    after["last_agent_actor_id"] = actor.is_agent() ? Json(actor.id) : Json(nullptr);
    if (opts.dry_run) return after;
    if (auto st = store_->update(spec, after, before["version"].get<std::int64_t>()); !st)
      return tl::unexpected(st.error());
    unit.record({.action = std::string(action.event),
                 .target_type = std::string(spec.singular),
                 .target_id = id,
                 .before = before,
                 .after = after});
    result = after;
  } else {
    return slab5::fail("method_not_allowed", "The " + std::string(action.name) + " action is not available here.");
  }
  if (opts.dry_run) return result;
  if (auto st = unit.commit(); !st) return tl::unexpected(st.error());
  return result;
}

}  // namespace slab5d
