#include "run.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "command_table.hpp"
#include "exit_codes.hpp"
#include "flag_values.hpp"
#include "suggest.hpp"

namespace slab5cli {

namespace {

// After a successful parse: output settings, then the named command (or the overview).
int execute(CLI::App& app, Context& ctx) {
  ctx.out.configure(ctx.g.json || !ctx.g.jq.empty(), ctx.g.quiet, ctx.g.no_color);
  if (!ctx.action) {
    std::cout << app.help();
    return kOk;
  }
  // --timeout was checked by the parser; the variable it stands in for is checked the same way
  // by every command that may send a request.
  auto chosen = app.get_subcommands();
  bool local =
      !chosen.empty() && (chosen.front()->get_name() == "completion" || chosen.front()->get_name() == "version" ||
                          chosen.front()->get_name() == "help" || chosen.front()->get_name().rfind("__", 0) == 0);
  if (!local && ctx.g.timeout.empty())
    if (auto t = ctx.env("SLAB5_TIMEOUT"); t && !parse_timeout_ms(*t))
      return ctx.usage_error(
          "SLAB5_TIMEOUT: '" + *t +
          "' is not a timeout: use seconds (30) or a duration such as 90s or 2m, more than 0 and at most 24h");
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
      } catch (const CLI::CallForVersion& e) {
        std::cout << e.what() << std::endl;  // the root's own answer: no table needed
        return kOk;
      } catch (const CLI::Error&) {
        parsed = false;
      }
      // It stands when a command of the partial table was chosen and no stand-in was entered.
      if (parsed && ctx.action &&
          std::none_of(stand_ins->begin(), stand_ins->end(), [](const CLI::App* s) { return s->parsed(); }))
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
    // Every parsing error is a usage error (exit 2), whatever CLI11's own code. A word or flag
    // the table does not know is named with the nearest ones ("did you mean …?").
    bool subcommand_missing = std::string(e.what()).find("subcommand is required") != std::string::npos;
    if (auto d = diagnose_arguments(app, argc, argv, subcommand_missing)) {
      std::cerr << "error: " << d->message << "\n";
      if (!d->hint.empty()) std::cerr << "hint: " << d->hint << "\n";
      return kUsage;
    }
    std::cerr << "error: " << e.what() << "\n";
    std::cerr << "hint: run 'slab5 --help' (or 'slab5 <command> --help') for usage\n";
    return kUsage;
  }
  return execute(app, ctx);
}

}  // namespace slab5cli
