// slab5's entry point: parse with the command table, run the chosen command, map every
// failure to the exit codes of cli.md §4.
#pragma once

namespace slab5cli {
int run(int argc, char** argv);
}
