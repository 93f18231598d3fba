#include "resource_flags.hpp"

#include <charconv>
#include <limits>

#include "body_fields.hpp"

namespace slab5cli {

using slab5::api::FieldSpec;
using slab5::api::FieldType;
using Json = nlohmann::json;

std::string kebab(std::string_view snake) {
  std::string out(snake);
  for (auto& c : out)
    if (c == '_') c = '-';
  return out;
}

bool is_money(const FieldSpec& f) { return f.type == FieldType::Integer && f.name.ends_with("_cents"); }

std::string field_flag(const FieldSpec& f) {
  std::string_view name = f.name;
  if (is_money(f)) name.remove_suffix(6);
  return kebab(name);
}

std::optional<std::int64_t> parse_money(std::string_view text) {
  auto dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  auto digits = [](std::string_view s) {
    for (char c : s)
      if (c < '0' || c > '9') return false;
    return true;
  };
  if (whole.empty() || !digits(whole)) return std::nullopt;
  if (dot != std::string_view::npos && (frac.empty() || frac.size() > 2 || !digits(frac))) return std::nullopt;
  std::int64_t units = 0;
  auto [p, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), units);
  if (ec != std::errc() || p != whole.data() + whole.size()) return std::nullopt;
  if (units > (std::numeric_limits<std::int64_t>::max() - 99) / 100) return std::nullopt;
  std::int64_t cents = 0;
  for (std::size_t i = 0; i < 2; ++i) cents = cents * 10 + (i < frac.size() ? frac[i] - '0' : 0);
  return units * 100 + cents;
}

std::vector<std::string> field_values(const FieldSpec& f, bool for_write) {
  std::vector<std::string> out;
  if (f.type == FieldType::Enum) {
    const auto& values = for_write && !f.create_values.empty() ? f.create_values : f.values;
    for (auto v : values) out.emplace_back(v);
  } else if (f.type == FieldType::Boolean) {
    out = {"true", "false"};
  }
  return out;
}

namespace {
std::string joined(const std::vector<std::string>& values) {
  std::string s;
  for (const auto& v : values) s += (s.empty() ? "" : ", ") + v;
  return s;
}
}  // namespace

tl::expected<Json, std::string> field_json(const FieldSpec& f, const std::string& raw, bool for_write) {
  if (is_money(f)) {
    auto cents = parse_money(raw);
    if (!cents)
      return tl::unexpected("'" + raw + "' is not an amount: give digits with at most two decimals, e.g. 1200.00");
    return Json(*cents);
  }
  switch (f.type) {
    case FieldType::Integer: {
      std::int64_t v = 0;
      auto [p, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), v);
      if (raw.empty() || ec != std::errc() || p != raw.data() + raw.size())
        return tl::unexpected("'" + raw + "' is not a whole number");
      if (v < f.min) return tl::unexpected("'" + raw + "' is less than " + std::to_string(f.min));
      if (f.max > 0 && v > f.max) return tl::unexpected("'" + raw + "' is more than " + std::to_string(f.max));
      return Json(v);
    }
    case FieldType::Boolean:
      if (raw == "true") return Json(true);
      if (raw == "false") return Json(false);
      return tl::unexpected("'" + raw + "' is not true or false");
    case FieldType::Enum: {
      auto values = field_values(f, for_write);
      if (std::find(values.begin(), values.end(), raw) == values.end())
        return tl::unexpected("'" + raw + "' is not one of " + joined(values));
      return Json(raw);
    }
    case FieldType::Currency:
      if (!slab5::api::is_currency_code(raw))
        return tl::unexpected("'" + raw + "' is not an ISO 4217 currency code (upper case, e.g. USD, EUR)");
      return Json(raw);
    case FieldType::Object: {
      std::string text = raw;
      if (!raw.empty() && raw[0] == '@') {
        auto content = read_input(raw.substr(1));
        if (!content) return tl::unexpected(content.error());
        text = *content;
      }
      auto j = Json::parse(text, nullptr, false);
      if (j.is_discarded() || !j.is_object())
        return tl::unexpected(std::string("must be a JSON object, or @FILE holding one"));
      return j;
    }
    default:
      return Json(raw);
  }
}

std::string field_value_name(const FieldSpec& f) {
  if (is_money(f)) return "AMOUNT";
  switch (f.type) {
    case FieldType::Integer:
      return "N";
    case FieldType::Email:
      return "EMAIL";
    case FieldType::Url:
      return "URL";
    case FieldType::Hostname:
      return "HOST";
    case FieldType::Time:
      return "TIME";
    case FieldType::Date:
      return "DATE";
    case FieldType::Enum:
      return "VALUE";
    case FieldType::Currency:
      return "CODE";
    case FieldType::Reference:
    case FieldType::Related:
      return "ID";
    case FieldType::Member:
      return "USER_ID";
    case FieldType::Object:
      return "JSON";
    case FieldType::Boolean:
      return "";
    default:
      return "TEXT";
  }
}

std::string field_help(const FieldSpec& f, bool for_write) {
  std::string h(f.description);
  if (is_money(f)) {
    // The table speaks of the API's field, in cents; the flag takes the amount itself.
    h += " Here a decimal amount (1200.00), sent to the API in cents as " + std::string(f.name) + ".";
  } else {
    switch (f.type) {
      case FieldType::Enum:
        h += " One of: " + joined(field_values(f, for_write)) + ".";
        break;
      case FieldType::Time:
        h += " RFC 3339, e.g. 2026-12-01T09:00:00Z.";
        break;
      case FieldType::Date:
        if (h.find("YYYY-MM-DD") == std::string::npos) h += " YYYY-MM-DD.";
        break;
      case FieldType::Reference:
        h += " Id of a record of " + std::string(f.references) + ".";
        break;
      case FieldType::Member:
        h += " A member's user id (usr_…).";
        break;
      case FieldType::Object:
        h += " A JSON object, or @FILE.";
        break;
      case FieldType::Pattern:
        h += " Characters " + std::string(f.charset) + ", at most " + std::to_string(f.effective_max_len()) + ".";
        break;
      default:
        break;
    }
  }
  if (for_write && !f.default_value.empty() && f.default_value.front() == '"')
    h += " Default: " + std::string(f.default_value.substr(1, f.default_value.size() - 2)) + ".";
  if (for_write && f.required) h += " Required.";
  if (for_write && f.create_only) h += " Set on create only.";
  return h;
}

}  // namespace slab5cli
