// Resource-specific rules: deal outcomes, task completion, CMS slugs and publication, stage
// positions, activity times, asset state, lead conversion.
#include "domain/record_rules.hpp"
#include "slab5/json_util.hpp"

#include "slab5/api/resource_validation.hpp"

namespace slab5d::record_rules {

using slab5::Json;
using slab5::api::ResourceSpec;

namespace {

const ResourceSpec& res(std::string_view route) { return *slab5::api::find_resource(route); }

bool changed(const Json& before, const Json& record, const char* field) {
  return !before.is_object() || before.value(field, Json()) != record.value(field, Json());
}

// The first open stage by position; null when the workspace has none.
slab5::Result<Json> first_open_stage(RecordStore& store, const std::string& workspace_id) {
  RecordQuery q{.workspace_id = workspace_id, .sort = RecordSort::Position, .limit = 1};
  q.filters = {{"outcome", RecordFilter::Op::Eq, "open"}};
  auto page = store.list(res("deal-stages"), q);
  if (!page) return tl::unexpected(page.error());
  return page->records.empty() ? Json(nullptr) : page->records.front();
}

slab5::Status deal(RecordStore& store, const Json& before, Json& record, const std::string& now) {
  if (record["stage_id"].is_null() && !before.is_object()) {
    auto stage = first_open_stage(store, record["workspace_id"]);
    if (!stage) return tl::unexpected(stage.error());
    if (stage->is_null())
      return tl::unexpected(slab5::validation_error("stage_id", "is required: the workspace has no open deal stage"));
    record["stage_id"] = (*stage)["id"];
  }
  if (record["stage_id"].is_null()) return tl::unexpected(slab5::validation_error("stage_id", "is required"));
  if (!changed(before, record, "stage_id")) return {};
  auto stage = store.get(res("deal-stages"), record["workspace_id"], record["stage_id"]);
  if (!stage) return tl::unexpected(stage.error());
  if (!stage->has_value())
    return tl::unexpected(slab5::validation_error("stage_id", "must name a deal_stage of this workspace"));
  std::string outcome = (**stage)["outcome"];
  std::string was = before.is_object() ? slab5::string_or(before, "status", "open") : "open";
  record["status"] = outcome;
  if (outcome == "open")
    record["closed_at"] = nullptr;
  else if (was == "open" || record["closed_at"].is_null())
    record["closed_at"] = now;
  return {};
}

slab5::Status task(const Json& before, Json& record, const std::string& now) {
  if (record["status"] == "completed") {
    if (record["completed_at"].is_null() || changed(before, record, "status")) record["completed_at"] = now;
  } else {
    record["completed_at"] = nullptr;
  }
  return {};
}

slab5::Status cms_entry(const Json& before, Json& record, const std::string& now) {
  if (record["slug"].is_null()) record["slug"] = slab5::api::slugify(record["title"].get<std::string>());
  if (record["status"] == "published" && record["published_at"].is_null()) record["published_at"] = now;
  (void)before;
  return {};
}

slab5::Status deal_stage(RecordStore& store, const Json& before, Json& record) {
  // A deal's status is its stage's outcome: a stage that deals are in keeps its outcome.
  if (before.is_object() && changed(before, record, "outcome")) {
    auto n = store.count_referencing(res("deals"), "stage_id", record["workspace_id"], record["id"]);
    if (!n) return tl::unexpected(n.error());
    if (*n > 0)
      return slab5::fail("conflict", "The deal_stage's outcome cannot change while " + std::to_string(*n) +
                                         (*n == 1 ? " deal is" : " deals are") + " in it; move them first.");
  }
  if (before.is_object() || !record["position"].is_null()) return {};
  RecordQuery q{.workspace_id = record["workspace_id"], .sort = RecordSort::PositionDesc, .limit = 1};
  auto page = store.list(res("deal-stages"), q);
  if (!page) return tl::unexpected(page.error());
  record["position"] = page->records.empty() ? 1 : page->records.front()["position"].get<std::int64_t>() + 1;
  return {};
}

}  // namespace

slab5::Status complete(const ResourceSpec& spec, RecordStore& store, const Json& before, Json& record,
                       const std::string& now) {
  if (spec.route == "deals") return deal(store, before, record, now);
  if (spec.route == "tasks") return task(before, record, now);
  if (spec.route == "cms-entries") return cms_entry(before, record, now);
  if (spec.route == "deal-stages") return deal_stage(store, before, record);
  if (spec.route == "activities" && record["occurred_at"].is_null()) record["occurred_at"] = now;
  // An asset starts waiting for its bytes (domain/assets.cpp takes them and completes it).
  if (spec.route == "assets" && !before.is_object()) record["status"] = "upload_pending";
  if (spec.route == "leads" && !before.is_object()) {
    for (auto f : {"converted_at", "converted_contact_id", "converted_company_id", "converted_deal_id"})
      record[f] = nullptr;
  }
  // Converted is for good: only convert sets it, and nothing takes it back.
  if (spec.route == "leads" && before.is_object() && before["status"] == "converted" && record["status"] != "converted")
    return tl::unexpected(slab5::validation_error("status", "cannot change: the lead is converted"));
  return {};
}

slab5::Result<Json> convert_lead(WriteUnit& unit, RecordStore& store, const Json& lead, const Json& input,
                                 const std::string& now,
                                 const std::function<Json(const ResourceSpec&, Json)>& new_record) {
  if (lead["status"] == "converted") return slab5::fail("conflict", "The lead is already converted.");
  const std::string ws = lead["workspace_id"];
  const auto& companies = res("companies");
  const auto& contacts = res("contacts");
  const auto& deals = res("deals");
  auto created = [&](const ResourceSpec& spec, const Json& record) {
    unit.record({.action = std::string(spec.singular) + ".created",
                 .target_type = std::string(spec.singular),
                 .target_id = record["id"],
                 .after = record,
                 .status = 200});
  };
  // The company: reused when one of the same name exists, else made.
  std::string company_name =
      lead["company_name"].is_string() ? lead["company_name"].get<std::string>() : lead["name"].get<std::string>();
  Json company;
  {
    RecordQuery q{.workspace_id = ws, .limit = 100};
    q.text = company_name;
    auto page = store.list(companies, q);
    if (!page) return tl::unexpected(page.error());
    for (const auto& c : page->records)
      if (c["name"].is_string() && c["name"].get<std::string>() == company_name) {
        company = c;
        break;
      }
  }
  if (company.is_null()) {
    company = new_record(companies, {{"name", company_name}});
    if (auto st = store.insert(companies, company); !st) return tl::unexpected(st.error());
    created(companies, company);
  }
  Json contact = new_record(contacts, {{"name", lead["name"]},
                                       {"email", lead["email"]},
                                       {"phone", lead["phone"]},
                                       {"company_id", company["id"]},
                                       {"company_name", company["name"]},
                                       {"notes", lead["notes"]}});
  if (auto st = store.insert(contacts, contact); !st) return tl::unexpected(st.error());
  created(contacts, contact);
  Json deal = nullptr;
  if (slab5::bool_or(input, "create_deal", false)) {
    auto stage = first_open_stage(store, ws);
    if (!stage) return tl::unexpected(stage.error());
    if (stage->is_null())
      return tl::unexpected(slab5::validation_error("create_deal", "the workspace has no open deal stage"));
    deal = new_record(deals, {{"name", input.contains("deal_name") ? input["deal_name"] : Json(company_name)},
                              {"company_id", company["id"]},
                              {"contact_id", contact["id"]},
                              {"stage_id", (*stage)["id"]},
                              {"status", "open"},
                              {"amount_cents", input.value("amount_cents", Json(nullptr))},
                              {"currency", input.value("currency", Json("USD"))}});
    if (auto st = store.insert(deals, deal); !st) return tl::unexpected(st.error());
    created(deals, deal);
  }
  Json after = lead;
  after["status"] = "converted";
  after["converted_at"] = now;
  after["converted_contact_id"] = contact["id"];
  after["converted_company_id"] = company["id"];
  after["converted_deal_id"] = deal.is_null() ? Json(nullptr) : deal["id"];
  after["version"] = lead["version"].get<std::int64_t>() + 1;
  after["updated_at"] = now;
  after["last_agent_actor_id"] = unit.actor().is_agent() ? Json(unit.actor().id) : Json(nullptr);
  if (auto st = store.update(res("leads"), after, lead["version"].get<std::int64_t>()); !st)
    return tl::unexpected(st.error());
  unit.record(
      {.action = "lead.converted", .target_type = "lead", .target_id = lead["id"], .before = lead, .after = after});
  return Json{{"lead", after}, {"company", company}, {"contact", contact}, {"deal", deal}};
}

}  // namespace slab5d::record_rules
