#include "run.hpp"

#include <cstdio>
#include <iostream>

#include "command_table.hpp"
#include "exit_codes.hpp"

namespace slab5cli {

int run(int argc, char** argv) {
  Context ctx;
  CLI::App app;
  build_command_table(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    app.exit(e);
    return kOk;
  } catch (const CLI::CallForAllHelp& e) {
    app.exit(e);
    return kOk;
  } catch (const CLI::CallForVersion& e) {
    std::cout << e.what() << std::endl;
    return kOk;
  } catch (const CLI::ParseError& e) {
    // Every parsing error is a usage error (exit 2), whatever CLI11's own code.
    std::cerr << "error: " << e.what() << "\n";
    std::cerr << "hint: run 'slab5 --help' (or 'slab5 <command> --help') for usage\n";
    return kUsage;
  }
  ctx.out.configure(ctx.g.json || !ctx.g.jq.empty(), ctx.g.quiet, ctx.g.no_color);
  if (!ctx.action) {
    std::cout << app.help();
    return kOk;
  }
  try {
    return ctx.action();
  } catch (const std::exception& e) {
    return ctx.fail(kFailure, e.what());
  }
}

}  // namespace slab5cli
