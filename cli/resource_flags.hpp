// How the resource table's fields become slab5 flags (cli.md §2): the flag's name
// (company_id → --company-id; an integer field in cents, amount_cents, → --amount taking a
// decimal), its value name, its help text, and the JSON a value turns into. One place, so
// that parsing, help, completion, the manual and the tests agree.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

#include "slab5/api/resources.hpp"

namespace slab5cli {

// company_id → company-id.
std::string kebab(std::string_view snake);

// An Integer field whose name ends in _cents holds money in hundredths: its flag takes a
// decimal amount ("1200.00") and is named without the suffix.
bool is_money(const slab5::api::FieldSpec& f);

// The long flag's name, without dashes: "company-id", "amount".
std::string field_flag(const slab5::api::FieldSpec& f);

// "1200.00" → 120000, exactly (no floating point): digits, optionally a point and one or two
// more digits. nullopt for anything else (signs, separators, three decimals, overflow).
std::optional<std::int64_t> parse_money(std::string_view text);

// The values a flag of this field offers: an enum's values (`for_write`: those a client may
// set), true/false for a boolean; empty when the values are open.
std::vector<std::string> field_values(const slab5::api::FieldSpec& f, bool for_write);

// The flag's value as the JSON the API takes, or why it is not one (for a usage error).
tl::expected<nlohmann::json, std::string> field_json(const slab5::api::FieldSpec& f, const std::string& raw,
                                                     bool for_write = true);

// The help text: the table's description, then what the flag takes and whether it is required.
std::string field_help(const slab5::api::FieldSpec& f, bool for_write = true);

// The value name in help and the manual: TEXT, EMAIL, AMOUNT, ID, JSON, …
std::string field_value_name(const slab5::api::FieldSpec& f);

}  // namespace slab5cli
