// slab5d's command line: serve, init, migrate, backup, exec, version (server.md §1).
#pragma once

namespace slab5d {
int run_main(int argc, char** argv);
}
