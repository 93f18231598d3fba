// Request-body fields given on the command line, as `slab5 api` reads them (cli.md §2): -f
// key=value (a string), -F key=typed (true, false, null, numbers, @file), key[]=value appends
// to an array; and a body from a file or stdin (--input/--data FILE|-). Shared by `slab5 api`
// and the resource commands.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <tl/expected.hpp>

namespace slab5cli {

// The content of FILE, or of stdin for "-".
tl::expected<std::string, std::string> read_input(const std::string& source);

// A -F value: true, false, null, a number, @file (its content); anything else is a string.
tl::expected<nlohmann::json, std::string> typed_value(const std::string& v);

// Adds "key=value" to `body`: typed as -F when `typed`, else a string; "key[]=v" appends.
tl::expected<void, std::string> add_field(nlohmann::json& body, const std::string& spec, bool typed);

}  // namespace slab5cli
