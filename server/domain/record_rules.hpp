// The resource-specific rules beside the resource table: what a field table cannot say.
// Each is a small named function; the generic rules in records.cpp call them at fixed points.
#pragma once
#include <optional>

#include "domain/write.hpp"
#include "slab5/api/resources.hpp"
#include "slab5/json_util.hpp"
#include "store/record_store.hpp"

namespace slab5d::record_rules {

// Fills what the server decides on create or update (computed and read-only fields, defaults
// that need the store): a deal's status and closed_at from its stage, a task's completed_at,
// a CMS entry's slug and published_at, a stage's position, an activity's occurred_at.
// `before` is null on create.
slab5::Status complete(const slab5::api::ResourceSpec& spec, RecordStore& store, const slab5::Json& before,
                       slab5::Json& record, const std::string& now);

// Lead conversion (api.md §8.2): company (reused by name), contact and optionally a deal on
// the first open stage, and the lead marked converted, in the caller's unit of work.
slab5::Result<slab5::Json> convert_lead(
    WriteUnit& unit, RecordStore& store, const slab5::Json& lead, const slab5::Json& input, const std::string& now,
    const std::function<slab5::Json(const slab5::api::ResourceSpec&, slab5::Json)>& new_record);

}  // namespace slab5d::record_rules
