// Arguments → slab5's parser, the way cli/run.cpp parses them: first the partial table for
// the named command (build_command_table_for), then, unless that parsed cleanly, the whole
// table (build_command_table). Nothing is run: the chosen action is never called. Settings
// that the parse decides (profile, base URL, workspace, timeout, correlation id) are then
// resolved, reading a config directory that holds nothing.
//
// Input: the arguments after "slab5", separated by NUL bytes (at most 64).
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "command_table.hpp"
#include "context.hpp"

namespace {

// What a command reads before doing anything.
void resolve_settings(const slab5cli::Context& ctx) {
  (void)ctx.profile();
  (void)ctx.base_url();
  (void)ctx.workspace();
  (void)ctx.correlation_id();
  (void)ctx.timeout_ms();
  (void)ctx.max_retries();
  (void)ctx.ca_bundle();
}

void parse_like_run(int argc, const char* const* argv) {
  {
    slab5cli::Context ctx;
    CLI::App app;
    if (auto stand_ins = slab5cli::build_command_table_for(app, ctx, argc, argv)) {
      bool parsed = true;
      try {
        app.parse(argc, argv);
      } catch (const CLI::Error&) {
        parsed = false;
      }
      if (parsed) {
        bool stand_in_parsed = false;
        for (const auto* s : *stand_ins) stand_in_parsed = stand_in_parsed || s->parsed();
        if (!stand_in_parsed) return resolve_settings(ctx);
      }
    }
  }
  slab5cli::Context ctx;
  CLI::App app;
  slab5cli::build_command_table(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Error& e) {
    (void)e.get_exit_code();
    (void)std::string(e.what());  // what run() prints
    return;
  }
  resolve_settings(ctx);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // An empty config directory of our own: the parse never reads the user's.
  static char dir[] = "/tmp/slab5-fuzz-cli-XXXXXX";
  if (!mkdtemp(dir)) std::abort();
  setenv("SLAB5_CONFIG_DIR", dir, 1);
  std::atexit([] { rmdir(dir); });
  for (const char* v : {"SLAB5_API_BASE_URL", "SLAB5_WORKSPACE_ID", "SLAB5_PROFILE", "SLAB5_TIMEOUT",
                        "SLAB5_WORKSPACE_TOKEN", "SLAB5_API_KEY", "SLAB5_WORKSPACE_API_KEY", "SLAB5_CORRELATION_ID"})
    unsetenv(v);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> args{"slab5"};
  std::string current;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      args.push_back(current);
      current.clear();
      if (args.size() > 64) return 0;
    } else {
      current.push_back(char(data[i]));
    }
  }
  if (size > 0) args.push_back(current);
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  parse_like_run(int(args.size()), argv.data());
  return 0;
}
