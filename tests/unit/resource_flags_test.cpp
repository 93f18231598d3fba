// cli/resource_flags.cpp: how a field of the resource table becomes a flag and its value.
#include <doctest/doctest.h>

#include "resource_flags.hpp"

using namespace slab5cli;
using slab5::api::FieldSpec;
using slab5::api::FieldType;

TEST_CASE("money is parsed exactly: at most two decimals, no sign, no separators") {
  CHECK(parse_money("1200.00") == 120000);
  CHECK(parse_money("1200") == 120000);
  CHECK(parse_money("1200.5") == 120050);
  CHECK(parse_money("0.01") == 1);
  CHECK(parse_money("0.29") == 29);  // 0.29 * 100 is 28.999… in binary floating point
  CHECK(parse_money("92233720368547757.99") == 9223372036854775799LL);
  CHECK_FALSE(parse_money("92233720368547758.00"));  // past int64
  for (const char* bad : {"", "12.345", "-5", "+5", "1,200.00", "1.", ".5", "12a", "1e3", " 12", "12.0.0"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_money(bad));
  }
}

TEST_CASE("flag names: snake case becomes kebab case, and a cents field drops its suffix") {
  CHECK(field_flag(FieldSpec{.name = "company_id", .type = FieldType::Reference}) == "company-id");
  FieldSpec amount{.name = "amount_cents", .type = FieldType::Integer};
  CHECK(is_money(amount));
  CHECK(field_flag(amount) == "amount");
  CHECK(field_json(amount, "1200.00").value() == 120000);
  auto bad = field_json(amount, "12.345");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().find("at most two decimals") != std::string::npos);
  CHECK_FALSE(is_money(FieldSpec{.name = "employee_count", .type = FieldType::Integer}));
}

TEST_CASE("an enum value outside the table is refused with the values a client may set") {
  FieldSpec status{.name = "status",
                   .type = FieldType::Enum,
                   .values = {"new", "working", "converted"},
                   .create_values = {"new", "working"}};
  CHECK(field_json(status, "working").value() == "working");
  auto bad = field_json(status, "converted");
  REQUIRE_FALSE(bad);
  CHECK(bad.error() == "'converted' is not one of new, working");
  // Filtering may name every value.
  CHECK(field_json(status, "converted", false).value() == "converted");
}

TEST_CASE("typed fields: integers within limits, objects as JSON, currencies from ISO 4217") {
  FieldSpec size{.name = "byte_size", .type = FieldType::Integer, .min = 1};
  CHECK(field_json(size, "2048").value() == 2048);
  CHECK_FALSE(field_json(size, "0"));
  CHECK_FALSE(field_json(size, "12x"));
  FieldSpec meta{.name = "metadata", .type = FieldType::Object};
  CHECK(field_json(meta, R"({"a": 1})").value()["a"] == 1);
  CHECK_FALSE(field_json(meta, "[1]"));
  FieldSpec cur{.name = "currency", .type = FieldType::Currency};
  CHECK(field_json(cur, "EUR").value() == "EUR");
  CHECK_FALSE(field_json(cur, "eur"));
  CHECK(field_json(FieldSpec{.name = "name"}, "Jane Doe").value() == "Jane Doe");
}

TEST_CASE("help text is the table's description with the values, default and requirement") {
  FieldSpec source{.name = "source",
                   .type = FieldType::Enum,
                   .description = "Where the lead came from.",
                   .required = true,
                   .values = {"manual", "website"},
                   .default_value = R"("manual")"};
  CHECK(field_help(source) == "Where the lead came from. One of: manual, website. Default: manual. Required.");
}
