// Validation of app-plane input against the resource table (api.md §8.1): every bad field is
// reported at once in field_errors; strings are trimmed; defaults of the table are applied on
// create. Rules that need the store (does a referenced record exist, is the assignee a member)
// are the domain's; everything that can be said from the JSON alone is here.
#pragma once
#include <nlohmann/json.hpp>

#include "slab5/api/resources.hpp"
#include "slab5/error.hpp"

namespace slab5::api {

enum class WriteMode { Create, Patch };

struct ValidatedInput {
  // Create: every writable field given or defaulted by the table (an absent optional field
  // without a default is absent). Patch: only the fields given; null clears one.
  nlohmann::json values = nlohmann::json::object();
  // Create: the custom_fields object ({} when absent). Patch: the merge patch to apply to the
  // stored object (a key set to null removes it); absent when not given.
  std::optional<nlohmann::json> custom_fields;
  bool clear_custom_fields = false;  // Patch: "custom_fields": null
};

// `body` is the parsed request body (any JSON value; a non-object is invalid_request).
Result<ValidatedInput> validate_input(const ResourceSpec& spec, const nlohmann::json& body, WriteMode mode);
// The same, collecting the bad fields into `errors` and returning what was valid, so that the
// domain's checks (references, resource rules) can add theirs to one answer. Fails only for a
// body that is not an object.
Result<ValidatedInput> validate_input(const ResourceSpec& spec, const nlohmann::json& body, WriteMode mode,
                                      std::vector<FieldError>& errors);

// related_resource_id and related_resource_type of a whole record (a create's values, or a
// stored record with a PATCH applied): the type is required with the id and must be the id's.
// Nothing is added when `errors` already names either field.
void check_related_pair(const ResourceSpec& spec, const nlohmann::json& record, std::vector<FieldError>& errors);

// An action's body: its input fields (all optional unless the table says required).
Result<nlohmann::json> validate_action_input(const ActionSpec& action, const nlohmann::json& body);

// One field's value (not null), normalised (trimmed, upper-cased currency, canonical time);
// on a bad value appends to `errors` and returns nullopt.
std::optional<nlohmann::json> validate_value(const FieldSpec& f, const nlohmann::json& v,
                                             std::vector<FieldError>& errors, const std::string& path);

// custom_fields rules; `allow_null` for a PATCH's merge patch.
void validate_custom_fields(const nlohmann::json& v, bool allow_null, std::vector<FieldError>& errors);

// RFC 7396 merge of `patch` into `target` (objects only; null removes a key).
void merge_patch(nlohmann::json& target, const nlohmann::json& patch);

// "Hello, World!" → "hello-world" (at most max_len characters; "entry" when nothing is left).
std::string slugify(std::string_view text, std::size_t max_len = 120);

// Characters of a UTF-8 string (code points).
std::size_t utf8_length(std::string_view s);

}  // namespace slab5::api
