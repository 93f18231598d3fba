// `slab5 version` and `slab5 help [exit-codes]`.
#include <iostream>

#include "command_table.hpp"
#include "exit_codes.hpp"
#include "slab5/version.hpp"

namespace slab5cli {

void add_core_commands(CLI::App& app, Context& ctx) {
  auto* version = app.add_subcommand("version", "Print the version (also --version)");
  version->footer("Example:\n  slab5 version");
  on_run(version, ctx, [] {
    std::cout << "slab5 " << slab5::kVersion << " (" << slab5::kCommit << ", " << slab5::kCommitDate << ")\n";
    return int(kOk);
  });

  auto* help = app.add_subcommand("help", "Show help for a topic");
  static std::string help_topic;
  with_choices(help->add_option("topic", help_topic, "Topic: exit-codes"), {"exit-codes"});
  help->footer("Example:\n  slab5 help exit-codes");
  on_run(help, ctx, [&app] {
    if (help_topic == "exit-codes") {
      for (const auto& e : exit_code_table()) std::cout << e.code << "\t" << e.meaning << "\n";
      return int(kOk);
    }
    std::cout << app.help();
    return int(kOk);
  });
}

}  // namespace slab5cli
