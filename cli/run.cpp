#include "run.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "command_table.hpp"
#include "exit_codes.hpp"

namespace slab5cli {

namespace {

// After a successful parse: output settings, then the named command (or the overview).
int execute(CLI::App& app, Context& ctx) {
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

}  // namespace

int run(int argc, char** argv) {
  {
    // Most runs name one command: build only its group (a few percent of the table), so that
    // start-up stays close to curl's. Anything the partial table does not parse cleanly —
    // help, errors, a token naming another command — is parsed again by the whole table below,
    // so what the user sees never depends on this shortcut.
    Context ctx;
    CLI::App app;
    if (auto stand_ins = build_command_table_for(app, ctx, argc, argv)) {
      bool parsed = true;
      try {
        app.parse(argc, argv);
      } catch (const CLI::Error&) {
        parsed = false;
      }
      if (parsed && std::none_of(stand_ins->begin(), stand_ins->end(), [](const CLI::App* s) { return s->parsed(); }))
        return execute(app, ctx);
    }
  }

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
  return execute(app, ctx);
}

}  // namespace slab5cli
