// slab5's manual, generated parts (cli.md §6): the hidden `slab5 __manual DIR` writes the
// AsciiDoc fragments that man/slab5.1.adoc includes (COMMANDS, OPTIONS, ENVIRONMENT, EXIT
// STATUS), and `slab5 __commands` lists every command and flag for the completeness test.
#pragma once
#include <CLI/CLI.hpp>
#include <span>
#include <string_view>

#include "context.hpp"

namespace slab5cli {

struct EnvironmentVariable {
  std::string_view name;
  std::string_view meaning;
};
// Every environment variable slab5 reads (cli.md §1), in the order a person looks for them.
std::span<const EnvironmentVariable> environment_table();

void add_manual_commands(CLI::App& app, Context& ctx);

}  // namespace slab5cli
