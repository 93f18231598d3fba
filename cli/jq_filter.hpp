// --jq EXPR on `slab5 api` and every command that prints through Context::emit, on libjq.
// Output follows `gh --jq`: one result per line, strings raw (without quotes), every other
// value as compact JSON.
#pragma once
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <tl/expected.hpp>
#include <vector>

#include "context.hpp"

namespace slab5cli {

struct JqFailure {
  bool compile = false;  // the filter does not compile (a usage error)
  std::string message;   // jq's own message
};

// "" when the filter compiles, else jq's compile error message.
std::string jq_compile_error(const std::string& filter);

// Runs the filter over `input`; each element is one output line (without the newline).
tl::expected<std::vector<std::string>, JqFailure> jq_apply(const std::string& filter, const nlohmann::json& input);

// Prints the results on stdout and returns the exit code: 0, 2 for a filter that does not
// compile, 1 for a runtime error (e.g. "Cannot index string with string").
int run_jq(Context& ctx, const nlohmann::json& input, const std::string& filter);

// Installs run_jq as the context's JQ runner and makes --jq check its filter while the
// arguments are parsed (so a bad filter exits 2 before any request is sent).
void install_jq(CLI::App& app);

}  // namespace slab5cli
